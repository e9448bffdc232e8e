/*
 * normalize.cpp — query texts with constants replaced by $n, as pg_stat_statements shows them.
 *
 * The constants' locations are only known at parse analysis (JumbleState), while an entry is created
 * when the statement finishes, possibly several protocol messages later. So each backend keeps a
 * small direct-mapped cache, query id -> normalized text, filled at parse analysis the first time
 * it sees a query id (for a role) and read when an entry is created. A repeat parse costs one array
 * probe.
 * The constants' lengths come from the core lexer: it NUL-terminates the token it has just returned
 * in its private copy of the text, so strlen() from the constant's location gives its length.
 */
#include "pg_perfgate.hpp"

namespace pgpf
{

namespace
{

constexpr int kCacheSlots = 256;

struct CachedText
{
    uint64 queryid;
    Oid userid; // a text is only reused for the role that wrote it: comments may be private
    char *text;
    int len;
};

CachedText cache[kCacheSlots];
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

// The statement [query_loc, query_loc + query_len) of source with its constants replaced.
char *normalize(JumbleState *jstate, const char *source, int query_loc, int query_len, int *out_len)
{
    fill_constant_lengths(jstate, source);
    StringInfoData buf;
    initStringInfo(&buf);
    int param = jstate->highest_extern_param_id + 1;
    int copied = query_loc; // absolute offset of the next byte to copy
    const int end = query_loc + query_len;
    for (int i = 0; i < jstate->clocations_count; i++)
    {
        const int loc = jstate->clocations[i].location;
        const int len = jstate->clocations[i].length;
        if (len < 0 || loc < copied || loc + len > end)
            continue;
        appendBinaryStringInfo(&buf, source + copied, loc - copied);
        appendStringInfo(&buf, "$%d", param++);
        copied = loc + len;
    }
    appendBinaryStringInfo(&buf, source + copied, end - copied);
    *out_len = buf.len;
    return buf.data;
}

} // namespace

void remember_normalized_text(ParseState *pstate, Query *query, JumbleState *jstate)
{
    const uint64 queryid = query->queryId;
    if (queryid == 0 || jstate == nullptr || jstate->clocations_count <= 0)
        return;
    CachedText &slot = cache[queryid % kCacheSlots];
    if (slot.queryid == queryid && slot.text != nullptr && slot.userid == GetUserId())
        return;
    if (pstate->p_sourcetext == nullptr)
        return;
    const Oid userid = GetUserId();

    if (cache_context == nullptr)
        cache_context =
            AllocSetContextCreate(TopMemoryContext, "pg_perfgate query texts", ALLOCSET_SMALL_SIZES);
    // The statement's bounds in the source, white space trimmed (normalize() copies from there).
    int loc = query->stmt_location, len = query->stmt_len;
    (void)CleanQuerytext(pstate->p_sourcetext, &loc, &len);
    MemoryContext old = MemoryContextSwitchTo(cache_context);
    int out_len;
    char *text = normalize(jstate, pstate->p_sourcetext, loc, len, &out_len);
    MemoryContextSwitchTo(old);
    if (slot.text != nullptr)
        pfree(slot.text);
    slot.queryid = query->queryId;
    slot.userid = userid;
    slot.text = text;
    slot.len = out_len;
}

char *query_text_for(uint64 queryid, const char *source, int location, int length, int *len)
{
    const CachedText &slot = cache[queryid % kCacheSlots];
    if (slot.text != nullptr && slot.queryid == queryid && slot.userid == GetUserId())
    {
        *len = slot.len;
        return pnstrdup(slot.text, slot.len);
    }
    if (source == nullptr)
    {
        *len = 0;
        return nullptr;
    }
    const char *stmt = CleanQuerytext(source, &location, &length);
    *len = length;
    return pnstrdup(stmt, length);
}

} // namespace pgpf
