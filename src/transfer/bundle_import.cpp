#include "transfer/bundle_import.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "card/card_files.hpp"
#include "datastore/content_addressed_store.hpp"
#include "datastore/storage_key.hpp"
#include "metadata/local_metadata_provider.hpp"
#include "transfer/bundle_format.hpp"
#include "transfer/run_records.hpp"
#include "transfer/tar_stream.hpp"

namespace conflux::transfer {

namespace {

struct Entry {
  enum Kind { kManifest, kEnd, kBlob, kRecords, kFile, kCard } kind = kFile;
  std::string flow;
  std::string run;
  std::string sha;
  bool raw = false;
  std::string relative;  // a file's path below <Flow>/<run>; a card's below mf.cards/<Flow>/runs/<run>
};

bool is_sha(std::string_view s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash - start));
    if (slash == std::string_view::npos) return parts;
    start = slash + 1;
  }
}

Result<Entry> classify(const std::string& path) {
  Entry e;
  auto bad = [&] { return Status::corruption("the bundle has an unexpected entry '" + path + "'"); };
  if (path == kManifestEntry) return Entry{Entry::kManifest};
  if (path == kEndEntry) return Entry{Entry::kEnd};
  std::vector<std::string_view> parts = split(path);
  if (parts.size() == 3 && parts[0] == "blobs") {
    std::string_view name = parts[2];
    if (name.ends_with(".gz")) name.remove_suffix(3);
    else if (name.ends_with(".raw")) name.remove_suffix(4), e.raw = true;
    if (!is_sha(name) || !check_storage_key(parts[1]).ok()) return bad();
    e.kind = Entry::kBlob;
    e.flow = parts[1];
    e.sha = name;
    return e;
  }
  if (parts.size() >= 4 && parts[0] == "runs" && check_storage_key(parts[1]).ok() && check_storage_key(parts[2]).ok()) {
    e.flow = parts[1];
    e.run = parts[2];
    // Names that are not runs: a run called "data" would write over the flow's blobs; a flow
    // called "mf.cards" over other flows' cards.
    if (e.run == "data" || e.run == "_meta" || e.run == "mf.cards" || e.run.starts_with('.')) return bad();
    if (e.flow == "mf.cards" || e.flow.starts_with('.')) return bad();
    if (parts.size() == 4 && parts[3] == "metadata.json") {
      e.kind = Entry::kRecords;
      return e;
    }
    // A card: runs/<Flow>/<run>/cards/steps/<step>/tasks/<task>/{cards,runtime}/<name>.
    if (parts.size() >= 4 && parts[3] == "cards") {
      e.relative = path.substr(("runs/" + e.flow + "/" + e.run + "/cards/").size());
      if (!is_card_file_path(e.relative) || !check_storage_key(e.relative).ok()) return bad();
      e.kind = Entry::kCard;
      return e;
    }
    if (parts.size() >= 5 && parts[3] == "files") {
      e.relative = path.substr(("runs/" + e.flow + "/" + e.run + "/files/").size());
      // Metadata arrives as records, never as files (local metadata's _meta folders).
      bool metadata_file = false;
      for (size_t i = 4; i < parts.size(); ++i) metadata_file = metadata_file || parts[i] == "_meta";
      if (!check_storage_key(e.relative).ok() || metadata_file) return bad();
      e.kind = Entry::kFile;
      return e;
    }
  }
  return bad();
}

