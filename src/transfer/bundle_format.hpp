// A run bundle (`conflux export`): one uncompressed tar file (blobs are already compressed) with
//   conflux-bundle.json               {"format": "conflux-run-bundle", "version": 1, "conflux_version",
//                                      "created_at", "source": {"ds_type", "ds_root", "metadata"},
//                                      "runs": ["Flow/run", ...]}          always the first entry
//   blobs/<Flow>/<sha>.gz | .raw      a content-addressed blob's stored bytes, gzip'd or raw
//   runs/<Flow>/<run>/metadata.json   RunRecords (transfer/run_records.hpp)
//   runs/<Flow>/<run>/files/<path>    the run's files in the datastore (<Flow>/<run>/<path>),
//                                     its task files and logs; local metadata's _meta files are
//                                     not copied (metadata.json carries them)
//   conflux-bundle-end.json           {"runs": N, "entries": M}               always the last entry
// A run's blobs come before its metadata.json, which comes before its files. The end entry lets an
// importer tell a complete bundle from a truncated one before it writes anything.
#pragma once

namespace conflux::transfer {

inline constexpr const char* kBundleFormat = "conflux-run-bundle";
inline constexpr int kBundleVersion = 1;
inline constexpr const char* kManifestEntry = "conflux-bundle.json";
inline constexpr const char* kEndEntry = "conflux-bundle-end.json";

}  // namespace conflux::transfer
