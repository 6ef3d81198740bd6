// S3Client: one bucket's S3 REST API over libcurl, signed with AWS Signature Version 4
// (sigv4.hpp; at each attempt, with the credentials of the moment), with retries.
//
// Signing (verified against a strict SigV4 checker in the tests): every header sent is signed,
// Host and x-amz-content-sha256 included; the query string is built already canonical
// (parameters sorted by name, every value RFC 3986-encoded, "name=" for empty values) and sent as
// signed; the key is URI-encoded with '/' kept. Transport failures (refused or dropped connections, timeouts), 5xx,
// 429 and S3's "200 OK with an <Error> body" are retried with exponential backoff and full jitter;
// any other answer is returned to the caller, who maps it to a Status (s3_error()).
//
// Thread safety: send() may be called from many threads at once. Each thread keeps its own curl
// handle (connections are reused within a thread).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "conflux/status.hpp"
#include "datastore/s3/credential_chain.hpp"
#include "datastore/s3/s3_config.hpp"

namespace conflux {

struct S3ClientOptions {
  S3Endpoint endpoint;  // host empty: AWS (https://s3.<region>.amazonaws.com)
  S3Addressing addressing = S3Addressing::kVirtual;
  S3Credentials credentials;
  // When set, credentials come from here at each request (cached and refreshed by the provider)
  // instead of `credentials`.
  std::shared_ptr<CredentialProvider> credential_provider;
  std::string region = "us-east-1";
  int max_attempts = 8;  // first try included
  std::chrono::milliseconds base_backoff{50};
  std::chrono::milliseconds max_backoff{5000};
  std::chrono::milliseconds connect_timeout{10000};
  // A transfer slower than 1 byte/s for this long counts as a dropped connection.
  std::chrono::seconds stall_timeout{60};
};

struct S3Request {
  std::string method;  // GET, HEAD, PUT, POST, DELETE
  std::string key;     // the full object key ("" for the bucket itself)
  std::vector<std::pair<std::string, std::string>> query;    // unencoded name, value
  std::vector<std::pair<std::string, std::string>> headers;  // name, value
  std::string_view body;
};

struct S3Response {
  long status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  int attempts = 0;  // how many tries it took
};

class S3Client {
 public:
  S3Client(S3ClientOptions options, std::string bucket);

  const std::string& bucket() const { return bucket_; }
  const S3ClientOptions& options() const { return options_; }

  // Sends the request, retrying transient failures. Unavailable when every attempt failed
  // transiently; otherwise the server's answer, whatever its status.
  Result<S3Response> send(const S3Request& request) const;

  // The request URL (for tests and messages).
  std::string url(std::string_view key,
                  const std::vector<std::pair<std::string, std::string>>& query) const;

  // The Host header and the URL's (encoded) path of `key`: what SigV4 signs.
  std::string host() const;
  std::string path(std::string_view key) const;

 private:
  S3ClientOptions options_;
  std::string bucket_;
};

// RFC 3986 encoding as SigV4 wants it: A-Z a-z 0-9 - _ . ~ stay, everything else is %XX
// (uppercase); '/' stays when keep_slash.
std::string s3_uri_encode(std::string_view text, bool keep_slash);

// The canonical query string: sorted by name, then value; encoded; "name=" for empty values.
std::string s3_canonical_query(std::vector<std::pair<std::string, std::string>> query);

// A Status for an unexpected answer to `operation` on `key` in `bucket`: NotFound for 404
// (NoSuchBucket says the bucket is missing, NoSuchKey names s3://bucket/key), FailedPrecondition
// for 403 (with a hint at credentials and region), IOError for the rest; S3's error code and
// message included.
Status s3_error(const S3Response& response, std::string_view operation, std::string_view bucket,
                std::string_view key);

}  // namespace conflux
