// Opens the S3 datastore from Metaflow's settings: METAFLOW_DATASTORE_SYSROOT_S3 (s3://bucket/prefix),
// METAFLOW_S3_ENDPOINT_URL, METAFLOW_S3_ADDRESSING_STYLE (path|virtual|auto), and the AWS
// credentials and region (AWS_* variables, ~/.aws/credentials and ~/.aws/config, AWS_PROFILE).
// This is where those are read; src/datastore/s3 only receives values.
//
// Thread safety: reads the environment and files; call from one thread at startup.
#pragma once

#include <memory>
#include <string>

#include "conflux/status.hpp"
#include "datastore/s3/s3_storage.hpp"

namespace conflux::cli {

// The S3 settings: `sysroot_override` (--datastore-root s3://...) or METAFLOW_DATASTORE_SYSROOT_S3,
// the endpoint, addressing, credentials and region. InvalidArgument names what is wrong.
Result<S3Options> s3_options_from_settings(const std::string& sysroot_override);

// `sysroot_override`: a root given on the command line (--datastore-root s3://...); empty to use
// METAFLOW_DATASTORE_SYSROOT_S3. The datastore lives at <root> itself, as in Metaflow's S3
// datastore (no ".metaflow" component).
Result<std::unique_ptr<S3Storage>> open_s3_storage(const std::string& sysroot_override);

// "local" or "s3": `flag` (--datastore) if given, else METAFLOW_DEFAULT_DATASTORE, else "local".
// InvalidArgument for anything else.
Result<std::string> datastore_kind(const std::string& flag);

}  // namespace conflux::cli
