/*
 * module.cpp — _PG_init: the GUCs, the shared-memory requests and the hook installation.
 *
 * pg_perfgate does its work only when loaded through shared_preload_libraries. Loaded any other way
 * (CREATE EXTENSION in a server that did not preload it) it installs nothing, and its views raise
 * an error that says what to set.
 */
#include "activity.hpp"
#include "antipatterns.hpp"
#include "detect.hpp"
#include "errors.hpp"
#include "guard.hpp"
#include "hooks.hpp"
#include "module.hpp"
#include "mute.hpp"
#include "param_sample.hpp"
#include "persist.hpp"
#include "slowlog.hpp"
#include "store.hpp"

extern "C"
{
    PG_MODULE_MAGIC;
    void _PG_init(void);
}

namespace pgpf
{

int guc_max = 5000;
int guc_track = TRACK_TOP;
bool guc_track_utility = true;
bool guc_track_planning = false;
bool guc_save = true;
int guc_query_text_size = 1024;
int guc_plan_text_size = 2048;
bool guc_plan_text = true;
int guc_max_antipatterns = 1000;

char guard_message[256];

void raise_cpp_error(const char *where, const char *what)
{
    ereport(ERROR,
            (errcode(ERRCODE_INTERNAL_ERROR), errmsg("pg_perfgate: C++ exception in %s: %s", where, what)));
    pg_unreachable();
}

namespace
{

const struct config_enum_entry track_options[] = {
    {"none", TRACK_NONE, false},
    {"top", TRACK_TOP, false},
    {"all", TRACK_ALL, false},
    {nullptr, 0, false},
};

#if PGPF_HAVE_SHMEM_REQUEST_HOOK
shmem_request_hook_type prev_shmem_request = nullptr;
void on_shmem_request()
{
    if (prev_shmem_request)
        prev_shmem_request();
    store_shmem_request();
    ap_shmem_request();
    mute_shmem_request();
    errors_shmem_request();
    slowlog_shmem_request();
    activity_shmem_request();
    param_sample_shmem_request();
}
#endif

shmem_startup_hook_type prev_shmem_startup = nullptr;
void on_shmem_startup()
{
    guarded("shmem_startup",
            []
            {
                if (prev_shmem_startup)
                    prev_shmem_startup();
                store_shmem_startup();
                ap_shmem_startup();
                mute_shmem_startup();
                errors_shmem_startup();
                slowlog_shmem_startup();
                activity_shmem_startup();
                param_sample_shmem_startup();
                // Last: the saved file holds the statements, findings and error counts.
                persist_startup();
            });
}

void define_gucs()
{
    DefineCustomIntVariable("pg_perfgate.max",
                            "Maximum number of statement entries kept; the least used (calls and time, "
                            "decayed) are evicted.",
                            nullptr, &guc_max, 5000, 100, INT_MAX / 2, PGC_POSTMASTER, 0, nullptr, nullptr,
                            nullptr);
    DefineCustomEnumVariable("pg_perfgate.track",
                             "Which statements are recorded: top (client-issued), all "
                             "(also nested ones in functions), none.",
                             nullptr, &guc_track, TRACK_TOP, track_options, PGC_SUSET, 0, nullptr, nullptr,
                             nullptr);
    DefineCustomBoolVariable("pg_perfgate.track_utility", "Whether utility statements are recorded.", nullptr,
                             &guc_track_utility, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable("pg_perfgate.track_planning", "Whether planning time is recorded.", nullptr,
                             &guc_track_planning, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable("pg_perfgate.save", "Whether statistics are saved across server restarts.",
                             nullptr, &guc_save, true, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable("pg_perfgate.plan_text",
                             "Whether a plan's text (EXPLAIN, costs off) is kept when the "
                             "plan is first seen.",
                             nullptr, &guc_plan_text, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_perfgate.query_text_size",
                            "Bytes kept of each query text; longer texts are cut.", nullptr,
                            &guc_query_text_size, 1024, 64, 1024 * 1024, PGC_POSTMASTER, GUC_UNIT_BYTE,
                            nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "pg_perfgate.plan_text_size", "Bytes kept of each plan text; longer texts are cut.", nullptr,
        &guc_plan_text_size, 2048, 64, 1024 * 1024, PGC_POSTMASTER, GUC_UNIT_BYTE, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("pg_perfgate.max_antipatterns",
                            "Maximum number of anti-pattern entries kept; the least recent are evicted.",
                            nullptr, &guc_max_antipatterns, 1000, 100, INT_MAX / 2, PGC_POSTMASTER, 0,
                            nullptr, nullptr, nullptr);
    store_define_gucs();
    detect_define_gucs();
    errors_define_gucs();
    slowlog_define_gucs();
    param_sample_define_gucs();
    PGPF_RESERVE_GUC_PREFIX("pg_perfgate");
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
                define_gucs();
#if PGPF_HAVE_SHMEM_REQUEST_HOOK
                prev_shmem_request = shmem_request_hook;
                shmem_request_hook = on_shmem_request;
#else
        store_shmem_request();
        ap_shmem_request();
        mute_shmem_request();
        errors_shmem_request();
        slowlog_shmem_request();
        activity_shmem_request();
        param_sample_shmem_request();
#endif
                prev_shmem_startup = shmem_startup_hook;
                shmem_startup_hook = on_shmem_startup;
                install_hooks();
                errors_install_hook();
            });
}
