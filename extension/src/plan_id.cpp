/*
 * plan_id.cpp — the plan id: a 64-bit fingerprint of a plan tree's shape.
 *
 * A walk over the plan nodes mixes what makes two plans different to a person reading EXPLAIN:
 * node types, the relations and indexes used (by oid; an index scan by its index's alone, which
 * belongs to exactly one relation), join types, scan directions, aggregate and
 * set-operation strategies, sort and grouping widths, parallel awareness, init plans and subplans.
 * It ignores costs, row estimates, plan node ids and every constant, so the same query with other
 * constants and the same shape gets the same id. 0 is never returned (it marks utility
 * statements). On the way it notes what the anti-pattern detectors may want to look at (an
 * OFFSET, a filtered sequential scan).
 *
 * It runs once per plan (plan_cache.cpp), but a one-shot plan (the simple query protocol, a custom
 * plan) is a new plan at every execution, so the walk is built for instructions per node: one loop
 * over an explicit stack, the hash and the features in registers, per node one mixed word (a
 * header, with a detail word folded in where the type has one), the commonest node (an index scan)
 * tested before the jump table, and the leaves among an Append's children (its scans) mixed where
 * the list is read, without a trip through the stack. The order is a depth-first one fixed by the
 * tree and every header says which children follow, so two different shapes never give one
 * sequence. sql/plan_id_shapes holds a corpus of shapes whose partition into ids must not move;
 * a change to what is mixed changes every id and must bump kPlanIdVersion (plan_id.hpp).
 */
#include "core/fingerprint.hpp"
#include "plan_id.hpp"

