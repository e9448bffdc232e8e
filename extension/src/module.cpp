/*
 * module.cpp — _PG_init: one table of the parts, each with its own start-up (settings and hooks) and
 * its own shared-memory segment; this file only calls them in order.
 *
 * pg_perfgate does its work only when loaded through shared_preload_libraries. Loaded any other way
 * (CREATE EXTENSION in a server that did not preload it) it installs nothing, and its views raise
 * an error that says what to set.
 *
 * The files of extension/src sit on levels (base, tools, tables, detect, capture, hooks, module: this
 * file is the top); an include points only down or sideways. scripts/check_layers.py lists the
 * levels and fails the meta test on an include that points back up.
 */
#include "activity.hpp"
#include "antipatterns.hpp"
#include "detect.hpp"
#include "detect_repeat.hpp"
#include "errors.hpp"
#include "guard.hpp"
#include "hooks.hpp"
#include "mute.hpp"
#include "param_sample.hpp"
#include "persist.hpp"
#include "slowlog.hpp"
#include "store.hpp"

extern "C"
{
    PG_MODULE_MAGIC;
    PGDLLEXPORT void _PG_init(void);
}

namespace pgpf
{

namespace
{

// The parts, in start-up order. init: defines the part's settings and installs its hooks (in
// _PG_init); shmem_request: asks for its segment's size and locks; shmem_startup: creates or
// attaches the segment (in the postmaster, and in each backend under EXEC_BACKEND). A new part with
// a segment or settings adds one line here.
struct Part
{
    const char *name;
    void (*init)();
    void (*shmem_request)();
    void (*shmem_startup)();
};
const Part kParts[] = {
    {"store", store_init, store_shmem_request, store_shmem_startup},
    {"antipatterns", ap_init, ap_shmem_request, ap_shmem_startup},
    {"mute", nullptr, mute_shmem_request, mute_shmem_startup},
    {"errors", errors_init, errors_shmem_request, errors_shmem_startup},
    {"slowlog", slowlog_init, slowlog_shmem_request, slowlog_shmem_startup},
    {"activity", nullptr, activity_shmem_request, activity_shmem_startup},
    {"param_sample", param_sample_init, param_sample_shmem_request, param_sample_shmem_startup},
    {"connections", conn_init, conn_shmem_request, conn_shmem_startup},
    {"repeat", repeat_init, repeat_shmem_request, repeat_shmem_startup},
    {"detect", detect_init, nullptr, nullptr},
    {"hooks", hooks_init, nullptr, nullptr},
    // Last: the saved file holds the statements, findings and error counts of the parts above.
    {"persist", persist_init, nullptr, persist_startup},
};

void request_segments()
{
    for (const Part &p : kParts)
        if (p.shmem_request != nullptr)
            p.shmem_request();
}

#if PGPF_HAVE_SHMEM_REQUEST_HOOK
shmem_request_hook_type prev_shmem_request_hook = nullptr;
void pgpf_shmem_request()
{
    if (prev_shmem_request_hook)
        prev_shmem_request_hook();
    request_segments();
}
#endif

shmem_startup_hook_type prev_shmem_startup_hook = nullptr;
void pgpf_shmem_startup()
{
    guarded("shmem_startup",
            []
            {
                if (prev_shmem_startup_hook)
                    prev_shmem_startup_hook();
                for (const Part &p : kParts)
                    if (p.shmem_startup != nullptr)
                        p.shmem_startup();
            });
}

} // namespace

} // namespace pgpf

void _PG_init(void)
{
    using namespace pgpf;
    if (!process_shared_preload_libraries_in_progress)
        return;
    guarded("_PG_init",
            []
            {
                // Core query ids, computed the way pg_stat_statements asks for them, so that both agree.
                EnableQueryId();
                for (const Part &p : kParts)
                    if (p.init != nullptr)
                        p.init();
                PGPF_RESERVE_GUC_PREFIX("pg_perfgate");
#if PGPF_HAVE_SHMEM_REQUEST_HOOK
                prev_shmem_request_hook = shmem_request_hook;
                shmem_request_hook = pgpf_shmem_request;
#else
        request_segments();
#endif
                prev_shmem_startup_hook = shmem_startup_hook;
                shmem_startup_hook = pgpf_shmem_startup;
            });
}
