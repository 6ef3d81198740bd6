// S3 configuration as plain values: where the datastore lives (s3://bucket/prefix), which endpoint
// and addressing style to use, and the credentials and region, resolved the way the AWS CLI does
// (environment variables, then the profile in ~/.aws/credentials and ~/.aws/config).
//
// Everything here is a pure function of its inputs: the caller (src/cli) reads the environment and
// the two files and passes their values and text, so the rules are testable without touching the
// machine. Thread safety: stateless; safe from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "conflux/status.hpp"

namespace conflux {

// s3://bucket/prefix, split. The prefix has no leading or trailing '/'.
struct S3Location {
  std::string bucket;
  std::string prefix;

  std::string url() const { return "s3://" + bucket + (prefix.empty() ? "" : "/" + prefix); }
};

// Parses "s3://bucket[/prefix...]"; InvalidArgument naming `what` otherwise.
Result<S3Location> parse_s3_url(std::string_view url, std::string_view what);

enum class S3Addressing {
  kPath,     // <endpoint>/<bucket>/<key>: MinIO, Ceph, s3rver, anything without wildcard DNS
  kVirtual,  // <scheme>://<bucket>.<host>/<key>: AWS's default
};

struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials
};

// What resolve_s3_settings reads: the values of the environment variables (nullopt = unset) and
// the text of the AWS files (nullopt = no such file).
struct S3SettingInputs {
  std::optional<std::string> access_key_id;      // AWS_ACCESS_KEY_ID
  std::optional<std::string> secret_access_key;  // AWS_SECRET_ACCESS_KEY
  std::optional<std::string> session_token;      // AWS_SESSION_TOKEN
  std::optional<std::string> region;             // AWS_REGION
  std::optional<std::string> default_region;     // AWS_DEFAULT_REGION
  std::optional<std::string> profile;            // AWS_PROFILE
  std::optional<std::string> credentials_file;   // ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE)
  std::optional<std::string> config_file;        // ~/.aws/config (AWS_CONFIG_FILE)
  // AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are both set (a Kubernetes service account).
  bool web_identity = false;
};

struct S3Settings {
  S3Credentials credentials;  // empty when use_chain
  std::string region;
  // No key pair: credentials come from the rest of the chain (web identity, the container
  // endpoint, instance metadata; see credential_chain.hpp), fetched when first needed.
  bool use_chain = false;
};

// The AWS CLI's precedence: the key pair from the environment if both variables are set, else a web
// identity (use_chain), else the profile (AWS_PROFILE, else "default") from the credentials file,
// else from the config file ("[profile name]" sections, "[default]"), else the rest of the chain
// (use_chain: the container endpoint, instance metadata). Region: AWS_REGION, AWS_DEFAULT_REGION,
// the profile's `region` in the config file, else us-east-1. InvalidArgument if AWS_PROFILE names
// a profile that neither file has.
Result<S3Settings> resolve_s3_settings(const S3SettingInputs& inputs);

// INI sections of an AWS file: section name -> key -> value (keys lowercased, values trimmed).
using IniSections = std::map<std::string, std::map<std::string, std::string>>;
IniSections parse_aws_ini(std::string_view text);

// Parses an endpoint URL such as http://127.0.0.1:9000 or https://s3.example.com; InvalidArgument
// for anything but http(s)://host[:port] with an optional path ("" = AWS's own endpoint).
struct S3Endpoint {
  std::string scheme;  // "http" or "https"
  std::string host;    // host[:port]
  std::string path;    // "" or "/base", without a trailing '/'
};
Result<S3Endpoint> parse_s3_endpoint(std::string_view url);

// "path", "virtual" or "auto" (path-style with a custom endpoint, virtual-hosted on AWS).
Result<S3Addressing> parse_s3_addressing(std::string_view style, bool custom_endpoint);

}  // namespace conflux
