#include "gc/run_catalog.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "base/parallel_for.hpp"
#include "datastore/storage_key.hpp"

namespace conflux::gc {

namespace {

// Children of a flow's folder that are not runs.
bool is_run_name(const std::string& name) {
  return !name.empty() && name != "data" && name != "_meta" && name != "mf.cards" && name[0] != '.';
}

Status add_directories(StorageBackend& storage, std::string_view prefix, std::set<std::string>* out) {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<ListEntry> entries, storage.list(prefix));
  for (ListEntry& e : entries) {
    if (!e.is_file && !e.name.empty() && e.name[0] != '.') out->insert(std::move(e.name));
  }
  return Status();
}

bool is_reference_key(std::string_view key) {
  return key.ends_with(".data.json") || key.ends_with(".task_begin");
}

void add_objects(const std::vector<ObjectInfo>& objects, bool collect_references, CatalogedRun* run) {
  for (const ObjectInfo& o : objects) {
    run->bytes += o.size;
    ++run->files;
    run->facts.last_activity = std::max(run->facts.last_activity, o.modified);
    if (collect_references && is_reference_key(o.key)) run->reference_keys.push_back(o.key);
  }
}

}  // namespace

Result<std::vector<std::string>> list_flow_names(const GcStores& stores) {
  std::set<std::string> names;
  CONFLUX_RETURN_IF_ERROR(add_directories(*stores.datastore, "", &names));
  CONFLUX_ASSIGN_OR_RETURN(std::vector<FlowRecord> flows, stores.metadata->list_flows());
  for (const FlowRecord& f : flows) names.insert(f.flow_id);
  std::vector<std::string> out;
  for (const std::string& name : names) {
    if (check_storage_key(name).ok() && name != "mf.cards") out.push_back(name);
  }
  return out;
}

Result<CatalogedRun> catalog_run(const GcStores& stores, const std::string& flow, const std::string& run_id,
                                 bool keep_files) {
  CatalogedRun run;
  run.facts.flow = flow;
  run.facts.run_id = run_id;
  const std::string prefix = flow + "/" + run_id;
  CONFLUX_ASSIGN_OR_RETURN(std::vector<ObjectInfo> data, stores.datastore->list_tree(prefix));
  add_objects(data, /*collect_references=*/true, &run);
  run.data_files_found = data.size();
  if (stores.metadata_storage != stores.datastore) {
    CONFLUX_ASSIGN_OR_RETURN(std::vector<ObjectInfo> meta, stores.metadata_storage->list_tree(prefix));
    add_objects(meta, /*collect_references=*/false, &run);
  }
  if (keep_files) run.data_files = std::move(data);
  return run;
}

Result<std::vector<CatalogedRun>> catalog_flow(const GcStores& stores, const std::string& flow) {
  std::map<std::string, CatalogedRun> runs;
  CONFLUX_ASSIGN_OR_RETURN(std::vector<RunRecord> records, stores.metadata->list_runs(flow));
  for (const RunRecord& r : records) {
    CatalogedRun& run = runs[r.run_number];
    run.facts.created = Clock::time_point(std::chrono::milliseconds(r.ts_epoch));
    run.facts.tags = r.tags;
    run.facts.tags.insert(run.facts.tags.end(), r.system_tags.begin(), r.system_tags.end());
  }
  std::set<std::string> in_datastore;
  CONFLUX_RETURN_IF_ERROR(add_directories(*stores.datastore, flow, &in_datastore));
  for (const std::string& id : in_datastore) {
    if (!is_run_name(id)) continue;
    auto [it, added] = runs.try_emplace(id);
    if (added) it->second.facts.has_metadata = false;
  }

  std::vector<CatalogedRun> out;
  out.reserve(runs.size());
  for (auto& [id, run] : runs) {
    run.facts.flow = flow;
    run.facts.run_id = id;
    out.push_back(std::move(run));
  }
  std::vector<Status> errors(out.size());
  const int parallelism = stores.datastore->remote() ? 16 : 1;
  parallel_for(out.size(), parallelism, [&](size_t i) {
    CatalogedRun& run = out[i];
    Result<CatalogedRun> files = catalog_run(stores, flow, run.facts.run_id, /*keep_files=*/false);
    if (!files.ok()) {
      errors[i] = files.status();
      return;
    }
    run.bytes = files->bytes;
    run.files = files->files;
    run.reference_keys = std::move(files->reference_keys);
    run.facts.last_activity = files->facts.last_activity;
    run.facts.has_files = files->data_files_found > 0;
    if (!run.facts.has_metadata) run.facts.created = run.facts.last_activity;
    // A run's creation counts as activity (one registered but not started writes nothing yet).
    run.facts.last_activity = std::max(run.facts.last_activity, run.facts.created);
  });
  for (const Status& s : errors) CONFLUX_RETURN_IF_ERROR(s);
  return out;
}

}  // namespace conflux::gc
