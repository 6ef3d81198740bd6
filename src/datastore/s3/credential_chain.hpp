// The AWS credential chain past static keys (S3CredentialChain in conflux/s3_options.hpp): which
// source applies, fetching from it, and a provider that caches the credentials and refreshes them
// before they expire.
//   web identity   POST <sts>/ Action=AssumeRoleWithWebIdentity (unsigned; the token file is read
//                  at each fetch, as Kubernetes rotates it)
//   container      GET <uri> with the Authorization token, if any
//   instance       PUT <imds>/latest/api/token, then GET .../iam/security-credentials/ and
//                  .../security-credentials/<role> with that token (IMDSv2 only)
//
// Thread safety: CredentialProvider is safe for concurrent use; one fetch at a time.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "conflux/s3_options.hpp"
#include "conflux/status.hpp"
#include "datastore/s3/s3_config.hpp"

namespace conflux {

struct FetchedCredentials {
  S3Credentials credentials;
  std::optional<std::chrono::system_clock::time_point> expiration;  // none: never expires
};

// "web identity", "container", "instance metadata", or "" when none applies.
std::string credential_source(const S3CredentialChain& chain);

// One fetch from the source that applies. Errors name the source, its endpoint and its answer.
Result<FetchedCredentials> fetch_credentials(const S3CredentialChain& chain, const std::string& region);

class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  // Credentials valid for at least a little while: cached, fetched again `refresh_before` their
  // expiry. If a refresh fails while the cached ones have not expired yet, those are returned.
  virtual Result<S3Credentials> credentials() = 0;
};

std::shared_ptr<CredentialProvider> make_chain_provider(
    S3CredentialChain chain, std::string region,
    std::chrono::seconds refresh_before = std::chrono::minutes(5));

}  // namespace conflux