// The first pass: the manifest, every entry's path, and the end entry; nothing is written.
Status check_bundle(const std::filesystem::path& bundle) {
  const std::string name = "'" + bundle.string() + "'";
  CONFLUX_ASSIGN_OR_RETURN(std::unique_ptr<TarFileReader> tar, TarFileReader::open(bundle));
  Result<std::optional<TarHeader>> first = tar->next();
  if (!first.ok() || !*first || (*first)->path != kManifestEntry) {
    return Status::invalid_argument(name + " is not a Conflux run bundle (it does not start with " +
                                    kManifestEntry + ")");
  }
  CONFLUX_ASSIGN_OR_RETURN(std::string text, tar->read_all());
  nlohmann::json manifest = nlohmann::json::parse(text, nullptr, false);
  auto text_of = [](const nlohmann::json& doc, const char* key) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string("?");
  };
  auto count_of = [](const nlohmann::json& doc, const char* key) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_number_unsigned() ? it->get<size_t>() : size_t{0};
  };
  if (!manifest.is_object() || text_of(manifest, "format") != kBundleFormat || !manifest.contains("runs") ||
      !manifest["runs"].is_array()) {
    return Status::invalid_argument(name + " is not a Conflux run bundle (its manifest has no format \"" +
                                    kBundleFormat + "\")");
  }
  if (!manifest["version"].is_number_integer() || manifest["version"].get<int>() != kBundleVersion) {
    return Status::invalid_argument(name + " is a run bundle of format version " + manifest["version"].dump() +
                                    ", written by Conflux " + text_of(manifest, "conflux_version") +
                                    "; this Conflux reads version " + std::to_string(kBundleVersion) +
                                    ": import it with that release or a newer one");
  }
  size_t entries = 1;
  std::optional<nlohmann::json> end;
  std::string current_run;  // the run whose records came last: its files may follow
  while (true) {
    CONFLUX_ASSIGN_OR_RETURN(std::optional<TarHeader> header, tar->next());
    if (!header) break;
    ++entries;
    if (end) return Status::corruption(name + " has entries after its end entry");
    CONFLUX_ASSIGN_OR_RETURN(Entry e, classify(header->path));
    if (e.kind == Entry::kManifest) return Status::corruption(name + " has a second manifest");
    if (e.kind == Entry::kEnd) {
      CONFLUX_ASSIGN_OR_RETURN(std::string end_text, tar->read_all());
      end = nlohmann::json::parse(end_text, nullptr, false);
    } else if (e.kind == Entry::kRecords) {
      // Every run's records must read, so that no import stops half way on a bad one.
      CONFLUX_ASSIGN_OR_RETURN(std::string records_text, tar->read_all());
      Result<RunRecords> records = RunRecords::from_json(records_text);
      if (!records.ok()) return records.status().with_context(name + ": " + header->path);
      if (records->run.flow_id != e.flow || records->run.run_number != e.run) {
        return Status::corruption(name + ": " + header->path + " describes another run");
      }
      current_run = e.flow + "/" + e.run;
    } else if ((e.kind == Entry::kFile || e.kind == Entry::kCard) && current_run != e.flow + "/" + e.run) {
      return Status::corruption(name + " has a file of " + e.flow + "/" + e.run + " before its records");
    }
  }
  if (!end) return Status::corruption(name + " is truncated: it has no " + kEndEntry);
  if (!end->is_object() || count_of(*end, "entries") != entries || count_of(*end, "runs") != manifest["runs"].size()) {
    return Status::corruption(name + " is damaged: its end entry does not match its contents");
  }
  return Status();
}

// A run id not taken in `flow`: the time in microseconds, as local metadata makes them.
Result<std::string> new_run_id(MetadataProvider& metadata, const std::string& flow) {
  int64_t id = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  for (int tries = 0; tries < 1000; ++tries, ++id) {
    Status s = metadata.get_run(flow, std::to_string(id)).status();
    if (s.is_not_found()) return std::to_string(id);
    if (!s.ok()) return s.with_context("cannot choose a new run id in flow " + flow);
  }
  return Status::unavailable("cannot choose a new run id in flow " + flow);
}

std::string imported_from_tag(const std::string& source) { return "imported_from:" + source; }

