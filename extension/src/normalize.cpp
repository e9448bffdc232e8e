/*
 * normalize.cpp — query texts with constants replaced by $n, as pg_stat_statements shows them.
 *
 * The constants' locations are only known at parse analysis (JumbleState), while an entry is created
 * when the statement finishes, possibly several protocol messages later. So each backend keeps a
 * small two-way set-associative cache, (query id, role) -> normalized text, filled at parse analysis
 * the first time it sees a query id for a role, and read when an entry is created. A repeat parse
 * costs two probes. Two ways, the least recently used replaced: a text is often needed long after
 * its parse (a PL/pgSQL statement whose plan is cached is parsed once, recorded at every call), and
 * with one way a single other statement of the same slot in between would lose it to the raw text.
 * The constants' lengths come from the core lexer: it NUL-terminates the token it has just returned
 * in its private copy of the text, so strlen() from the constant's location gives its length.
 *
 * Memory: the lexer and the text being built live in a scratch context deleted right after; only
 * the finished text is copied into the session-lifetime cache context, and a slot's old text is
 * freed when the slot is reused. Cached texts are cut at pg_perfgate.query_text_size (the store
 * keeps no more), so the cache holds at most kCacheSlots such texts however long a session runs.
 *
 * A text that does not fit is cut so that its SQL shows: leading comments (a framework's 40 kB
 * annotation before the statement) are replaced by a note of their size, and what still does not
 * fit is cut at a character boundary and ended with a marker (store_clip_text()).
 */
#include "normalize.hpp"

#include "core/query_group.hpp"
#include "exec_state.hpp"
#include "guard.hpp"
#include "settings.hpp"
#include "store.hpp"

