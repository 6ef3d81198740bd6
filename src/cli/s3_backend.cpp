#include "cli/s3_backend.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cli/backends.hpp"

namespace conflux::cli {

namespace {

std::optional<std::string> file_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<int64_t> parse_count(const std::string& text, const char* name, int64_t min, int64_t max) {
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < min || v > max) {
    return Status::invalid_argument(std::string(name) + " must be a whole number from " + std::to_string(min) +
                                    " to " + std::to_string(max) + ", not '" + text + "'");
  }
  return static_cast<int64_t>(v);
}

}  // namespace

Result<std::string> datastore_kind(const std::string& flag) {
  std::string kind = !flag.empty() ? flag : metaflow_setting("METAFLOW_DEFAULT_DATASTORE").value_or("local");
  if (kind != "local" && kind != "s3") {
    return Status::invalid_argument("unknown datastore '" + kind + "' (use local or s3)");
  }
  return kind;
}

Result<S3Options> s3_options_from_settings(const std::string& sysroot_override) {
  S3Options s3;
  s3.root = !sysroot_override.empty() ? sysroot_override
                                      : metaflow_setting("METAFLOW_DATASTORE_SYSROOT_S3").value_or("");
  if (s3.root.empty()) {
    return Status::invalid_argument(
        "the datastore is 's3' but METAFLOW_DATASTORE_SYSROOT_S3 is not set (e.g. "
        "s3://my-bucket/metaflow)");
  }
  std::string home = environment_value("HOME").value_or("");
  S3SettingInputs in;
  in.access_key_id = environment_value("AWS_ACCESS_KEY_ID");
  in.secret_access_key = environment_value("AWS_SECRET_ACCESS_KEY");
  in.session_token = environment_value("AWS_SESSION_TOKEN");
  in.region = environment_value("AWS_REGION");
  in.default_region = environment_value("AWS_DEFAULT_REGION");
  in.profile = environment_value("AWS_PROFILE");
  in.credentials_file = file_text(environment_value("AWS_SHARED_CREDENTIALS_FILE").value_or(home + "/.aws/credentials"));
  in.config_file = file_text(environment_value("AWS_CONFIG_FILE").value_or(home + "/.aws/config"));
  S3CredentialChain& chain = s3.chain;
  chain.web_identity_token_file = environment_value("AWS_WEB_IDENTITY_TOKEN_FILE").value_or("");
  chain.role_arn = environment_value("AWS_ROLE_ARN").value_or("");
  chain.role_session_name = environment_value("AWS_ROLE_SESSION_NAME").value_or("");
  chain.sts_endpoint = environment_value("AWS_ENDPOINT_URL_STS").value_or("");
  if (auto full = environment_value("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    chain.container_uri = *full;
  } else if (auto relative = environment_value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    chain.container_uri = "http://169.254.170.2" + *relative;
  }
  chain.container_token = environment_value("AWS_CONTAINER_AUTHORIZATION_TOKEN").value_or("");
  chain.container_token_file = environment_value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").value_or("");
  if (auto imds = environment_value("AWS_EC2_METADATA_SERVICE_ENDPOINT")) chain.imds_endpoint = *imds;
  chain.imds_disabled = environment_value("AWS_EC2_METADATA_DISABLED").value_or("") == "true";
  in.web_identity = !chain.web_identity_token_file.empty() && !chain.role_arn.empty();
  CONFLUX_ASSIGN_OR_RETURN(S3Settings settings, resolve_s3_settings(in));
  s3.access_key_id = settings.credentials.access_key_id;
  s3.secret_access_key = settings.credentials.secret_access_key;
  s3.session_token = settings.credentials.session_token;
  s3.region = settings.region;
  s3.endpoint_url = metaflow_setting("METAFLOW_S3_ENDPOINT_URL").value_or("");
  s3.addressing = metaflow_setting("METAFLOW_S3_ADDRESSING_STYLE").value_or("auto");
  s3.server_side_encryption = metaflow_setting("METAFLOW_S3_SERVER_SIDE_ENCRYPTION").value_or("");
  s3.sse_kms_key_id = metaflow_setting("CONFLUX_S3_SSE_KMS_KEY_ID").value_or("");
  // Tuning knobs, mostly for tests and benchmarks.
  if (auto mib = metaflow_setting("CONFLUX_S3_PART_SIZE_MIB")) {
    CONFLUX_ASSIGN_OR_RETURN(int64_t n, parse_count(*mib, "CONFLUX_S3_PART_SIZE_MIB", 5, 5120));
    s3.part_size_mib = static_cast<int>(n);
  }
  if (auto retries = metaflow_setting("METAFLOW_S3_RETRY_COUNT")) {
    CONFLUX_ASSIGN_OR_RETURN(int64_t n, parse_count(*retries, "METAFLOW_S3_RETRY_COUNT", 0, 100));
    s3.retry_count = static_cast<int>(n);
  }
  return s3;
}

Result<std::unique_ptr<S3Storage>> open_s3_storage(const std::string& sysroot_override) {
  CONFLUX_ASSIGN_OR_RETURN(S3Options s3, s3_options_from_settings(sysroot_override));
  return S3Storage::open(s3);
}

}  // namespace conflux::cli
