#include "datastore/s3/s3_client.hpp"

#include "base/percent_encode.hpp"


#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <thread>

#include "datastore/random_bits.hpp"
#include "base/curl_library.hpp"
#include "base/sha256.hpp"
#include "datastore/s3/s3_xml.hpp"
#include "datastore/s3/sigv4.hpp"

namespace conflux {

namespace {


// One curl handle per thread: connection reuse without sharing a handle between threads.
struct HandleDeleter {
  void operator()(CURL* c) const { curl::api().easy_cleanup(c); }
};
CURL* thread_handle() {
  thread_local std::unique_ptr<CURL, HandleDeleter> handle(curl::api().easy_init());
  return handle.get();
}

struct Exchange {
  std::string_view body;
  size_t sent = 0;
  S3Response* response;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  static_cast<Exchange*>(user)->response->body.append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  std::string_view line(data, size * n);
  auto& headers = static_cast<Exchange*>(user)->response->headers;
  if (line.substr(0, 5) == "HTTP/") {
    headers.clear();  // a new response (after 100 Continue, or a retry)
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  std::string name(line.substr(0, colon));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  headers[name] = std::string(value);
  return size * n;
}

size_t on_read(char* buf, size_t size, size_t n, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t k = std::min(size * n, ex->body.size() - ex->sent);
  std::copy_n(ex->body.data() + ex->sent, k, buf);
  ex->sent += k;
  return k;
}

// Errors that say the request itself is wrong; everything else from curl is a transport failure
// worth retrying.
bool permanent_curl_error(CURLcode code) {
  return code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_URL_MALFORMAT ||
         code == CURLE_NOT_BUILT_IN || code == CURLE_OUT_OF_MEMORY ||
         code == CURLE_BAD_FUNCTION_ARGUMENT || code == CURLE_SSL_CACERT_BADFILE ||
         code == CURLE_PEER_FAILED_VERIFICATION;
}

bool retryable_answer(const S3Response& r, std::string_view method) {
  if (r.status >= 500 || r.status == 429) return true;
  if (r.status == 400 && r.body.find("<Code>RequestTimeout</Code>") != std::string::npos) return true;
  // CompleteMultipartUpload and CopyObject can fail after sending 200 (S3 docs): the error is in
  // the body.
  if (r.status == 200 && (method == "POST" || method == "PUT") &&
      r.body.find("<Error>") != std::string::npos) {
    return true;
  }
  return false;
}


}  // namespace

std::string s3_uri_encode(std::string_view text, bool keep_slash) { return percent_encode(text, keep_slash); }

std::string s3_canonical_query(std::vector<std::pair<std::string, std::string>> query) {
  for (auto& [name, value] : query) {
    name = s3_uri_encode(name, false);
    value = s3_uri_encode(value, false);
  }
  std::sort(query.begin(), query.end());  // SigV4 sorts by encoded name, then value
  std::string out;
  for (const auto& [name, value] : query) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

S3Client::S3Client(S3ClientOptions options, std::string bucket)
    : options_(std::move(options)), bucket_(std::move(bucket)) {
  if (options_.endpoint.host.empty()) {
    options_.endpoint = {"https", "s3." + options_.region + ".amazonaws.com", ""};
  }
}

std::string S3Client::host() const {
  const S3Endpoint& e = options_.endpoint;
  return options_.addressing == S3Addressing::kVirtual ? bucket_ + "." + e.host : e.host;
}

std::string S3Client::path(std::string_view key) const {
  const S3Endpoint& e = options_.endpoint;
  if (options_.addressing == S3Addressing::kVirtual) return e.path + "/" + s3_uri_encode(key, true);
  return e.path + "/" + bucket_ + (key.empty() ? "" : "/") + s3_uri_encode(key, true);
}

std::string S3Client::url(std::string_view key,
                          const std::vector<std::pair<std::string, std::string>>& query) const {
  std::string out = options_.endpoint.scheme + "://" + host() + path(key);
  if (!query.empty()) out += "?" + s3_canonical_query(query);
  return out;
}

Result<S3Response> S3Client::send(const S3Request& request) const {
  CONFLUX_RETURN_IF_ERROR(curl::load());
  const curl::Api& lib = curl::api();
  const std::string target = url(request.key, request.query);
  CONFLUX_ASSIGN_OR_RETURN(const std::string payload_hash, sha256_hex(request.body));

  std::string last_error;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    if (attempt > 1) {
      // Full jitter: a random wait up to base * 2^(attempt-2), capped.
      int64_t cap = std::min<int64_t>(options_.max_backoff.count(),
                                      options_.base_backoff.count() << std::min(attempt - 2, 20));
      std::this_thread::sleep_for(std::chrono::milliseconds(
          static_cast<int64_t>(random_u64() % static_cast<uint64_t>(cap + 1))));
    }
    CURL* curl = thread_handle();
    if (curl == nullptr) return Status::internal("cannot create a curl handle");
    lib.easy_reset(curl);
    S3Response response;
    Exchange ex{request.body, 0, &response};
    // The credentials of the moment (a provider refreshes them before they expire).
    S3Credentials credentials = options_.credentials;
    if (options_.credential_provider) {
      CONFLUX_ASSIGN_OR_RETURN(credentials, options_.credential_provider->credentials());
    }
    // Every header sent but curl's own (Accept, Content-Length, Expect) is signed.
    SigV4Request signing;
    signing.method = request.method;
    signing.canonical_uri = path(request.key);
    signing.canonical_query = s3_canonical_query(request.query);
    signing.payload_hash = payload_hash;
    signing.region = options_.region;
    signing.amz_date = amz_date(std::chrono::system_clock::now());
    signing.headers = {{"Host", host()}, {"x-amz-content-sha256", payload_hash}, {"x-amz-date", signing.amz_date}};
    if (!credentials.session_token.empty()) signing.headers.emplace_back("x-amz-security-token", credentials.session_token);
    bool has_content_type = false;
    for (const auto& [name, value] : request.headers) {
      signing.headers.emplace_back(name, value);
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      has_content_type = has_content_type || lower == "content-type";
    }
    if ((request.method == "PUT" || request.method == "POST") && !has_content_type) {
      signing.headers.emplace_back("Content-Type", "application/octet-stream");
    }
    Result<std::string> authorization = sigv4_authorization(signing, credentials);
    if (!authorization.ok()) return authorization.status();
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : signing.headers) headers = lib.slist_append(headers, (name + ": " + value).c_str());
    headers = lib.slist_append(headers, ("Authorization: " + *authorization).c_str());
    lib.easy_setopt(curl, CURLOPT_URL, target.c_str());
    lib.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    lib.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    lib.easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    lib.easy_setopt(curl, CURLOPT_WRITEDATA, &ex);
    lib.easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    lib.easy_setopt(curl, CURLOPT_HEADERDATA, &ex);
    lib.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
    lib.easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    lib.easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.stall_timeout.count()));
    if (request.method == "HEAD") {
      lib.easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (request.method == "PUT") {
      // An upload with a known size: curl streams the body and handles Expect: 100-continue.
      lib.easy_setopt(curl, CURLOPT_UPLOAD, 1L);
      lib.easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
      lib.easy_setopt(curl, CURLOPT_READDATA, &ex);
      lib.easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    } else if (request.method == "POST") {
      lib.easy_setopt(curl, CURLOPT_POST, 1L);
      lib.easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      lib.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    } else if (request.method != "GET") {
      lib.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    CURLcode rc = lib.easy_perform(curl);
    lib.slist_free_all(headers);
    if (rc != CURLE_OK) {
      last_error = std::string("connection failed: ") + lib.easy_strerror(rc);
      if (permanent_curl_error(rc)) {
        return Status::io_error(request.method + " " + target + ": " + last_error);
      }
      continue;
    }
    lib.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    response.attempts = attempt;
    if (retryable_answer(response, request.method)) {
      last_error = "HTTP " + std::to_string(response.status) +
                   (xml_value(response.body, "Code") ? " " + *xml_value(response.body, "Code") : "");
      continue;
    }
    return response;
  }
  return Status::unavailable(request.method + " " + target + " failed " +
                             std::to_string(options_.max_attempts) + " times; last: " + last_error);
}

Status s3_error(const S3Response& response, std::string_view operation, std::string_view bucket,
                std::string_view key) {
  std::string code = xml_value(response.body, "Code").value_or("");
  std::string message = xml_value(response.body, "Message").value_or("");
  std::string what = "s3://" + std::string(bucket) + "/" + std::string(key);
  std::string detail = " (HTTP " + std::to_string(response.status) +
                       (code.empty() ? "" : " " + code) + (message.empty() ? "" : ": " + message) + ")";
  if (code == "ExpiredToken" || code == "TokenRefreshRequired" || code == "RequestExpired" ||
      code == "InvalidToken") {
    return Status::failed_precondition(std::string(operation) + " " + what + ": the S3 credentials have expired" +
                                       detail + "; refresh them (a new AWS_SESSION_TOKEN, `aws sso login`) "
                                       "and resume the run");
  }
  if (code == "NoSuchBucket") {
    return Status::not_found(std::string(operation) + " " + what + ": bucket '" +
                             std::string(bucket) + "' does not exist" + detail);
  }
  if (response.status == 404) {
    return Status::not_found(std::string(operation) + " " + what + ": no such object" + detail);
  }
  if (response.status == 403) {
    return Status::failed_precondition(std::string(operation) + " " + what + ": access denied" +
                                       detail + "; check the credentials, the region and the "
                                       "bucket's policy");
  }
  return Status::io_error(std::string(operation) + " " + what + " failed" + detail);
}

}  // namespace conflux
