// The blobs runs reference: every attempt's artifacts (<attempt>.data.json "objects") and the code
// package a task ran (<attempt>.task_begin "code_package_sha"). Reads the files in parallel on
// object stores.
//
// Thread safety: a function of its arguments.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "datastore/storage_backend.hpp"
#include "gc/run_catalog.hpp"

namespace conflux::gc {

// Adds the shas referenced by `runs` to `shas`. A reference file that vanished meanwhile (its run
// was deleted) is skipped; an unreadable one is an error (sweeping on a partial mark would delete
// blobs in use).
Status add_references(StorageBackend& datastore, const std::vector<const CatalogedRun*>& runs,
                      std::unordered_set<std::string>* shas);

}  // namespace conflux::gc