// The run of `flow` that carries the system tag of an earlier import of `source`, if any.
Result<std::optional<RunRecord>> earlier_import(MetadataProvider& metadata, const std::string& flow,
                                                const std::string& source) {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<RunRecord> runs, metadata.list_runs(flow));
  const std::string tag = imported_from_tag(source);
  for (RunRecord& r : runs) {
    if (std::find(r.system_tags.begin(), r.system_tags.end(), tag) != r.system_tags.end()) return std::optional(std::move(r));
  }
  return std::optional<RunRecord>();
}

// The run being imported: its records, where it goes, and the provider that registers it.
struct RunInProgress {
  RunRecords records;
  std::string source;
  std::string target_id;
  bool skip = false;
  int64_t clock_ms = 0;
  std::unique_ptr<LocalMetadataProvider> local;
  MetadataProvider* metadata = nullptr;
  std::vector<std::string> extra_system_tags;
  bool registered = false;
  bool mark_complete = false;  // write the service's completion row once the files are in
  std::map<std::string, std::string> new_task_ids;  // "<step>/<task>" -> id here (service)
};

// Where a run goes in local metadata: its own id, or a new one (tagged imported_from) if another
// run has that id. A run with the same id, creation time and user is this one, imported before;
// so is a run tagged imported_from this one.
Status place_in_local_metadata(RunInProgress* run, ImportedRun* report) {
  const RunRecord& source = run->records.run;
  Result<RunRecord> existing = run->metadata->get_run(source.flow_id, source.run_number);
  if (!existing.ok() && !existing.status().is_not_found()) {
    return existing.status().with_context("cannot look up " + run->source + " in the target");
  }
  if (existing.status().is_not_found()) {
    run->target_id = source.run_number;
    return Status();
  }
  if (existing->ts_epoch == source.ts_epoch && existing->user_name == source.user_name) {
    run->skip = true;
    report->outcome = "already imported";
    return Status();
  }
  CONFLUX_ASSIGN_OR_RETURN(std::optional<RunRecord> earlier, earlier_import(*run->metadata, source.flow_id, run->source));
  if (earlier) {
    run->skip = true;
    report->target = source.flow_id + "/" + earlier->run_number;
    report->outcome = "already imported";
    return Status();
  }
  CONFLUX_ASSIGN_OR_RETURN(run->target_id, new_run_id(*run->metadata, source.flow_id));
  run->extra_system_tags = {imported_from_tag(run->source)};
  report->target = source.flow_id + "/" + run->target_id;
  report->outcome = "imported under a new id (run id " + source.run_number + " is taken here)";
  return Status();
}

// The field of the metadata row that marks an import into the service as complete.
constexpr const char* kImportCompleteField = "conflux-import-complete";

// Whether the earlier import `run` (in the service) got to its end: the first step's task carries
// the completion row, written after everything else.
Result<bool> import_completed(MetadataProvider& service, const RunRecord& run, const RunRecords& records) {
  if (records.tasks.empty()) return true;
  const std::string& step = records.tasks.front().step_name;
  CONFLUX_ASSIGN_OR_RETURN(std::vector<TaskRecord> tasks, service.list_tasks(run.flow_id, run.run_number, step));
  for (const TaskRecord& task : tasks) {
    CONFLUX_ASSIGN_OR_RETURN(std::vector<MetadataRow> rows,
                             service.list_metadata(run.flow_id, run.run_number, step, task.task_id, std::nullopt));
    for (const MetadataRow& row : rows) {
      if (row.field_name == kImportCompleteField) return true;
    }
  }
  return false;
}

