#include "metadata/service_http.hpp"

#include <cctype>
#include <cstdlib>
#include <string_view>

#include "base/curl_library.hpp"

namespace conflux {

struct ServiceHttp::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl) curl::api().easy_cleanup(curl);
  }
};

namespace {

size_t on_body(char* data, size_t size, size_t count, void* out) {
  static_cast<HttpResponse*>(out)->body.append(data, size * count);
  return size * count;
}

size_t on_header(char* data, size_t size, size_t count, void* out) {
  std::string_view line(data, size * count);
  constexpr std::string_view kName = "x-next-cursor:";
  if (line.size() > kName.size()) {
    bool match = true;
    for (size_t i = 0; i < kName.size() && match; ++i) {
      match = std::tolower(static_cast<unsigned char>(line[i])) == kName[i];
    }
    if (match) {
      std::string_view value = line.substr(kName.size());
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
      static_cast<HttpResponse*>(out)->next_cursor = std::string(value);
    }
  }
  return size * count;
}

}  // namespace

ServiceHttp::ServiceHttp(std::map<std::string, std::string> headers, int timeout_seconds, std::string ca_file)
    : headers_(std::move(headers)), timeout_seconds_(timeout_seconds), ca_file_(std::move(ca_file)) {}

ServiceHttp::~ServiceHttp() = default;

std::unique_ptr<ServiceHttp::Handle> ServiceHttp::borrow() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Handle> h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
  }
  auto h = std::make_unique<Handle>();
  h->curl = curl::api().easy_init();
  return h;
}

void ServiceHttp::give_back(std::unique_ptr<Handle> handle) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(handle));
}

Result<HttpResponse> ServiceHttp::send(const std::string& method, const std::string& url, const std::string& body) {
  CONFLUX_RETURN_IF_ERROR(curl::load());
  const curl::Api& lib = curl::api();
  std::unique_ptr<Handle> handle = borrow();
  if (!handle->curl) return Status::internal("cannot create a curl handle");
  CURL* c = handle->curl;
  // reset keeps the handle's connection (and TLS session) for the next request.
  lib.easy_reset(c);
  curl_slist* headers = nullptr;
  for (const auto& [name, value] : headers_) headers = lib.slist_append(headers, (name + ": " + value).c_str());
  if (method != "GET") headers = lib.slist_append(headers, "Content-Type: application/json");
  headers = lib.slist_append(headers, "Expect:");  // no 100-continue round trip for a POST body
  HttpResponse response;
  lib.easy_setopt(c, CURLOPT_URL, url.c_str());
  lib.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  lib.easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  lib.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(timeout_seconds_));
  lib.easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout_seconds_));
  lib.easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  lib.easy_setopt(c, CURLOPT_WRITEDATA, &response);
  lib.easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  lib.easy_setopt(c, CURLOPT_HEADERDATA, &response);
  if (const char* file = std::getenv("SSL_CERT_FILE"); file && *file) lib.easy_setopt(c, CURLOPT_CAINFO, file);
  if (const char* dir = std::getenv("SSL_CERT_DIR"); dir && *dir) lib.easy_setopt(c, CURLOPT_CAPATH, dir);
  if (!ca_file_.empty()) lib.easy_setopt(c, CURLOPT_CAINFO, ca_file_.c_str());
  if (method == "GET") {
    lib.easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else {
    lib.easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    lib.easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    lib.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  CURLcode rc = lib.easy_perform(c);
  lib.slist_free_all(headers);
  if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE) {
    return Status::failed_precondition(std::string("TLS: ") + lib.easy_strerror(rc));
  }
  if (rc != CURLE_OK) return Status::unavailable(lib.easy_strerror(rc));
  lib.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  give_back(std::move(handle));
  return response;
}

}  // namespace conflux
