// The local S3 server the ctest fixture started (tests/s3/s3_server.sh, FIXTURES s3_server): its
// settings from <build>/s3/env, and S3Storage instances on a fresh prefix per test, so tests never
// see each other's objects.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>

#include "datastore/random_bits.hpp"
#include "datastore/s3/s3_storage.hpp"
#include "testutil/testutil.hpp"

namespace conflux::testing {

// KEY=VALUE pairs of the fixture's env file ("export " prefixes dropped); empty if it is missing.
inline std::map<std::string, std::string> s3_env() {
  std::map<std::string, std::string> out;
  std::ifstream in(std::string(CONFLUX_BUILD_DIR) + "/s3/env");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    size_t eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

inline std::string unique_prefix(const std::string& what) {
  return "t/" + what + "-" + std::to_string(random_u64() % 1000000000);
}

// Options for the proxied (signature-checking) endpoint, on a fresh prefix.
inline S3StorageOptions s3_options(const std::string& what) {
  auto env = s3_env();
  S3StorageOptions o;
  o.location = {env["CONFLUX_TEST_S3_BUCKET"], unique_prefix(what)};
  o.client.endpoint = parse_s3_endpoint(env["METAFLOW_S3_ENDPOINT_URL"]).value();
  o.client.addressing = S3Addressing::kPath;
  o.client.credentials = {env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"], ""};
  o.client.region = "us-east-1";
  o.client.base_backoff = std::chrono::milliseconds(5);
  o.client.max_backoff = std::chrono::milliseconds(100);
  return o;
}

inline std::unique_ptr<S3Storage> make_s3(const S3StorageOptions& o) { return S3Storage::create(o).value(); }

// Turns fault injection on in the proxy for the scope of the object.
class ProxyFaults {
 public:
  // `limit`: at most this many faults (0: no limit); `seconds`: how long a "stall" lasts.
  ProxyFaults(const std::string& mode, int every, int limit = 0, int seconds = 0)
      : path_(s3_env()["CONFLUX_TEST_S3_FAULT_FILE"]) {
    std::filesystem::remove(path_ + ".count");
    write_file(path_, "{\"mode\": \"" + mode + "\", \"every\": " + std::to_string(every) +
                          (limit > 0 ? ", \"limit\": " + std::to_string(limit) : std::string()) +
                          (seconds > 0 ? ", \"seconds\": " + std::to_string(seconds) : std::string()) + "}");
  }
  ~ProxyFaults() { std::filesystem::remove(path_); }
  int injected() const {
    std::ifstream in(path_ + ".count");
    int n = 0;
    in >> n;
    return n;
  }

 private:
  std::string path_;
};

}  // namespace conflux::testing
