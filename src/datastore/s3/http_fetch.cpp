#include "datastore/s3/http_fetch.hpp"

#include "base/curl_library.hpp"

namespace conflux {

namespace {

size_t append_body(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

}  // namespace

Result<HttpReply> http_fetch(const std::string& method, const std::string& url,
                             const std::vector<std::pair<std::string, std::string>>& headers,
                             const std::string& body, std::chrono::milliseconds timeout) {
  CONFLUX_RETURN_IF_ERROR(curl::load());
  const curl::Api& lib = curl::api();
  CURL* curl = lib.easy_init();
  if (curl == nullptr) return Status::internal("cannot create a curl handle");
  curl_slist* list = nullptr;
  for (const auto& [name, value] : headers) list = lib.slist_append(list, (name + ": " + value).c_str());
  HttpReply reply;
  lib.easy_setopt(curl, CURLOPT_URL, url.c_str());
  lib.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  lib.easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (!body.empty() || method == "POST" || method == "PUT") {
    lib.easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    lib.easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  lib.easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  lib.easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  lib.easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  lib.easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  lib.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  CURLcode rc = lib.easy_perform(curl);
  if (rc == CURLE_OK) lib.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  lib.slist_free_all(list);
  lib.easy_cleanup(curl);
  if (rc != CURLE_OK) return Status::unavailable(method + " " + url + ": " + lib.easy_strerror(rc));
  return reply;
}

}  // namespace conflux
