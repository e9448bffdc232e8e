// srf.cpp — the result-set helpers of srf.hpp.
#include "srf.hpp"

namespace pgpf
{

Tuplestorestate *begin_srf(FunctionCallInfo fcinfo, TupleDesc *desc)
{
    ReturnSetInfo *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    if (rsinfo == nullptr || !IsA(rsinfo, ReturnSetInfo) || !(rsinfo->allowedModes & SFRM_Materialize))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("set-valued function called in context that cannot accept a set")));
    if (get_call_result_type(fcinfo, nullptr, desc) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "return type must be a row type");
    MemoryContext old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
    *desc = CreateTupleDescCopy(*desc);
    Tuplestorestate *store = tuplestore_begin_heap(true, false, work_mem);
    rsinfo->returnMode = SFRM_Materialize;
    rsinfo->setResult = store;
    rsinfo->setDesc = *desc;
    MemoryContextSwitchTo(old);
    return store;
}

TupleDesc result_row(FunctionCallInfo fcinfo)
{
    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "return type must be a row type");
    return desc;
}

} // namespace pgpf
