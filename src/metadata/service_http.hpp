// ServiceHttp: HTTP(S) requests to the metadata service, over libcurl (loaded on first use, see
// base/curl_library.hpp), with its connections kept open between requests: a pool of curl
// handles, one per request in flight, each keeping its connection alive.
//
// TLS: the service's certificate is checked against the system's CA bundle, or the one named by
// SSL_CERT_FILE / SSL_CERT_DIR (OpenSSL's own convention, honored here because libcurl's compiled-in
// bundle would otherwise take precedence).
//
// Thread safety: send() may be called from many threads at once.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "conflux/status.hpp"

namespace conflux {

struct HttpResponse {
  long status = 0;
  std::string body;
  std::string next_cursor;  // the X-Next-Cursor header, if any
};

class ServiceHttp {
 public:
  // `ca_file`: trust only this CA bundle (a Kubernetes service account's ca.crt); "" for the above.
  ServiceHttp(std::map<std::string, std::string> headers, int timeout_seconds, std::string ca_file = "");
  ~ServiceHttp();
  ServiceHttp(const ServiceHttp&) = delete;
  ServiceHttp& operator=(const ServiceHttp&) = delete;

  // One attempt. Errors (retrying cannot help the first two): FailedPrecondition when libcurl
  // cannot be loaded, or "TLS: ..." when the service's certificate is not trusted; Unavailable
  // for a connection that failed or timed out (its message is curl's).
  Result<HttpResponse> send(const std::string& method, const std::string& url, const std::string& body);

 private:
  struct Handle;
  std::unique_ptr<Handle> borrow();
  void give_back(std::unique_ptr<Handle> handle);

  std::map<std::string, std::string> headers_;
  int timeout_seconds_;
  std::string ca_file_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Handle>> idle_;  // GUARDED_BY(mu_)
};

}  // namespace conflux
