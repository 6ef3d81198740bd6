#include "transfer/bundle_export.hpp"

#include <chrono>
#include <ctime>
#include <set>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "card/card_files.hpp"
#include "conflux/version.hpp"
#include "datastore/content_addressed_store.hpp"
#include "gc/blob_references.hpp"
#include "transfer/bundle_format.hpp"
#include "transfer/run_records.hpp"
#include "transfer/tar_stream.hpp"

namespace conflux::transfer {

namespace {

bool is_metadata_file(std::string_view relative) {
  return relative.starts_with("_meta/") || relative.find("/_meta/") != std::string_view::npos;
}

std::string iso_now() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace

Result<ExportReport> export_runs(const ExportSource& source, const std::vector<std::string>& runs,
                                 const std::filesystem::path& bundle,
                                 const std::function<void(const std::string&)>& progress) {
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  // Check every run first: a missing one fails before anything is written.
  std::vector<std::pair<std::string, std::string>> ids;
  for (const std::string& pathspec : runs) {
    size_t slash = pathspec.find('/');
    if (slash == std::string::npos || pathspec.find('/', slash + 1) != std::string::npos) {
      return Status::invalid_argument("'" + pathspec + "' is not a run pathspec FLOW/RUN_ID");
    }
    std::string flow = pathspec.substr(0, slash), run = pathspec.substr(slash + 1);
    Result<RunRecord> record = source.stores.metadata->get_run(flow, run);
    if (!record.ok()) return record.status().with_context("cannot export " + pathspec);
    ids.emplace_back(std::move(flow), std::move(run));
  }

  CONFLUX_ASSIGN_OR_RETURN(std::unique_ptr<TarFileWriter> tar, TarFileWriter::create(bundle));
  ExportReport report;
  size_t entries = 0;
  auto add = [&](const std::string& path, std::string_view bytes) {
    ++entries;
    report.bytes += bytes.size();
    return tar->add(path, bytes);
  };
  nlohmann::ordered_json manifest = {{"format", kBundleFormat},
                                     {"version", kBundleVersion},
                                     {"conflux_version", kConfluxVersion},
                                     {"created_at", iso_now()},
                                     {"source",
                                      {{"ds_type", source.ds_type},
                                       {"ds_root", source.ds_root},
                                       {"metadata", std::string(source.stores.metadata->type())}}},
                                     {"runs", runs}};
  CONFLUX_RETURN_IF_ERROR(add(kManifestEntry, manifest.dump(2)));

  std::set<std::string> blobs_written;  // "<Flow>/<sha>"
  for (const auto& [flow, run] : ids) {
    const std::string pathspec = flow + "/" + run;
    say("exporting " + pathspec);
    CONFLUX_ASSIGN_OR_RETURN(gc::CatalogedRun files, gc::catalog_run(source.stores, flow, run, /*keep_files=*/true));
    std::unordered_set<std::string> shas;
    CONFLUX_RETURN_IF_ERROR(gc::add_references(*source.stores.datastore, {&files}, &shas));
    ContentAddressedStore cas(*source.stores.datastore, flow);
    for (const std::string& sha : std::set<std::string>(shas.begin(), shas.end())) {
      if (!blobs_written.insert(flow + "/" + sha).second) continue;
      CONFLUX_ASSIGN_OR_RETURN(ContentAddressedStore::StoredBlob blob, cas.open_stored(sha));
      ++entries;
      ++report.blobs;
      report.bytes += blob.stored_size;
      CONFLUX_RETURN_IF_ERROR(tar->add("blobs/" + flow + "/" + sha + (blob.raw ? ".raw" : ".gz"), blob.stored_size,
                                       [&](ByteSink& out) { return copy_stream(*blob.bytes, out); }));
    }
    CONFLUX_ASSIGN_OR_RETURN(RunRecords records, collect_run_records(*source.stores.metadata, flow, run));
    CONFLUX_RETURN_IF_ERROR(add("runs/" + pathspec + "/metadata.json", records.to_json()));
    const std::string prefix = pathspec + "/";
    for (const ObjectInfo& file : files.data_files) {
      std::string_view relative = std::string_view(file.key).substr(prefix.size());
      if (is_metadata_file(relative)) continue;
      CONFLUX_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> in, source.stores.datastore->open(file.key));
      ++entries;
      ++report.files;
      report.bytes += file.size;
      CONFLUX_RETURN_IF_ERROR(tar->add("runs/" + prefix + "files/" + std::string(relative), file.size,
                                       [&](ByteSink& out) { return copy_stream(*in, out); }));
    }
    // The run's cards, from Metaflow's card root (mf.cards/<Flow>/runs/<run>/...).
    const std::string cards = card_run_prefix(flow, run);
    CONFLUX_ASSIGN_OR_RETURN(std::vector<ObjectInfo> card_files, source.stores.datastore->list_tree(cards));
    for (const ObjectInfo& file : card_files) {
      // Only what import takes back (and Metaflow's tools read): no strays.
      if (!is_card_file_path(std::string_view(file.key).substr(cards.size() + 1))) continue;
      CONFLUX_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> in, source.stores.datastore->open(file.key));
      ++entries;
      ++report.files;
      report.bytes += file.size;
      CONFLUX_RETURN_IF_ERROR(tar->add("runs/" + prefix + "cards/" + file.key.substr(cards.size() + 1), file.size,
                                       [&](ByteSink& out) { return copy_stream(*in, out); }));
    }
    ++report.runs;
  }
  nlohmann::ordered_json end = {{"runs", report.runs}, {"entries", entries + 1}};
  CONFLUX_RETURN_IF_ERROR(tar->add(kEndEntry, end.dump()));
  CONFLUX_RETURN_IF_ERROR(tar->finish());
  return report;
}

}  // namespace conflux::transfer