// The metadata service numbers runs itself (it refuses numeric run ids from clients) and stamps
// its own times, so an imported run carries the system tag imported_from:<Flow>/<run>, which
// finds it again when the bundle is imported a second time. An earlier import that was
// interrupted (no completion row) is deleted and done again.
Status place_in_service(MetadataProvider& service, StorageBackend& datastore, RunInProgress* run,
                        ImportedRun* report) {
  const RunRecord& source = run->records.run;
  CONFLUX_ASSIGN_OR_RETURN(std::optional<RunRecord> earlier, earlier_import(service, source.flow_id, run->source));
  if (earlier) {
    CONFLUX_ASSIGN_OR_RETURN(bool complete, import_completed(service, *earlier, run->records));
    if (complete) {
      run->skip = true;
      report->target = source.flow_id + "/" + earlier->run_number;
      report->outcome = "already imported";
      return Status();
    }
    CONFLUX_RETURN_IF_ERROR(service.delete_run(source.flow_id, earlier->run_number)
                                .with_context("cannot replace the interrupted import " + earlier->run_number));
    CONFLUX_RETURN_IF_ERROR(datastore.remove_tree(source.flow_id + "/" + earlier->run_number));
    CONFLUX_RETURN_IF_ERROR(datastore.remove_tree(card_run_prefix(source.flow_id, earlier->run_number)));
    report->outcome = "imported (an interrupted earlier import was replaced)";
  }
  const std::string tag = imported_from_tag(run->source);
  std::vector<std::string> system_tags = source.system_tags;
  system_tags.push_back(tag);
  const bool numeric = !source.run_number.empty() &&
                       source.run_number.find_first_not_of("0123456789") == std::string::npos;
  if (!numeric && service.get_run(source.flow_id, source.run_number).status().is_not_found()) {
    run->target_id = source.run_number;
  } else {
    CONFLUX_ASSIGN_OR_RETURN(run->target_id, service.new_run_id(source.flow_id, RunTags{source.tags, system_tags}));
    if (!earlier) report->outcome = "imported as run " + run->target_id + " (the service numbers its runs)";
  }
  report->target = source.flow_id + "/" + run->target_id;
  run->extra_system_tags = {tag};
  run->mark_complete = true;
  return Status();
}

}  // namespace

