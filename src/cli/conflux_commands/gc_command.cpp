// `conflux gc`: retention and garbage collection (docs/operations.md). A dry run unless --delete:
// it prints the runs a policy selects and the blobs and bytes that deleting them would free.
#include <cstdio>
#include <iostream>

#include "cli/backends.hpp"
#include "cli/conflux_commands/tool.hpp"
#include "gc/garbage_collector.hpp"

namespace conflux::cli::tool {

namespace {

std::string human_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return text;
}

// The policy: the config file's CONFLUX_GC_POLICY, with each rule given on the command line
// replacing the file's.
Result<gc::RetentionPolicy> policy_from(const ParsedArgs& args) {
  gc::RetentionPolicy policy;
  if (std::optional<Setting> configured = find_setting("CONFLUX_GC_POLICY")) {
    // A policy with a mistake is an error even when flags replace some of its rules: its other
    // rules (keep_tags, grace, flows) would silently stop protecting runs.
    nlohmann::json json = nlohmann::json::parse(configured->value, nullptr, false);
    Result<gc::RetentionPolicy> parsed =
        json.is_discarded() ? Result<gc::RetentionPolicy>(Status::invalid_argument("not JSON"))
                            : gc::policy_from_json(json);
    if (!parsed.ok()) return parsed.status().with_context("CONFLUX_GC_POLICY from " + configured->source);
    policy = *parsed;
  }
  if (args.has("older-than")) {
    CONFLUX_ASSIGN_OR_RETURN(policy.older_than, gc::parse_duration(args.get("older-than")));
  }
  if (args.has("keep-last")) {
    CONFLUX_ASSIGN_OR_RETURN(int64_t n, args.get_int("keep-last", 0));
    policy.keep_last = n;
  }
  if (args.has("keep-tag")) policy.keep_tags = args.all("keep-tag");
  if (args.has("flow")) policy.flows = args.all("flow");
  if (args.has("grace")) {
    CONFLUX_ASSIGN_OR_RETURN(policy.grace, gc::parse_duration(args.get("grace")));
  }
  CONFLUX_RETURN_IF_ERROR(policy.validate());
  return policy;
}

void print_report(const gc::GcReport& report, const gc::RetentionPolicy& policy, bool as_json) {
  if (as_json) {
    nlohmann::ordered_json runs = nlohmann::ordered_json::array();
    for (const gc::RunReport& r : report.removed_runs) {
      runs.push_back({{"pathspec", r.flow + "/" + r.run_id},
                      {"created_at", iso_time(r.created)},
                      {"last_activity", iso_time(r.last_activity)},
                      {"files", r.files},
                      {"bytes", r.bytes},
                      {"reason", r.reason}});
    }
    nlohmann::ordered_json out = {{"dry_run", report.dry_run},
                                  {"policy", policy.describe()},
                                  {"runs", runs},
                                  {"kept_runs", report.kept_runs},
                                  {"run_bytes", report.run_bytes},
                                  {"blobs", report.blobs},
                                  {"blob_bytes", report.blob_bytes},
                                  {"kept_blobs", report.kept_blobs}};
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << "Policy: " << policy.describe() << "\n";
  if (!report.removed_runs.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const gc::RunReport& r : report.removed_runs) {
      rows.push_back({r.flow + "/" + r.run_id, human_time(r.created), human_time(r.last_activity),
                      std::to_string(r.files), human_bytes(r.bytes), r.reason});
    }
    print_table(std::cout, {"RUN", "CREATED (UTC)", "LAST WRITE (UTC)", "FILES", "SIZE", "WHY"}, rows);
  }
  const std::string verb = report.dry_run ? "Would delete " : "Deleted ";
  std::cout << verb << report.removed_runs.size() << " run(s) (" << human_bytes(report.run_bytes)
            << ") and " << report.blobs << " unreferenced blob(s) (" << human_bytes(report.blob_bytes)
            << "); kept " << report.kept_runs << " run(s) and " << report.kept_blobs << " blob(s).\n";
  if (report.dry_run) std::cout << "This was a dry run: pass --delete to delete.\n";
}

}  // namespace

int gc_command(ToolContext& ctx) {
  CommandSpec spec;
  spec.usage = "gc [--older-than D] [--keep-last N] [--keep-tag TAG]... [--flow FLOW]... "
               "[--grace D] [--delete] [--allow-all] [--json]";
  spec.description =
      "Delete old runs by a retention policy, then the stored values no remaining run references. "
      "A run is deleted when it is older than --older-than and not one of the --keep-last newest "
      "of its flow (the rules given), unless it has a --keep-tag tag or wrote anything within "
      "--grace (still running or just finished). Blobs reused or written within --grace are never "
      "swept, so flows may run while gc does. Durations: 90s, 45m, 12h, 30d, 2w. Without rules on "
      "the command line the config file's CONFLUX_GC_POLICY applies (docs/operations.md). A dry "
      "run unless --delete.";
  spec.options = {
      {"older-than", "D", "Delete runs created more than D ago.", false, ""},
      {"keep-last", "N", "Keep the N newest runs of each flow.", false, ""},
      {"keep-tag", "TAG", "Keep runs with this tag (user or system tag).", true, ""},
      {"flow", "FLOW", "Only this flow (default: every flow).", true, ""},
      {"grace", "D", "Never touch runs active, or blobs used, within D.", false, "1d"},
      {"delete", "", "Delete (default: only show what would be deleted).", false, ""},
      {"allow-all", "", "Allow a policy that selects every run in scope.", false, ""},
      {"json", "", "Print JSON for scripts.", false, ""}};
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, spec, &code);
  if (!args) return code;
  Result<gc::RetentionPolicy> policy = policy_from(*args);
  if (!policy.ok()) return usage_error(ctx, policy.status());

  Result<Backends> backends = open_backends(ctx);
  if (!backends.ok()) return fail(ctx, backends.status());
  gc::GcStores stores;
  stores.datastore = backends->storage.get();
  StorageBackend* local = local_metadata_storage(*backends);
  stores.metadata_storage = local != nullptr ? local : backends->storage.get();
  stores.metadata = &backends->metadata();

  gc::GcOptions options;
  options.policy = *policy;
  options.dry_run = !args->has("delete");
  options.allow_all = args->has("allow-all");
  const bool as_json = args->has("json");
  Result<gc::GcReport> report = gc::collect_garbage(stores, options, [&](const std::string& line) {
    if (!as_json) std::cerr << line << "\n";
  });
  if (!report.ok()) return fail(ctx, report.status());
  print_report(*report, *policy, as_json);
  return kExitOk;
}

}  // namespace conflux::cli::tool
