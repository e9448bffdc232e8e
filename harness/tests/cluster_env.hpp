// The throw-away cluster the integration and CLI test binaries share: started once per binary
// (as the postgres user when run as root), with pg_perfgate preloaded, and the test data folder.
// Registered by each binary's main() with ::testing::AddGlobalTestEnvironment.
#pragma once

#include "cluster.hpp"

#include <memory>
#include <string>

#include <gtest/gtest.h>

namespace perfgate::test_support
{

inline EmbeddedCluster *g_cluster = nullptr;

class ClusterEnvironment : public ::testing::Environment
{
  public:
    void SetUp() override
    {
        cluster_ =
            std::make_unique<EmbeddedCluster>(ClusterOptions{.preload_extension = true, .quiet = true});
        g_cluster = cluster_.get();
    }
    void TearDown() override
    {
        g_cluster = nullptr;
        cluster_.reset();
    }

  private:
    std::unique_ptr<EmbeddedCluster> cluster_;
};

inline std::string data_file(const std::string &name)
{
    return std::string(PERFGATE_TEST_DATA) + "/" + name;
}

} // namespace perfgate::test_support