Result<std::vector<ImportedRun>> import_bundle(const ImportTarget& target, const std::filesystem::path& bundle,
                                               const std::function<void(const std::string&)>& progress) {
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  CONFLUX_RETURN_IF_ERROR(check_bundle(bundle));
  const std::string where = "cannot write to the datastore at " + target.ds_root;

  std::vector<ImportedRun> out;
  std::unique_ptr<RunInProgress> run;
  auto register_run = [&]() -> Status {
    if (run->skip || run->registered) return Status();
    run->registered = true;
    RegisterOptions options;
    options.run_id = run->target_id;
    options.ds_type = target.ds_type;
    options.ds_root = target.ds_root;
    options.run_first = target.service != nullptr;
    options.extra_system_tags = run->extra_system_tags;
    options.at = [&](int64_t ts) { run->clock_ms = ts; };
    if (target.service != nullptr) options.new_task_ids = &run->new_task_ids;
    return register_run_records(*run->metadata, run->records, options).with_context("cannot register run " + run->source);
  };
  auto finish_run = [&]() -> Status {
    if (!run) return Status();
    CONFLUX_RETURN_IF_ERROR(register_run());
    if (run->mark_complete && !run->skip && !run->records.tasks.empty()) {
      const TaskRecord& first = run->records.tasks.front();
      auto mapped = run->new_task_ids.find(first.step_name + "/" + first.task_id);
      const std::string task = mapped == run->new_task_ids.end() ? first.task_id : mapped->second;
      const MetaDatum done{kImportCompleteField, "true", kImportCompleteField, {}, false};
      CONFLUX_RETURN_IF_ERROR(run->metadata->register_metadata(run->records.run.flow_id, run->target_id,
                                                               first.step_name, task, {&done, 1})
                                  .with_context("cannot finish the import of " + run->source));
    }
    run.reset();
    return Status();
  };

  CONFLUX_ASSIGN_OR_RETURN(std::unique_ptr<TarFileReader> tar, TarFileReader::open(bundle));
  while (true) {
    CONFLUX_ASSIGN_OR_RETURN(std::optional<TarHeader> header, tar->next());
    if (!header) break;
    CONFLUX_ASSIGN_OR_RETURN(Entry e, classify(header->path));
    switch (e.kind) {
      case Entry::kManifest:
        break;
      case Entry::kEnd:
        CONFLUX_RETURN_IF_ERROR(finish_run());
        break;
      case Entry::kBlob: {
        ContentAddressedStore cas(*target.datastore, e.flow);
        Result<bool> put = cas.put_stored(e.sha, e.raw, [&](ByteSink& sink) { return copy_stream(tar->data(), sink); });
        if (!put.ok()) return put.status().with_context(where);
        break;
      }
      case Entry::kRecords: {
        CONFLUX_RETURN_IF_ERROR(finish_run());
        CONFLUX_ASSIGN_OR_RETURN(std::string text, tar->read_all());
        run = std::make_unique<RunInProgress>();
        CONFLUX_ASSIGN_OR_RETURN(run->records, RunRecords::from_json(text));
        run->source = e.flow + "/" + e.run;
        if (run->records.run.flow_id != e.flow || run->records.run.run_number != e.run) {
          return Status::corruption("the records of " + run->source + " describe another run");
        }
        if (target.service != nullptr) {
          run->metadata = target.service;
        } else {
          LocalMetadataOptions options;
          options.user_name = run->records.run.user_name;
          RunInProgress* r = run.get();
          options.clock = [r] { return std::chrono::system_clock::time_point(std::chrono::milliseconds(r->clock_ms)); };
          run->local = std::make_unique<LocalMetadataProvider>(*target.local_metadata_storage, options);
          run->metadata = run->local.get();
        }
        ImportedRun report{run->source, run->source, "imported"};
        if (target.service != nullptr) {
          CONFLUX_RETURN_IF_ERROR(place_in_service(*target.service, *target.datastore, run.get(), &report));
        } else {
          CONFLUX_RETURN_IF_ERROR(place_in_local_metadata(run.get(), &report));
        }
        say(report.source + ": " + report.outcome);
        out.push_back(std::move(report));
        // The service hands out the task ids the files are stored under: register first there.
        if (target.service != nullptr) CONFLUX_RETURN_IF_ERROR(register_run());
        break;
      }
      case Entry::kFile:
      case Entry::kCard: {
        if (!run || run->source != e.flow + "/" + e.run) {
          return Status::corruption("the bundle has a file of " + e.flow + "/" + e.run + " before its records");
        }
        if (run->skip) break;
        // Files are "<step>/<task>/...", cards "steps/<step>/tasks/<task>/...": the task id may
        // be a new one (the service hands out its own).
        std::vector<std::string> parts;
        for (std::string_view p : split(e.relative)) parts.emplace_back(p);
        const size_t step_at = e.kind == Entry::kCard ? 1 : 0, task_at = e.kind == Entry::kCard ? 3 : 1;
        if (parts.size() > task_at) {
          auto mapped = run->new_task_ids.find(parts[step_at] + "/" + parts[task_at]);
          if (mapped != run->new_task_ids.end()) parts[task_at] = mapped->second;
        }
        std::string relative;
        for (const std::string& p : parts) relative += (relative.empty() ? "" : "/") + p;
        const std::string key = e.kind == Entry::kCard ? card_run_prefix(e.flow, run->target_id) + "/" + relative
                                                       : e.flow + "/" + run->target_id + "/" + relative;
        Result<std::unique_ptr<StorageWriter>> writer = target.datastore->begin_write(key, /*overwrite=*/true);
        if (!writer.ok()) return writer.status().with_context(where);
        CONFLUX_RETURN_IF_ERROR(copy_stream(tar->data(), **writer).with_context("importing " + key));
        Status committed = (*writer)->commit();
        if (!committed.ok()) return committed.with_context(where);
        break;
      }
    }
  }
  CONFLUX_RETURN_IF_ERROR(finish_run());
  return out;
}

}  // namespace conflux::transfer
