// The embedded throw-away cluster. See cluster.hpp for the invariants. Process handling is plain
// fork/exec so the same prepared argv can be used from the signal handler, where only
// async-signal-safe calls are allowed.
#include "cluster.hpp"

#include "errors.hpp"
#include "pg.hpp"

#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

namespace fs = std::filesystem;

namespace perfgate
{
namespace
{

// One slot per live cluster: a shell command that stops it and removes its directory, prepared in
// advance because a signal handler may not allocate. A slot is armed while its cluster lives.
constexpr int cleanup_slots = 4;
std::array<std::array<char, 4096>, cleanup_slots> g_cleanup_command{};
volatile std::sig_atomic_t g_cleanup_armed[cleanup_slots] = {};

// The initdb or pg_ctl the harness is waiting for (its own process group), so the handler can stop it
// before removing the directory it writes into.
volatile std::sig_atomic_t g_child_pid = 0;

extern "C" void on_fatal_signal(int sig)
{
    if (const pid_t child = g_child_pid; child > 0)
    {
        kill(-child, SIGKILL);
        int status = 0;
        waitpid(child, &status, 0);
    }
    for (int i = 0; i < cleanup_slots; ++i)
    {
        if (!g_cleanup_armed[i])
            continue;
        g_cleanup_armed[i] = 0;
        pid_t pid = fork();
        if (pid == 0)
        {
            // Out of the terminal's foreground process group, and deaf to the keys that signal it: a
            // second Ctrl-C must not kill the cleanup half-way (rm -rf stopped after one file).
            setpgid(0, 0);
            for (int s : {SIGINT, SIGQUIT, SIGHUP, SIGTSTP})
                signal(s, SIG_IGN);
            char sh[] = "/bin/sh", dash_c[] = "-c";
            char *argv[] = {sh, dash_c, g_cleanup_command[i].data(), nullptr};
            execv("/bin/sh", argv);
            _exit(127);
        }
        if (pid > 0)
        {
            int status = 0;
            waitpid(pid, &status, 0);
        }
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

// Blocks SIGINT, SIGTERM and SIGHUP for its lifetime; a signal that arrives meanwhile is delivered
// when the previous mask is restored.
class SignalBlock
{
  public:
    SignalBlock()
    {
        sigset_t block;
        sigemptyset(&block);
        for (int sig : {SIGINT, SIGTERM, SIGHUP})
            sigaddset(&block, sig);
        pthread_sigmask(SIG_BLOCK, &block, &previous_);
    }
    ~SignalBlock() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }
    SignalBlock(const SignalBlock &) = delete;
    SignalBlock &operator=(const SignalBlock &) = delete;

  private:
    sigset_t previous_{};
};

std::string read_command_output(const std::string &cmd)
{
    std::unique_ptr<FILE, int (*)(FILE *)> pipe(popen(cmd.c_str(), "r"), &pclose);
    if (!pipe)
        return "";
    std::string out;
    std::array<char, 512> buf{};
    while (fgets(buf.data(), buf.size(), pipe.get()))
        out += buf.data();
    while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
        out.pop_back();
    return out;
}

std::string tail_of(const fs::path &file, std::size_t max_lines = 15)
{
    std::ifstream in(file);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    std::string out;
    for (std::size_t i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size(); ++i)
        out += "    " + lines[i] + "\n";
    return out;
}

// Runs argv (as the postgres user when root), output appended to `log`; returns the exit status.
int run(const std::vector<std::string> &args, bool as_root, const fs::path &log)
{
    std::vector<std::string> full;
    if (as_root)
        full = {"runuser", "-u", "postgres", "--"};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (auto &a : full)
        argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_t pid = 0;
    {
        // The handler must know the child from the moment it exists, in its own process group.
        SignalBlock block;
        pid = fork();
        if (pid < 0)
            throw ConnectionError(fmt::format("cannot start {}: {}", args[0], std::strerror(errno)));
        if (pid == 0)
        {
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, nullptr);
            int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0)
            {
                dup2(fd, STDOUT_FILENO);
                dup2(fd, STDERR_FILENO);
                close(fd);
            }
            int devnull = open("/dev/null", O_RDONLY);
            if (devnull >= 0)
                dup2(devnull, STDIN_FILENO);
            // Its own process group: the terminal's Ctrl-C reaches only perfgate, whose handler then
            // stops the server (and kills this child) before removing the directory.
            setpgid(0, 0);
            execvp(argv[0], argv.data());
            _exit(127);
        }
        setpgid(pid, pid); // also here: the child may not have run yet when a signal arrives
        g_child_pid = pid;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    {
    }
    g_child_pid = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string shell_quote(const std::string &s)
{
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

} // namespace

fs::path postgres_bindir()
{
    std::string dir = read_command_output("pg_config --bindir 2>/dev/null");
    if (!dir.empty() && fs::exists(fs::path(dir) / "initdb"))
        return dir;
    for (const char *candidate : {"/usr/lib/postgresql/15/bin", "/usr/local/pgsql/bin"})
        if (fs::exists(fs::path(candidate) / "initdb"))
            return candidate;
    throw ConnectionError("cannot find PostgreSQL server binaries (initdb): install postgresql-15 or put "
                          "pg_config on PATH, or give a server with --dsn");
}

bool extension_installed()
{
    std::string pkglib = read_command_output("pg_config --pkglibdir 2>/dev/null");
    std::string share = read_command_output("pg_config --sharedir 2>/dev/null");
    return !pkglib.empty() && !share.empty() && fs::exists(fs::path(pkglib) / "pg_perfgate.so") &&
           fs::exists(fs::path(share) / "extension" / "pg_perfgate.control");
}

EmbeddedCluster::EmbeddedCluster(const ClusterOptions &options)
{
    bindir_ = postgres_bindir();
    as_root_ = geteuid() == 0;

    {
        // Ctrl-C between creating the directory and arming its cleanup would leave the directory
        // behind: keep the signals pending until the handler knows about it.
        SignalBlock block;
        std::string templ = (fs::temp_directory_path() / "perfgate-XXXXXX").string();
        if (!mkdtemp(templ.data()))
            throw ConnectionError(
                fmt::format("cannot create a temporary directory: {}", std::strerror(errno)));
        dir_ = templ;
        if (as_root_)
        {
            const passwd *pw = getpwnam("postgres");
            if (!pw || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0)
            {
                fs::remove_all(dir_);
                throw ConnectionError("running as root needs a `postgres` user to own the embedded cluster "
                                      "(initdb refuses root); create it or give a server with --dsn");
            }
        }

        std::string cleanup =
            fmt::format("{}{} -D {} stop -m immediate >/dev/null 2>&1; rm -rf {}",
                        as_root_ ? "runuser -u postgres -- " : "", shell_quote((bindir_ / "pg_ctl").string()),
                        shell_quote((dir_ / "data").string()), shell_quote(dir_.string()));
        for (int i = 0; i < cleanup_slots && cleanup_slot_ < 0; ++i)
            if (!g_cleanup_armed[i] && cleanup.size() < g_cleanup_command[i].size())
            {
                std::memcpy(g_cleanup_command[i].data(), cleanup.c_str(), cleanup.size() + 1);
                g_cleanup_armed[i] = 1;
                cleanup_slot_ = i;
            }
        if (cleanup_slot_ >= 0)
        {
            // While the handler cleans up, the other fatal signals wait: a SIGTERM after a Ctrl-C must not
            // start a second, interleaved cleanup.
            struct sigaction action
            {
            };
            action.sa_handler = on_fatal_signal;
            sigemptyset(&action.sa_mask);
            for (int sig : {SIGINT, SIGTERM, SIGHUP})
                sigaddset(&action.sa_mask, sig);
            for (int sig : {SIGINT, SIGTERM, SIGHUP})
                sigaction(sig, &action, nullptr);
        }
    }

    bool want_ext = options.preload_extension && extension_installed();
    if (options.preload_extension && !want_ext)
        extension_note_ = fmt::format(
            "pg_perfgate is not installed into the PostgreSQL this embedded cluster runs ({}): build and "
            "install it (make install), or run with --no-extension",
            read_command_output("pg_config --pkglibdir 2>/dev/null"));
    try
    {
        try
        {
            init_and_start(want_ext);
        }
        catch (const Error &e)
        {
            if (!want_ext)
                throw;
            // A broken extension build must not take the harness down with it: run without it, and
            // say so in every report (extension_note).
            extension_note_ =
                fmt::format("the embedded cluster could not start with pg_perfgate: {}", e.what());
            if (!options.quiet)
                std::fprintf(stderr,
                             "perfgate: warning: the server did not start with pg_perfgate preloaded; "
                             "continuing without the extension\n%s\n",
                             e.what());
            stop();
            fs::remove_all(dir_ / "data");
            init_and_start(false);
        }
    }
    catch (...)
    {
        stop();
        std::error_code ec;
        fs::remove_all(dir_, ec);
        disarm();
        throw;
    }
}

void EmbeddedCluster::init_and_start(bool with_extension)
{
    const fs::path data = dir_ / "data";
    // The server writes its own log as the postgres user; the harness captures tool output separately.
    const fs::path log = dir_ / "server.log";
    const fs::path tool_log = dir_ / "tools.log";
    if (run({(bindir_ / "initdb").string(), "-D", data.string(), "-A", "trust", "-U", "postgres", "-E",
             "UTF8", "--locale=C", "--no-sync"},
            as_root_, tool_log) != 0)
        throw ConnectionError(fmt::format("initdb failed:\n{}", tail_of(tool_log)));

    // Controlled settings for deterministic buffer counts: no autovacuum or JIT interfering with the
    // run. Durability stays as on a default server (fsync, synchronous_commit, full_page_writes on):
    // commits must cost what they cost in production, or a scenario that measures them (one
    // transaction vs autocommit) teaches the opposite of the truth.
    {
        std::ofstream conf(data / "postgresql.conf", std::ios::app);
        conf << "\n# perfgate embedded cluster\n"
             << "listen_addresses = ''\n"
             << "unix_socket_directories = '" << dir_.string() << "'\n"
             << "port = 5432\n"
             << "autovacuum = off\n"
             << "jit = off\n"
             << "max_wal_size = '1GB'\n"
             << "shared_buffers = '128MB'\n";
        // Every execution of a filtered sequential scan is sampled for the scan detector: on a server
        // of its own perfgate wants the same findings on every run, not 1% of the chances.
        if (with_extension)
            conf << "shared_preload_libraries = 'pg_perfgate'\n"
                 << "pg_perfgate.sample_rate = 1\n";
        if (!conf)
            throw ConnectionError("cannot write postgresql.conf of the embedded cluster");
    }

    if (run({(bindir_ / "pg_ctl").string(), "-D", data.string(), "-l", log.string(), "-w", "-t", "60",
             "start"},
            as_root_, tool_log) != 0)
        throw ConnectionError(
            fmt::format("the embedded server did not start:\n{}{}", tail_of(log), tail_of(tool_log, 3)));
    running_ = true;

    Connection admin(fmt::format("host={} port=5432 user=postgres dbname=postgres", dir_.string()));
    extension_loaded_ = false;
    admin.exec("CREATE DATABASE perfgate");
    if (with_extension)
        Connection(conninfo()).exec("CREATE EXTENSION IF NOT EXISTS pg_perfgate");
    extension_loaded_ = with_extension;
}

std::string EmbeddedCluster::conninfo(const std::string &database) const
{
    return fmt::format("host={} port=5432 user=postgres dbname={}", dir_.string(), database);
}

void EmbeddedCluster::stop() noexcept
{
    if (!running_)
        return;
    try
    {
        run({(bindir_ / "pg_ctl").string(), "-D", (dir_ / "data").string(), "-m", "fast", "-w", "stop"},
            as_root_, dir_ / "tools.log");
    }
    catch (...)
    {
        // Best effort: the directory is removed below even if the server could not be asked to stop.
    }
    running_ = false;
}

EmbeddedCluster::~EmbeddedCluster()
{
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
    disarm();
}

void EmbeddedCluster::disarm() noexcept
{
    if (cleanup_slot_ >= 0)
        g_cleanup_armed[cleanup_slot_] = 0;
    cleanup_slot_ = -1;
}

} // namespace perfgate
