// The AWS credential chain past static keys, against local stand-ins of its endpoints
// (credential_endpoints.py: STS web identity, the container endpoint, IMDSv2): each source, the
// cache and its refresh before expiry, errors that name the source, and flows that run on the S3
// test server with credentials from instance metadata and from a web identity only.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "datastore/s3/credential_chain.hpp"
#include "datastore/s3/http_fetch.hpp"
#include "s3/s3_test_env.hpp"

namespace conflux {
namespace {

namespace fs = std::filesystem;
using testing::build_path;
using testing::CommandResult;
using testing::run_command;

// The stand-in endpoints as a child process, handing out the S3 test server's keys.
class CredentialEndpoints {
 public:
  explicit CredentialEndpoints(const fs::path& dir, int lifetime_seconds = 3600) {
    // The token the client reads, and the one the stand-in STS accepts (a test may change the first).
    token_file_ = dir / "web-identity-token";
    testing::write_file(token_file_, "eyJ-service-account-token\n");
    testing::write_file(dir / "accepted-web-identity-token", "eyJ-service-account-token\n");
    const fs::path port_file = dir / "endpoints.port";
    auto env = testing::s3_env();
    pid_ = testing::spawn_command(
        {"/usr/bin/python3", (fs::path(CONFLUX_SOURCE_DIR) / "tests/s3/credential_endpoints.py").string(),
         "--port-file", port_file.string(), "--access-key", env["AWS_ACCESS_KEY_ID"], "--secret-key",
         env["AWS_SECRET_ACCESS_KEY"], "--token-file", (dir / "accepted-web-identity-token").string(), "--lifetime",
         std::to_string(lifetime_seconds)},
        dir / "endpoints.log");
    for (int i = 0; i < 200 && !fs::exists(port_file); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    url_ = "http://127.0.0.1:" + testing::read_file(port_file);
  }
  ~CredentialEndpoints() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  const std::string& url() const { return url_; }
  const fs::path& token_file() const { return token_file_; }
  nlohmann::json counts() const {
    return nlohmann::json::parse(http_fetch("GET", url_ + "/counts", {}, "", std::chrono::seconds(2))->body);
  }

 private:
  pid_t pid_ = -1;
  fs::path token_file_;
  std::string url_;
};

class CredentialChainTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
};

TEST_F(CredentialChainTest, EachSourceHandsOutExpiringCredentials) {
  CredentialEndpoints endpoints(dir_.path());
  const std::string key = testing::s3_env()["AWS_ACCESS_KEY_ID"];

  S3CredentialChain web;
  web.web_identity_token_file = endpoints.token_file().string();
  web.role_arn = "arn:aws:iam::123456789012:role/conflux";
  web.sts_endpoint = endpoints.url();
  web.imds_disabled = true;
  EXPECT_EQ(credential_source(web), "web identity");
  Result<FetchedCredentials> sts = fetch_credentials(web, "us-east-1");
  ASSERT_TRUE(sts.ok()) << sts.status().to_string();
  EXPECT_EQ(sts->credentials.access_key_id, key);
  EXPECT_EQ(sts->credentials.session_token, "sts-token-1");
  ASSERT_TRUE(sts->expiration.has_value());
  EXPECT_GT(*sts->expiration, std::chrono::system_clock::now() + std::chrono::minutes(50));

  S3CredentialChain container;
  container.container_uri = endpoints.url() + "/container/credentials";
  container.container_token_file = (dir_.path() / "container-token").string();
  testing::write_file(container.container_token_file, "container-secret");
  EXPECT_EQ(credential_source(container), "container");
  Result<FetchedCredentials> ecs = fetch_credentials(container, "us-east-1");
  ASSERT_TRUE(ecs.ok()) << ecs.status().to_string();
  EXPECT_EQ(ecs->credentials.session_token, "container-token-1");

  S3CredentialChain imds;
  imds.imds_endpoint = endpoints.url();
  EXPECT_EQ(credential_source(imds), "instance metadata");
  Result<FetchedCredentials> ec2 = fetch_credentials(imds, "us-east-1");
  ASSERT_TRUE(ec2.ok()) << ec2.status().to_string();
  EXPECT_EQ(ec2->credentials.secret_access_key, testing::s3_env()["AWS_SECRET_ACCESS_KEY"]);
  EXPECT_EQ(ec2->credentials.session_token, "imds-token-1");
}

TEST_F(CredentialChainTest, ErrorsNameTheSourceAndItsAnswer) {
  CredentialEndpoints endpoints(dir_.path());
  S3CredentialChain web;
  web.web_identity_token_file = endpoints.token_file().string();
  web.role_arn = "arn:aws:iam::123456789012:role/conflux";
  web.sts_endpoint = endpoints.url();
  testing::write_file(endpoints.token_file(), "a-stale-token");
  Status sts = fetch_credentials(web, "us-east-1").status();
  EXPECT_NE(sts.message().find("web identity (role arn:aws:iam::123456789012:role/conflux"), std::string::npos)
      << sts.message();
  EXPECT_NE(sts.message().find("HTTP 403: the token is not valid"), std::string::npos) << sts.message();

  S3CredentialChain container;
  container.container_uri = endpoints.url() + "/container/credentials";
  container.container_token = "wrong";
  Status ecs = fetch_credentials(container, "us-east-1").status();
  EXPECT_NE(ecs.message().find("container credentials endpoint " + container.container_uri + " answered HTTP 401"),
            std::string::npos)
      << ecs.message();

  S3CredentialChain nothing;
  nothing.imds_endpoint = "http://127.0.0.1:9";  // the discard port: nobody answers
  Status none = fetch_credentials(nothing, "us-east-1").status();
  EXPECT_NE(none.message().find("no S3 credentials"), std::string::npos) << none.message();
  EXPECT_NE(none.message().find("instance metadata at http://127.0.0.1:9 did not answer"), std::string::npos)
      << none.message();
}

TEST_F(CredentialChainTest, TheProviderCachesAndRefreshesBeforeExpiry) {
  // Credentials that live 4 s, refreshed 2 s before they expire.
  CredentialEndpoints endpoints(dir_.path(), /*lifetime_seconds=*/4);
  S3CredentialChain imds;
  imds.imds_endpoint = endpoints.url();
  auto provider = make_chain_provider(imds, "us-east-1", std::chrono::seconds(2));
  for (int i = 0; i < 5; ++i) {
    Result<S3Credentials> c = provider->credentials();
    ASSERT_TRUE(c.ok()) << c.status().to_string();
    EXPECT_EQ(c->session_token, "imds-token-1");
  }
  EXPECT_EQ(endpoints.counts()["imds"], 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(2600));  // into the refresh window
  EXPECT_EQ(provider->credentials()->session_token, "imds-token-2");
  EXPECT_EQ(endpoints.counts()["imds"], 2);
}

// A flow and the conflux tool on the S3 test server with no keys anywhere: credentials come from
// instance metadata, then from a web identity.
TEST_F(CredentialChainTest, FlowsRunWithCredentialsFromTheChain) {
  CredentialEndpoints endpoints(dir_.path());
  auto env = testing::s3_env();
  env.erase("AWS_ACCESS_KEY_ID");
  env.erase("AWS_SECRET_ACCESS_KEY");
  env["AWS_ACCESS_KEY_ID"] = "";
  env["AWS_SECRET_ACCESS_KEY"] = "";
  env["HOME"] = dir_.path().string();
  env["METAFLOW_USER"] = "tester";
  env["METAFLOW_DEFAULT_DATASTORE"] = "s3";
  env["METAFLOW_DATASTORE_SYSROOT_S3"] = testing::s3_options("chain").location.url();
  env["METAFLOW_DATASTORE_SYSROOT_LOCAL"] = dir_.path().string();
  env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = endpoints.url();
  const std::string id_file = (dir_.path() / "run_id").string();
  CommandResult run = run_command({build_path("examples/hello").string(), "run", "--run-id-file", id_file}, env);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_GE(endpoints.counts()["imds"].get<int>(), 1);

  env["AWS_EC2_METADATA_DISABLED"] = "true";
  env["AWS_WEB_IDENTITY_TOKEN_FILE"] = endpoints.token_file().string();
  env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/conflux";
  env["AWS_ENDPOINT_URL_STS"] = endpoints.url();
  CommandResult dump = run_command({build_path("bin/conflux").string(), "dump",
                                    "HelloFlow/" + testing::read_file(id_file) + "/end", "--all-namespaces"},
                                   env);
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_GE(endpoints.counts()["sts"].get<int>(), 1);

  env.erase("AWS_WEB_IDENTITY_TOKEN_FILE");
  CommandResult none = run_command({build_path("examples/hello").string(), "run"}, env);
  EXPECT_NE(none.exit_code, 0);
  EXPECT_NE(none.err.find("no S3 credentials"), std::string::npos) << none.err;
}

}  // namespace
}  // namespace conflux
