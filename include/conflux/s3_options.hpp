// S3Options: where an S3 datastore is and how to reach it, as plain values (Metaflow's settings
// in parentheses). A program opens a Client on S3 runs with ClientOptions::datastore = "s3" and
// these; the `conflux` command and flow binaries fill them from the environment and
// ~/.metaflowconfig (docs/s3.md).
#pragma once

#include <string>

namespace conflux {

// The rest of the AWS credential chain, used when no key pair is configured: a web identity token
// exchanged with STS (Kubernetes service accounts), the container credentials endpoint (ECS, EKS
// Pod Identity), then EC2 instance metadata (IMDSv2). Credentials are cached and refreshed five
// minutes before they expire. Empty strings mean "not set".
struct S3CredentialChain {
  std::string web_identity_token_file;  // AWS_WEB_IDENTITY_TOKEN_FILE
  std::string role_arn;                 // AWS_ROLE_ARN
  std::string role_session_name;        // AWS_ROLE_SESSION_NAME (default "conflux-<time>")
  std::string sts_endpoint;             // AWS_ENDPOINT_URL_STS (default https://sts.<region>.amazonaws.com)
  std::string container_uri;            // AWS_CONTAINER_CREDENTIALS_FULL_URI, or http://169.254.170.2 +
                                        // AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
  std::string container_token;          // AWS_CONTAINER_AUTHORIZATION_TOKEN
  std::string container_token_file;     // AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read at each fetch)
  std::string imds_endpoint = "http://169.254.169.254";  // AWS_EC2_METADATA_SERVICE_ENDPOINT
  bool imds_disabled = false;           // AWS_EC2_METADATA_DISABLED=true
};

struct S3Options {
  std::string root;                 // s3://bucket/prefix (METAFLOW_DATASTORE_SYSROOT_S3)
  std::string endpoint_url;         // "" for AWS; e.g. http://127.0.0.1:9000 (METAFLOW_S3_ENDPOINT_URL)
  std::string addressing = "auto";  // path, virtual, or auto: path with an endpoint_url, else virtual
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials only
  int retry_count = 7;        // retries of a failed request (METAFLOW_S3_RETRY_COUNT)
  int part_size_mib = 0;      // writes: multipart part size, 5..5120 (0: the default)
  // Server-side encryption of every object written: "" (the bucket's default), "AES256" (SSE-S3)
  // or "aws:kms" (SSE-KMS) (METAFLOW_S3_SERVER_SIDE_ENCRYPTION), and for SSE-KMS a key id or ARN
  // ("" for the account's default key; CONFLUX_S3_SSE_KMS_KEY_ID).
  std::string server_side_encryption;
  std::string sse_kms_key_id;
  // Used when access_key_id is empty.
  S3CredentialChain chain;
};

}  // namespace conflux