namespace pgpf
{

namespace
{

using pgpf::Fingerprint;

constexpr uint64 mix(uint64 h, uint64 v)
{
    Fingerprint f(h);
    f.mix(v);
    return f.state();
}

// The hash's start: the seed with the statement's command type mixed in, worked out at compile time
// for every CmdType (the walk of a one-node plan is a few instructions: this was a fifth of them).
struct Seeds
{
    uint64 of[8];
    constexpr Seeds() : of()
    {
        for (int c = 0; c < 8; c++)
            of[c] = mix(Fingerprint().state(), uint64(c));
    }
};
constexpr Seeds kSeeds{};
static_assert(CMD_NOTHING < 8, "every CmdType has its seed");
inline uint64 seed_for(CmdType c)
{
    return likely(unsigned(c) < 8) ? kSeeds.of[c] : mix(Fingerprint().state(), uint64(c));
}

inline uint64 relation_oid(Index scanrelid, const List *rtable)
{
    if (scanrelid == 0 || scanrelid > Index(list_length(rtable)))
        return 0;
    const RangeTblEntry *rte = rt_fetch(scanrelid, rtable);
    return rte->rtekind == RTE_RELATION ? rte->relid : 0;
}

// What a scan's condition list tells the N+1 detector: that there is one, and whether it compares
// with a list of values (`= ANY`, `IN (...)`: how ORMs batch). Only the top-level conditions are
// looked at; an OR of conditions is not a list (in PostgreSQL 15 it is rarely how a batch looks).
inline uint32 qual_features(const List *quals)
{
    if (quals == NIL)
        return 0;
    // A list that is not NIL has at least one element; most scans have exactly one condition.
    const ListCell *c = quals->elements;
    uint32 f = PLAN_HAS_SCAN_QUAL;
    if (IsA(static_cast<const Node *>(lfirst(c)), ScalarArrayOpExpr))
        f |= PLAN_HAS_VALUE_LIST;
    if (unlikely(quals->length > 1))
        for (const ListCell *end = c + quals->length; ++c < end;)
            if (IsA(static_cast<const Node *>(lfirst(c)), ScalarArrayOpExpr))
                f |= PLAN_HAS_VALUE_LIST;
    return f;
}

// Spreads a node's header before its detail word is folded in (an odd multiplier).
constexpr uint64 kDetailMul = 0xD6E8FEB86659FD93ULL;

// Children a node keeps outside lefttree and righttree: a list (Append and friends) and/or one
// plan (a subquery's).
struct Kids
{
    const List *list = NIL;
    const Plan *sub = nullptr;
};

// One node's word: a header (type, parallel awareness, which of lefttree and righttree it has, how
// many init plans, a small per-type choice) with, where the type has one, a detail word (relation
// and index, strategy and widths, how many listed children) folded in by an odd multiplier. Notes
// the PLAN_HAS_* features and the node's other children on the way. The caller passes links() of
// the node's lefttree and righttree (0 where it knows both are NULL).
inline uint64 links(const Plan *left, const Plan *right)
{
    return (uint64(left != nullptr) << 1) | (uint64(right != nullptr) << 2);
}
pg_attribute_always_inline uint64 node_word(const Plan *plan, uint64 links, const List *rtable,
                                            uint32 &features, Kids &kids)
{
    uint64 header = (uint64(nodeTag(plan)) << 8) | uint64(plan->parallel_aware) | links;
    if (unlikely(plan->initPlan != NIL))
        header |= uint64(Min(list_length(plan->initPlan), 255)) << 48;
    uint64 detail;
    // The most common node first, before the jump table.
    if (likely(nodeTag(plan) == T_IndexScan))
    {
        const IndexScan *s = reinterpret_cast<const IndexScan *>(plan);
        header |= uint64(s->indexorderdir + 2) << 40;
        detail = uint64(s->indexid) << 32; // an index belongs to one relation: it names both
        features |= qual_features(s->indexqualorig) | qual_features(plan->qual);
        return (header * kDetailMul) ^ detail;
    }
    switch (nodeTag(plan))
    {
    case T_IndexOnlyScan:
    {
        const IndexOnlyScan *s = reinterpret_cast<const IndexOnlyScan *>(plan);
        header |= uint64(s->indexorderdir + 2) << 40;
        detail = uint64(s->indexid) << 32;
        features |= qual_features(s->indexqual) | qual_features(plan->qual);
        break;
    }
    case T_SeqScan:
        if (plan->qual != NIL)
            features |= PLAN_HAS_SEQSCAN | qual_features(plan->qual);
        detail = relation_oid(reinterpret_cast<const Scan *>(plan)->scanrelid, rtable);
        break;
    case T_BitmapHeapScan:
        features |= qual_features(plan->qual);
        detail = relation_oid(reinterpret_cast<const Scan *>(plan)->scanrelid, rtable);
        break;
    case T_SampleScan:
    case T_TidScan:
    case T_TidRangeScan:
    case T_ForeignScan:
        detail = relation_oid(reinterpret_cast<const Scan *>(plan)->scanrelid, rtable);
        break;
    case T_BitmapIndexScan:
    {
        const BitmapIndexScan *s = reinterpret_cast<const BitmapIndexScan *>(plan);
        detail = uint64(s->indexid) << 32;
        features |= qual_features(s->indexqualorig);
        break;
    }
    case T_NestLoop:
    case T_MergeJoin:
    case T_HashJoin:
        return header | (uint64(reinterpret_cast<const Join *>(plan)->jointype) << 40);
    case T_Agg:
    {
        const Agg *a = reinterpret_cast<const Agg *>(plan);
        detail = (uint64(a->aggstrategy) << 40) | (uint64(a->aggsplit) << 32) | uint64(uint32(a->numCols));
        break;
    }
    case T_SetOp:
    {
        const SetOp *s = reinterpret_cast<const SetOp *>(plan);
        detail = (uint64(s->strategy) << 32) | uint64(s->cmd);
        break;
    }
    case T_Sort:
        detail = uint64(uint32(reinterpret_cast<const Sort *>(plan)->numCols));
        break;
    case T_IncrementalSort:
    {
        const IncrementalSort *s = reinterpret_cast<const IncrementalSort *>(plan);
        detail = (uint64(uint32(s->nPresortedCols)) << 32) | uint64(uint32(s->sort.numCols));
        break;
    }
    case T_Group:
        detail = uint64(uint32(reinterpret_cast<const Group *>(plan)->numCols));
        break;
    case T_Limit:
    {
        const Limit *l = reinterpret_cast<const Limit *>(plan);
        if (l->limitOffset != nullptr)
            features |= PLAN_HAS_OFFSET;
        return header | (uint64(l->limitOption) << 40);
    }
    case T_ModifyTable:
    {
        // The target relations, folded into the detail word.
        const ModifyTable *m = reinterpret_cast<const ModifyTable *>(plan);
        header |= uint64(m->operation) << 40;
        Fingerprint targets;
        ListCell *lc;
        foreach (lc, m->resultRelations)
            targets.mix(relation_oid(Index(lfirst_int(lc)), rtable));
        detail = targets.state(); // mixed again with the header: no final avalanche needed
        break;
    }
    case T_CteScan:
        detail = uint64(uint32(reinterpret_cast<const CteScan *>(plan)->ctePlanId));
        break;
    case T_Append:
        kids.list = reinterpret_cast<const Append *>(plan)->appendplans;
        detail = uint64(list_length(kids.list)) << 32;
        break;
    case T_MergeAppend:
        kids.list = reinterpret_cast<const MergeAppend *>(plan)->mergeplans;
        detail = uint64(list_length(kids.list)) << 32;
        break;
    case T_BitmapAnd:
        kids.list = reinterpret_cast<const BitmapAnd *>(plan)->bitmapplans;
        detail = uint64(list_length(kids.list)) << 32;
        break;
    case T_BitmapOr:
        kids.list = reinterpret_cast<const BitmapOr *>(plan)->bitmapplans;
        detail = uint64(list_length(kids.list)) << 32;
        break;
    case T_SubqueryScan:
        kids.sub = reinterpret_cast<const SubqueryScan *>(plan)->subplan;
        detail = kids.sub != nullptr;
        break;
    case T_CustomScan:
    {
        const CustomScan *c = reinterpret_cast<const CustomScan *>(plan);
        kids.list = c->custom_plans;
        detail = relation_oid(c->scan.scanrelid, rtable) ^ (uint64(list_length(kids.list)) << 32);
        break;
    }
    default:
        return header; // the node type alone describes it (Result, Hash, Material, Gather, ...)
    }
    // Nodes that differ in either word give different words unless header * K ^ detail happens to
    // agree, which for these small structured words is as unlikely as any 64-bit collision.
    return (header * kDetailMul) ^ detail;
}

constexpr int kStack = 64;

// Work put aside during the walk: one plan (a right subtree, a subquery's plan), or the rest of a
// list of children (next .. end).
struct Frame
{
    const ListCell *next; // nullptr for one plan
    const ListCell *end;
    const Plan *plan;
};

// The running hash and the PLAN_HAS_* bits a walk found, returned by value so that the walk keeps
// both in registers.
struct Walked
{
    uint64 h;
    uint32 features;
};

Walked walk(uint64 h, const Plan *plan, const List *rtable);

// Walks a subtree now, when the stack has no room for it: only very bushy plans get here, and
// only here does the walk recurse.
pg_noinline Walked walk_now(uint64 h, const Plan *p, const List *rtable)
{
    check_stack_depth();
    return walk(h, p, rtable);
}

// A list walked now, child by child (the statement's subplans; listed children when the stack is full).
pg_noinline Walked walk_list_now(uint64 h, const List *plans, const List *rtable)
{
    uint32 features = 0;
    for (const ListCell *c = plans->elements, *end = c + plans->length; c < end; c++)
    {
        const Plan *p = static_cast<const Plan *>(lfirst(c));
        if (p == nullptr)
            h = mix(h, 0);
        else
        {
            const Walked w = walk_now(h, p, rtable);
            h = w.h;
            features |= w.features;
        }
    }
    return Walked{h, features};
}

// Depth first, in preorder: a node's word, then its left subtree, its right subtree, a subquery's
// plan, its listed children in order. Every header says which of these follow and the detail how
// many are listed, so two different trees never give one sequence of words. The left spine is a
// loop; the rest waits on a fixed stack (last pushed first), a list as one frame that hands its
// children out in order, mixing the leaves among them (an Append's scans) on the spot. A plan that
// is one left spine (most are: a scan under a few nodes) never touches the stack. When the stack
// is full, what would have waited is walked at once (before the left subtree); that happens at the
// same places for the same tree, so the sequence still decodes to one tree.
template <bool kAfterRoot>
pg_attribute_always_inline Walked walk_body(uint64 h, const Plan *plan, const List *rtable, const Kids *first)
{
    uint32 features = 0;
    Frame stack[kStack];
    Frame *top = stack; // the first free frame
    const auto fold = [&](const Walked &w)
    {
        h = w.h;
        features |= w.features;
    };
    // A node's other children, put aside before its right subtree so that they come out after it.
    const auto put_aside = [&](const Kids &kids)
    {
        if (kids.list != NIL)
        {
            if (top < stack + kStack)
                *top++ = Frame{kids.list->elements, kids.list->elements + kids.list->length, nullptr};
            else
                fold(walk_list_now(h, kids.list, rtable));
        }
        if (kids.sub != nullptr)
        {
            if (top < stack + kStack)
                *top++ = Frame{nullptr, nullptr, kids.sub};
            else
                fold(walk_now(h, kids.sub, rtable));
        }
    };
    if constexpr (kAfterRoot)
        put_aside(*first);
    for (;;)
    {
        for (; plan != nullptr; plan = plan->lefttree)
        {
            Kids kids;
            h = mix(h, node_word(plan, links(plan->lefttree, plan->righttree), rtable, features, kids));
            if (unlikely(kids.list != NIL || kids.sub != nullptr))
                put_aside(kids);
            if (const Plan *right = plan->righttree; right != nullptr)
            {
                if (top < stack + kStack)
                    *top++ = Frame{nullptr, nullptr, right};
                else
                    fold(walk_now(h, right, rtable));
            }
        }
        if (top == stack)
            return Walked{h, features};
        Frame &f = top[-1];
        if (f.next == nullptr)
        {
            plan = f.plan;
            --top;
            continue;
        }
        // Listed children: the leaves are mixed here; the first that has children of its own
        // leaves the loop, to be walked as the left spine, the rest of the list waiting.
        const ListCell *c = f.next;
        const ListCell *const end = f.end;
        do
        {
            const Plan *p = static_cast<const Plan *>(lfirst(c++));
            if (p == nullptr) // a child the planner removed
                h = mix(h, 0);
            else if (p->righttree == nullptr && p->lefttree != nullptr)
            {
                // A node over a leaf (a Limit or a Sort over a scan, a union's commonest branch):
                // both words mixed here, in the order the left spine would mix them. Anything else
                // below or beside it goes on as the spine would: the frame advanced first, the
                // node's other children put aside, the walk resumed at its left subtree.
                Kids kids;
                const Plan *q = p->lefttree;
                h = mix(h, node_word(p, links(q, nullptr), rtable, features, kids));
                const bool more = unlikely(kids.list != NIL || kids.sub != nullptr);
                if (more || q->lefttree != nullptr || q->righttree != nullptr)
                {
                    if (c == end)
                        --top;
                    else
                        f.next = c;
                    if (more)
                        put_aside(kids);
                    plan = q;
                    goto next;
                }
                h = mix(h, node_word(q, 0, rtable, features, kids));
                if (unlikely(kids.list != NIL || kids.sub != nullptr))
                {
                    if (c == end)
                        --top;
                    else
                        f.next = c;
                    put_aside(kids);
                    goto next;
                }
            }
            else if (p->lefttree != nullptr || p->righttree != nullptr)
            {
                plan = p;
                break;
            }
            else
            {
                Kids kids;
                h = mix(h, node_word(p, 0, rtable, features, kids));
                if (unlikely(kids.list != NIL || kids.sub != nullptr))
                {
                    // A nested Append or subquery: its children come before the rest of the list.
                    if (c == end)
                        --top;
                    else
                        f.next = c;
                    put_aside(kids);
                    goto next;
                }
            }
        } while (c != end);
        if (c == end)
            --top;
        else
            f.next = c;
    next:;
    }
}

Walked walk(uint64 h, const Plan *plan, const List *rtable)
{
    return walk_body<false>(h, plan, rtable, nullptr);
}

// The walk of a root's listed children and subquery plan, its own word already mixed.
pg_noinline Walked walk_after_root(uint64 h, const Kids &kids, const List *rtable)
{
    return walk_body<true>(h, nullptr, rtable, &kids);
}

// A root without lefttree or righttree: one node (a lookup by key, most statements of an OLTP
// application) needs no walk; an Append or a subquery scan goes on with its children. The sequence
// is the one the walk would give. Out of line, so that compute_plan_id stays small for the others.
pg_noinline Walked root_only(uint64 h, const Plan *root, const List *rtable)
{
    Walked w{0, 0};
    Kids kids;
    h = mix(h, node_word(root, 0, rtable, w.features, kids));
    if (unlikely(kids.list != NIL || kids.sub != nullptr))
    {
        const Walked rest = walk_after_root(h, kids, rtable);
        w.features |= rest.features;
        h = rest.h;
    }
    w.h = h;
    return w;
}

} // namespace

PGPF_HOT uint64 compute_plan_id(const PlannedStmt *stmt, uint32 *features)
{
    const List *rtable = stmt->rtable;
    uint64 h = seed_for(stmt->commandType);
    uint32 found = 0;
    const Plan *root = stmt->planTree;
    // A lone index scan (a lookup by key: most statements of an OLTP application), on the spot: the
    // word node_word() gives it, mixed as root_only() would, with nothing else to walk.
    if (likely(root != nullptr && nodeTag(root) == T_IndexScan && root->lefttree == nullptr &&
               root->righttree == nullptr && root->initPlan == NIL && stmt->subplans == NIL))
    {
        const IndexScan *s = reinterpret_cast<const IndexScan *>(root);
        const uint64 header =
            (uint64(T_IndexScan) << 8) | uint64(root->parallel_aware) | (uint64(s->indexorderdir + 2) << 40);
        h = mix(h, (header * kDetailMul) ^ (uint64(s->indexid) << 32));
        if (features != nullptr)
            *features = qual_features(s->indexqualorig) | qual_features(root->qual);
        const uint64 id = Fingerprint::avalanche(h);
        return id != 0 ? id : 1;
    }
    if (root != nullptr)
    {
        const Walked w = root->lefttree == nullptr && root->righttree == nullptr ? root_only(h, root, rtable)
                                                                                 : walk(h, root, rtable);
        h = w.h;
        found = w.features;
    }
    if (unlikely(stmt->subplans != NIL))
    {
        // Subplans (of SubPlan expressions and init plans) in their list's order, after a word
        // with their number.
        h = mix(h, uint64(list_length(stmt->subplans)));
        const Walked w = walk_list_now(h, stmt->subplans, rtable);
        h = w.h;
        found |= w.features;
    }
    if (features != nullptr)
        *features = found;
    const uint64 id = Fingerprint::avalanche(h);
    return id != 0 ? id : 1;
}

} // namespace pgpf
