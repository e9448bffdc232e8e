// Connection strings: pgbench-style options applied over --dsn, and passwords hidden in every form a
// message may quote them (key=value, quoted, URI user:password@, URI ?password=).
#include "errors.hpp"
#include "pg.hpp"

#include <algorithm>

#include <gtest/gtest.h>

using namespace perfgate;

TEST(Conninfo, OptionsOverrideTheDsn)
{
    const std::string merged =
        conninfo_with("host=a port=1 dbname=x password=secret", {{"host", "/tmp/s"}, {"user", "o'k"}});
    EXPECT_NE(merged.find("host='/tmp/s'"), std::string::npos) << merged;
    EXPECT_NE(merged.find("port='1'"), std::string::npos) << merged;
    EXPECT_NE(merged.find("user='o\\'k'"), std::string::npos) << merged;
    EXPECT_NE(merged.find("password='secret'"), std::string::npos) << merged; // still usable
    // A URI is understood the same way.
    const std::string uri = conninfo_with("postgresql://bob@h:5433/db", {{"port", "6000"}});
    EXPECT_NE(uri.find("user='bob'"), std::string::npos) << uri;
    EXPECT_NE(uri.find("port='6000'"), std::string::npos) << uri;
    EXPECT_EQ(conninfo_with("", {}), "");
}

TEST(Conninfo, InvalidConnectionStringErrorHidesThePassword)
{
    try
    {
        conninfo_with("host=a password=Sup3rS3cret bogus=1", {{"port", "1"}});
        FAIL() << "no error";
    }
    catch (const InputError &e)
    {
        EXPECT_EQ(std::string(e.what()).find("Sup3rS3cret"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("bogus"), std::string::npos) << e.what();
    }
}

TEST(Conninfo, PasswordsAreRedactedInEveryForm)
{
    for (const std::string cs :
         {"host=a password=Sup3rS3cret", "host=a password = 'Sup3r S3cret'",
          "postgresql://bob:Sup3rS3cret@h/db", "postgresql://bob@h/db?password=Sup3rS3cret&sslmode=disable",
          "PASSWORD=Sup3rS3cret host=a"})
    {
        const std::string shown = redact_conninfo(cs);
        EXPECT_EQ(shown.find("S3cret"), std::string::npos) << cs << " -> " << shown;
        EXPECT_NE(shown.find("***"), std::string::npos) << cs << " -> " << shown;
        const std::string text = redact_passwords("failed for " + cs + ": timeout");
        EXPECT_EQ(text.find("S3cret"), std::string::npos) << cs << " -> " << text;
    }
    EXPECT_EQ(redact_conninfo(""), "PG* environment");
    const auto secrets = conninfo_passwords("postgresql://bob:p%40ss%21@h/db");
    EXPECT_NE(std::find(secrets.begin(), secrets.end(), "p@ss!"), secrets.end());
    EXPECT_NE(std::find(secrets.begin(), secrets.end(), "p%40ss%21"), secrets.end());
}
