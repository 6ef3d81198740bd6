#include "datastore/s3/s3_config.hpp"

#include <algorithm>
#include <cctype>

namespace conflux {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool set(const std::optional<std::string>& v) { return v.has_value() && !v->empty(); }

const std::map<std::string, std::string>* section(const IniSections& ini, const std::string& name) {
  auto it = ini.find(name);
  return it == ini.end() ? nullptr : &it->second;
}

std::string value_of(const std::map<std::string, std::string>* s, const std::string& key) {
  if (s == nullptr) return "";
  auto it = s->find(key);
  return it == s->end() ? "" : it->second;
}

}  // namespace

Result<S3Location> parse_s3_url(std::string_view url, std::string_view what) {
  constexpr std::string_view kScheme = "s3://";
  auto bad = [&](const std::string& why) {
    return Status::invalid_argument(std::string(what) + " '" + std::string(url) + "' " + why +
                                    " (expected s3://bucket/prefix)");
  };
  if (url.substr(0, kScheme.size()) != kScheme) return bad("is not an s3:// URL");
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  S3Location loc;
  loc.bucket = std::string(rest.substr(0, slash));
  if (loc.bucket.empty()) return bad("names no bucket");
  for (char c : loc.bucket) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '-' || c == '.')) {
      return bad("has an invalid bucket name");
    }
  }
  if (slash != std::string_view::npos) {
    std::string_view prefix = rest.substr(slash + 1);
    while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
    if (prefix.find("//") != std::string_view::npos) return bad("has an empty path component");
    loc.prefix = std::string(prefix);
  }
  return loc;
}

IniSections parse_aws_ini(std::string_view text) {
  IniSections out;
  std::string current;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[' && line.back() == ']') {
      current = std::string(trim(line.substr(1, line.size() - 2)));
      out[current];
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || current.empty()) continue;
    out[current][lower(trim(line.substr(0, eq)))] = std::string(trim(line.substr(eq + 1)));
  }
  return out;
}

Result<S3Settings> resolve_s3_settings(const S3SettingInputs& in) {
  S3Settings s;
  const std::string profile = set(in.profile) ? *in.profile : "default";
  const IniSections creds = in.credentials_file ? parse_aws_ini(*in.credentials_file) : IniSections{};
  const IniSections config = in.config_file ? parse_aws_ini(*in.config_file) : IniSections{};
  const auto* cred_section = section(creds, profile);
  // The config file names non-default profiles "[profile name]".
  const auto* config_section =
      section(config, profile == "default" ? "default" : "profile " + profile);
  if (config_section == nullptr && profile == "default") config_section = section(config, "profile default");
  if (set(in.profile) && cred_section == nullptr && config_section == nullptr) {
    return Status::invalid_argument("AWS profile '" + profile +
                                    "' (AWS_PROFILE) is in neither ~/.aws/credentials nor ~/.aws/config");
  }

  if (set(in.access_key_id) && set(in.secret_access_key)) {
    s.credentials = {*in.access_key_id, *in.secret_access_key, in.session_token.value_or("")};
  } else if (in.web_identity) {
    s.use_chain = true;
  } else {
    for (const auto* sec : {cred_section, config_section}) {
      std::string id = value_of(sec, "aws_access_key_id");
      std::string secret = value_of(sec, "aws_secret_access_key");
      if (!id.empty() && !secret.empty()) {
        s.credentials = {id, secret, value_of(sec, "aws_session_token")};
        break;
      }
    }
    s.use_chain = s.credentials.access_key_id.empty();
  }

  if (set(in.region)) {
    s.region = *in.region;
  } else if (set(in.default_region)) {
    s.region = *in.default_region;
  } else if (std::string r = value_of(config_section, "region"); !r.empty()) {
    s.region = r;
  } else {
    s.region = "us-east-1";
  }
  return s;
}

Result<S3Endpoint> parse_s3_endpoint(std::string_view url) {
  S3Endpoint e;
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return Status::invalid_argument("S3 endpoint URL '" + std::string(url) +
                                    "' has no scheme (expected http://host[:port] or https://host)");
  }
  e.scheme = lower(url.substr(0, sep));
  if (e.scheme != "http" && e.scheme != "https") {
    return Status::invalid_argument("S3 endpoint URL '" + std::string(url) +
                                    "' must use http or https");
  }
  std::string_view rest = url.substr(sep + 3);
  size_t slash = rest.find('/');
  e.host = std::string(rest.substr(0, slash));
  if (e.host.empty()) {
    return Status::invalid_argument("S3 endpoint URL '" + std::string(url) + "' names no host");
  }
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    e.path = std::string(path);
  }
  return e;
}

Result<S3Addressing> parse_s3_addressing(std::string_view style, bool custom_endpoint) {
  if (style == "path") return S3Addressing::kPath;
  if (style == "virtual") return S3Addressing::kVirtual;
  if (style.empty() || style == "auto") {
    return custom_endpoint ? S3Addressing::kPath : S3Addressing::kVirtual;
  }
  return Status::invalid_argument("unknown S3 addressing style '" + std::string(style) +
                                  "' (use path, virtual or auto)");
}

}  // namespace conflux
