// The embedded throw-away PostgreSQL cluster: initdb in a private temporary directory, a server that
// listens only on a Unix socket inside that directory, and removal of everything on destruction.
// Invariants: when the harness runs as root, the directory belongs to the `postgres` user and every
// server binary runs through `runuser -u postgres`; while a cluster lives (up to four at once), a
// SIGINT/SIGTERM/SIGHUP handler kills a still-running initdb/pg_ctl, stops the server and removes the
// directory before the process exits, in a process group of its own that ignores further Ctrl-C. Signals
// stay blocked from mkdtemp until that cleanup is armed.
#pragma once

#include <filesystem>
#include <string>

namespace perfgate
{

struct ClusterOptions
{
    bool preload_extension = true; // only honoured when pg_perfgate is installed
    bool quiet = false;
};

class EmbeddedCluster
{
  public:
    explicit EmbeddedCluster(const ClusterOptions &options = {});
    ~EmbeddedCluster();
    EmbeddedCluster(const EmbeddedCluster &) = delete;
    EmbeddedCluster &operator=(const EmbeddedCluster &) = delete;

    // libpq conninfo for a database of the cluster; `perfgate` is created at start, with the
    // extension when it is loaded.
    std::string conninfo(const std::string &database = "perfgate") const;
    bool extension_loaded() const { return extension_loaded_; }
    // Why the cluster runs without pg_perfgate although it was asked to preload it; empty otherwise.
    const std::string &extension_note() const { return extension_note_; }
    const std::filesystem::path &directory() const { return dir_; }

  private:
    void init_and_start(bool with_extension);
    void stop() noexcept;
    void disarm() noexcept; // the signal handler no longer needs to clean up after this cluster

    std::filesystem::path dir_;
    std::filesystem::path bindir_;
    bool as_root_ = false;
    bool running_ = false;
    bool extension_loaded_ = false;
    std::string extension_note_;
    int cleanup_slot_ = -1;
};

// Where the PostgreSQL server binaries live (pg_config --bindir, else the Debian path for 15).
std::filesystem::path postgres_bindir();
// Whether the pg_perfgate extension is installed into the server this pg_config describes.
bool extension_installed();

} // namespace perfgate
