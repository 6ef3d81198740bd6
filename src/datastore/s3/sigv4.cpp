#include "datastore/s3/sigv4.hpp"

#include <algorithm>
#include <ctime>

#include "base/sha256.hpp"

namespace conflux {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Leading and trailing blanks removed, inner runs of blanks made one space.
std::string trim_value(const std::string& v) {
  std::string out;
  bool blank = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      blank = !out.empty();
      continue;
    }
    if (blank) out += ' ';
    blank = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string amz_date(std::chrono::system_clock::time_point t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[20];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

Result<std::string> sigv4_authorization(const SigV4Request& r, const S3Credentials& credentials) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : r.headers) headers.emplace_back(lower(name), trim_value(value));
  // By name only (a name that extends another sorts after it).
  std::sort(headers.begin(), headers.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical_headers, signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    signed_headers += (signed_headers.empty() ? "" : ";") + name;
  }
  const std::string canonical_request = r.method + "\n" + r.canonical_uri + "\n" + r.canonical_query + "\n" +
                                        canonical_headers + "\n" + signed_headers + "\n" + r.payload_hash;
  const std::string date = r.amz_date.substr(0, 8);
  const std::string scope = date + "/" + r.region + "/" + r.service + "/aws4_request";
  CONFLUX_ASSIGN_OR_RETURN(std::string request_hash, sha256_hex(canonical_request));
  const std::string string_to_sign = "AWS4-HMAC-SHA256\n" + r.amz_date + "\n" + scope + "\n" + request_hash;
  CONFLUX_ASSIGN_OR_RETURN(std::string k, hmac_sha256("AWS4" + credentials.secret_access_key, date));
  CONFLUX_ASSIGN_OR_RETURN(k, hmac_sha256(k, r.region));
  CONFLUX_ASSIGN_OR_RETURN(k, hmac_sha256(k, r.service));
  CONFLUX_ASSIGN_OR_RETURN(k, hmac_sha256(k, "aws4_request"));
  CONFLUX_ASSIGN_OR_RETURN(std::string signature, hmac_sha256(k, string_to_sign));
  return "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope + ", SignedHeaders=" +
         signed_headers + ", Signature=" + hex_lower(signature);
}

}  // namespace conflux