namespace pgpf
{

namespace
{

constexpr int kCacheSlots = 256;

struct CachedText
{
    uint64 queryid;
    Oid userid;    // a text is only reused for the role that wrote it: comments may be private
    bool toplevel; // parsed at nesting level 0: a client's statement
    char *text;
    int len;      // bytes cached
    int full_len; // bytes of the whole normalized text (more than len when cut)
    uint64 group; // query group of the whole text: a cut text may have lost the end of a list
    uint64 used;  // the tick of its last use, for replacement
};

CachedText cache[kCacheSlots];
uint64 cache_tick = 0;

// The cached text of queryid for the current role, or NULL. The role is asked only when a query id
// matches (a repeat parse mostly misses nothing and asks nothing). Like pg_stat_statements' entries,
// texts are kept apart by nesting level: a client's statement and a nested one (a PL/pgSQL loop's
// bound, parsed as "1") may share a query id, and the client's must show its own text. A text of the
// other level is the fallback (a loop's parent, looked up from inside the loop) unless `exact`.
// userid: the role whose text is wanted (InvalidOid: the current one).
CachedText *lookup(uint64 queryid, bool exact = false, Oid userid = InvalidOid)
{
    CachedText *set = &cache[(queryid % (kCacheSlots / 2)) * 2];
    const bool toplevel = nesting_level == 0;
    if (userid == InvalidOid)
        userid = GetUserId();
    CachedText *other = nullptr;
    for (int w = 0; w < 2; w++)
        if (set[w].queryid == queryid && set[w].text != nullptr && set[w].userid == userid)
        {
            if (set[w].toplevel != toplevel)
            {
                other = &set[w];
                continue;
            }
            set[w].used = ++cache_tick;
            return &set[w];
        }
    if (other == nullptr || exact)
        return nullptr;
    other->used = ++cache_tick;
    return other;
}

// Where a new text of queryid goes: an empty way, else the least recently used one.
CachedText *victim(uint64 queryid)
{
    CachedText *set = &cache[(queryid % (kCacheSlots / 2)) * 2];
    if (set[0].text == nullptr)
        return &set[0];
    if (set[1].text == nullptr)
        return &set[1];
    return set[0].used <= set[1].used ? &set[0] : &set[1];
}
MemoryContext cache_context = nullptr;

int compare_locations(const void *a, const void *b)
{
    const int la = static_cast<const LocationLen *>(a)->location;
    const int lb = static_cast<const LocationLen *>(b)->location;
    return (la > lb) - (la < lb);
}

// Fills in the length of each constant (sorted by location; -1 stays for duplicates).
void fill_constant_lengths(JumbleState *jstate, const char *source)
{
    LocationLen *locs = jstate->clocations;
    if (jstate->clocations_count > 1)
        qsort(locs, jstate->clocations_count, sizeof(LocationLen), compare_locations);

    core_yy_extra_type yyextra;
    core_yyscan_t scanner = scanner_init(source, &yyextra, &ScanKeywords, ScanKeywordTokens);
    yyextra.escape_string_warning = false; // no warnings from a second look at the text

    core_YYSTYPE yylval;
    YYLTYPE yylloc;
    int last_loc = -1;
    for (int i = 0; i < jstate->clocations_count; i++)
    {
        const int loc = locs[i].location;
        if (loc < 0 || loc <= last_loc)
            continue; // unknown or duplicate
        if (PGPF_LOCATION_SQUASHED(locs[i]))
            continue; // a squashed list (18): its length is known
        for (;;)
        {
            int tok = core_yylex(&yylval, &yylloc, scanner);
            if (tok == 0)
                goto done;
            if (yylloc >= loc)
            {
                if (source[loc] == '-') // a negative constant is '-' then the number
                {
                    tok = core_yylex(&yylval, &yylloc, scanner);
                    if (tok == 0)
                        goto done;
                }
                locs[i].length = int(strlen(yyextra.scanbuf + loc));
                break;
            }
        }
        last_loc = loc;
    }
done:
    scanner_finish(scanner);
}

// The statement [query_loc, query_loc + query_len) of source with its constants replaced, built
// in the current (scratch) context.
StringInfoData normalize(JumbleState *jstate, const char *source, int query_loc, int query_len)
{
    fill_constant_lengths(jstate, source);
    StringInfoData buf;
    initStringInfo(&buf);
    int param = jstate->highest_extern_param_id + 1;
    int copied = query_loc; // absolute offset of the next byte to copy
    const int end = query_loc + query_len;
    for (int i = 0; i < jstate->clocations_count; i++)
    {
        const LocationLen &l = jstate->clocations[i];
        const int loc = l.location;
        const int len = l.length;
        if (PGPF_LOCATION_KEEPS_TEXT(jstate, l) || len < 0 || loc < copied || loc + len > end)
            continue;
        appendBinaryStringInfo(&buf, source + copied, loc - copied);
        appendStringInfo(&buf, PGPF_LOCATION_SQUASHED(l) ? "$%d /*, ... */" : "$%d", param++);
        copied = loc + len;
    }
    appendBinaryStringInfo(&buf, source + copied, end - copied);
    return buf;
}

inline bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Bytes of the comments (-- to the end of the line, /* */ nested) and white space that open text.
int leading_comments_end(const char *t, int len)
{
    int i = 0, end = 0;
    for (;;)
    {
        while (i < len && is_space(t[i]))
            i++;
        if (i + 1 < len && t[i] == '-' && t[i + 1] == '-')
        {
            while (i < len && t[i] != '\n')
                i++;
            end = i;
        }
        else if (i + 1 < len && t[i] == '/' && t[i + 1] == '*')
        {
            int depth = 1;
            i += 2;
            while (i < len && depth > 0)
            {
                if (i + 1 < len && t[i] == '/' && t[i + 1] == '*')
                {
                    depth++;
                    i += 2;
                }
                else if (i + 1 < len && t[i] == '*' && t[i + 1] == '/')
                {
                    depth--;
                    i += 2;
                }
                else
                    i++;
            }
            end = i;
        }
        else
            return end;
    }
}

// text[0, len) into dst (size bytes), fitted as the header says; returns the bytes written. Allocates
// nothing (the error hook calls it).
int fit_query_text(char *dst, int size, const char *text, int len)
{
    if (len < size)
        return store_clip_text(dst, size, text, len);
    int sql = leading_comments_end(text, len);
    while (sql < len && is_space(text[sql]))
        sql++;
    char head[64];
    const int h = sql > 0 ? snprintf(head, sizeof(head), "/* %d bytes of leading comments cut */ ", sql) : 0;
    if (sql == 0 || sql >= len || h + 16 >= size)
        return store_clip_text(dst, size, text, len);
    memcpy(dst, head, h);
    return h + store_clip_text(dst + h, size - h, text + sql, len - sql);
}

// The way of this level caching queryid's text for the role userid, NULL when none does (then
// lookup() may still find it in the other way): inline for every parse analysis of a statement run
// again.
inline CachedText *cached_here(uint64 queryid, Oid userid)
{
    CachedText *set = &cache[(queryid % (kCacheSlots / 2)) * 2];
    const bool toplevel = nesting_level == 0;
    CachedText *w = set[0].queryid == queryid && set[0].toplevel == toplevel   ? &set[0]
                    : set[1].queryid == queryid && set[1].toplevel == toplevel ? &set[1]
                                                                               : nullptr;
    return w != nullptr && w->text != nullptr && w->userid == userid ? w : nullptr;
}

pg_noinline void remember_new(ParseState *pstate, Query *query, JumbleState *jstate);

} // namespace

// remember_normalized_text() when the way of its level did not have the text.
pg_noinline void remember_missed(ParseState *pstate, Query *query, JumbleState *jstate)
{
    if (lookup(query->queryId, true) != nullptr) // the other way may still be this level's
        return;
    // The hook calls remember_normalized_text() outside its guard (hooks.cpp): what may throw is
    // guarded here.
    guarded("post_parse_analyze", [&] { remember_new(pstate, query, jstate); });
}

pg_noinline void remember_normalized_text(ParseState *pstate, Query *query, JumbleState *jstate)
{
    // The role first, so that nothing but the arguments is kept across the call.
    const Oid userid = GetUserId();
    const uint64 queryid = query->queryId;
    if (queryid == 0 || jstate == nullptr || jstate->clocations_count <= 0)
        return;
    if (CachedText *w = cached_here(queryid, userid); likely(w != nullptr))
    {
        w->used = ++cache_tick;
        return;
    }
    remember_missed(pstate, query, jstate);
}

namespace
{

// remember_normalized_text() for a text not cached yet.
void remember_new(ParseState *pstate, Query *query, JumbleState *jstate)
{
    const uint64 queryid = query->queryId;
    const Oid userid = GetUserId();
    if (pstate->p_sourcetext == nullptr)
        return;

    if (cache_context == nullptr)
        cache_context =
            AllocSetContextCreate(TopMemoryContext, "pg_perfgate query texts", ALLOCSET_SMALL_SIZES);
    // The statement's bounds in the source, white space trimmed (normalize() copies from there).
    int loc = query->stmt_location, len = query->stmt_len;
    (void)CleanQuerytext(pstate->p_sourcetext, &loc, &len);

    // The lexer's state, its copy of the text and the text being built all go with this context.
    MemoryContext scratch =
        AllocSetContextCreate(CurrentMemoryContext, "pg_perfgate normalize", ALLOCSET_DEFAULT_SIZES);
    MemoryContext old = MemoryContextSwitchTo(scratch);
    StringInfoData text = normalize(jstate, pstate->p_sourcetext, loc, len);
    MemoryContextSwitchTo(old);

    CachedText &slot = *victim(queryid);
    const int full_len = text.len;
    const uint64 group = pgpf::query_group(text.data, size_t(text.len));
    if (slot.text != nullptr)
        pfree(slot.text);
    slot.text = nullptr;
    const int room = Min(full_len + 1, guc_query_text_size);
    char *copy = static_cast<char *>(MemoryContextAlloc(cache_context, room));
    const int keep = fit_query_text(copy, room, text.data, full_len);
    MemoryContextDelete(scratch);

    slot.queryid = queryid;
    slot.userid = userid;
    slot.toplevel = nesting_level == 0;
    slot.text = copy;
    slot.len = keep;
    slot.full_len = full_len;
    slot.group = group;
    slot.used = ++cache_tick;
}

} // namespace

char *query_text_for(uint64 queryid, const char *source, int location, int length, int *len, bool *cut,
                     Oid userid)
{
    *cut = false;
    if (const CachedText *slot = lookup(queryid, false, userid))
    {
        *len = slot->len;
        *cut = slot->full_len > slot->len;
        return pnstrdup(slot->text, slot->len);
    }
    if (source == nullptr)
    {
        *len = 0;
        return nullptr;
    }
    const char *stmt = CleanQuerytext(source, &location, &length);
    if (length >= guc_query_text_size)
    {
        char *fitted = static_cast<char *>(palloc(guc_query_text_size));
        *len = fit_query_text(fitted, guc_query_text_size, stmt, length);
        *cut = true;
        return fitted;
    }
    *len = length;
    return pnstrdup(stmt, length);
}

int copy_query_text(uint64 queryid, const char *source, int location, int length, char *buf, int size)
{
    const char *text;
    int len;
    if (size <= 1)
        return 0;
    if (const CachedText *slot = lookup(queryid))
    {
        text = slot->text;
        len = slot->len;
    }
    else if (source != nullptr)
    {
        text = CleanQuerytext(source, &location, &length);
        len = length;
    }
    else
        return 0;
    return fit_query_text(buf, size, text, len);
}

uint64 query_group_for(uint64 queryid, const char *source, int location, int length)
{
    if (const CachedText *slot = lookup(queryid))
        return slot->group;
    if (source == nullptr)
        return queryid;
    const char *stmt = CleanQuerytext(source, &location, &length);
    return pgpf::query_group(stmt, size_t(Max(length, 0)));
}

Size normalize_cache_bytes()
{
    return cache_context != nullptr ? MemoryContextMemAllocated(cache_context, true) : 0;
}

} // namespace pgpf
