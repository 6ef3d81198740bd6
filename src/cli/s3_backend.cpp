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

Result<std::unique_ptr<S3Storage>> open_s3_storage(const std::string& sysroot_override) {
  std::string root = sysroot_override;
  if (root.empty()) root = metaflow_setting("METAFLOW_DATASTORE_SYSROOT_S3").value_or("");
  if (root.empty()) {
    return Status::invalid_argument(
        "the datastore is 's3' but METAFLOW_DATASTORE_SYSROOT_S3 is not set (e.g. "
        "s3://my-bucket/metaflow)");
  }
  S3StorageOptions options;
  CONFLUX_ASSIGN_OR_RETURN(options.location, parse_s3_url(root, "METAFLOW_DATASTORE_SYSROOT_S3"));

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
  CONFLUX_ASSIGN_OR_RETURN(S3Settings settings, resolve_s3_settings(in));
  options.client.credentials = settings.credentials;
  options.client.region = settings.region;

  std::string endpoint = metaflow_setting("METAFLOW_S3_ENDPOINT_URL").value_or("");
  if (!endpoint.empty()) {
    CONFLUX_ASSIGN_OR_RETURN(options.client.endpoint, parse_s3_endpoint(endpoint));
  }
  CONFLUX_ASSIGN_OR_RETURN(
      options.client.addressing,
      parse_s3_addressing(metaflow_setting("METAFLOW_S3_ADDRESSING_STYLE").value_or("auto"), !endpoint.empty()));
  // Tuning knobs, mostly for tests and benchmarks.
  if (auto mib = metaflow_setting("CONFLUX_S3_PART_SIZE_MIB")) {
    CONFLUX_ASSIGN_OR_RETURN(int64_t n, parse_count(*mib, "CONFLUX_S3_PART_SIZE_MIB", 5, 5120));
    options.part_size = static_cast<size_t>(n) << 20;
  }
  if (auto retries = metaflow_setting("METAFLOW_S3_RETRY_COUNT")) {
    CONFLUX_ASSIGN_OR_RETURN(int64_t n, parse_count(*retries, "METAFLOW_S3_RETRY_COUNT", 0, 100));
    options.client.max_attempts = static_cast<int>(n) + 1;
  }
  return S3Storage::create(std::move(options));
}

}  // namespace conflux::cli
