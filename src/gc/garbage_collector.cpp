#include "gc/garbage_collector.hpp"

#include <algorithm>
#include <unordered_set>

#include "card/card_files.hpp"
#include "gc/blob_references.hpp"
#include "gc/blob_sweep.hpp"

namespace conflux::gc {

namespace {

struct FlowPlan {
  std::string flow;
  std::vector<CatalogedRun> runs;
  std::vector<RunVerdict> verdicts;
};

Result<std::vector<std::string>> flows_in_scope(const GcStores& stores, const RetentionPolicy& policy) {
  if (!policy.flows.empty()) return policy.flows;
  return list_flow_names(stores);
}

Status delete_run(const GcStores& stores, const std::string& flow, const std::string& run_id) {
  // The metadata first: once it is gone no client lists the run, whatever happens next.
  Status s = stores.metadata->delete_run(flow, run_id);
  if (!s.ok() && !s.is_not_found()) return s;
  CONFLUX_RETURN_IF_ERROR(stores.datastore->remove_tree(flow + "/" + run_id));
  // Its cards live apart, under mf.cards (Metaflow's card root).
  return stores.datastore->remove_tree(card_run_prefix(flow, run_id));
}

}  // namespace

Result<GcReport> collect_garbage(const GcStores& stores, const GcOptions& options,
                                 const GcProgress& progress) {
  CONFLUX_RETURN_IF_ERROR(options.policy.validate());
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  GcReport report;
  report.dry_run = options.dry_run;

  // 1. Judge.
  CONFLUX_ASSIGN_OR_RETURN(std::vector<std::string> flows, flows_in_scope(stores, options.policy));
  std::vector<FlowPlan> plans;
  size_t judged = 0;
  for (const std::string& flow : flows) {
    FlowPlan plan{flow, {}, {}};
    CONFLUX_ASSIGN_OR_RETURN(plan.runs, catalog_flow(stores, flow));
    std::vector<RunFacts> facts;
    for (const CatalogedRun& run : plan.runs) facts.push_back(run.facts);
    plan.verdicts = judge_runs(options.policy, facts, options.now);
    for (size_t i = 0; i < plan.runs.size(); ++i) {
      const CatalogedRun& run = plan.runs[i];
      if (run.facts.has_metadata) ++judged;
      if (!plan.verdicts[i].remove) {
        ++report.kept_runs;
        continue;
      }
      report.removed_runs.push_back(RunReport{flow, run.facts.run_id, run.facts.created,
                                              run.facts.last_activity, run.bytes, run.files,
                                              plan.verdicts[i].reason});
      report.run_bytes += run.bytes;
    }
    plans.push_back(std::move(plan));
  }
  if (!options.allow_all && judged > 0 && report.removed_runs.size() == judged) {
    return Status::failed_precondition(
        "the policy (" + options.policy.describe() + ") selects every one of the " +
        std::to_string(judged) +
        " runs in scope; nothing was deleted. Narrow it (--keep-last, --keep-tag, --flow) or pass "
        "--allow-all if that is what you want");
  }

  // 2. Delete the runs, each after a last look: one that wrote since it was judged (a resume
  // marked it in use, say) is spared.
  if (!options.dry_run) {
    std::vector<RunReport> deleted;
    for (RunReport& run : report.removed_runs) {
      CONFLUX_ASSIGN_OR_RETURN(CatalogedRun now, catalog_run(stores, run.flow, run.run_id, /*keep_files=*/false));
      if (Clock::now() - std::max(now.facts.last_activity, run.created) < options.policy.grace) {
        say("sparing run " + run.flow + "/" + run.run_id + ": it wrote since it was judged");
        report.run_bytes -= run.bytes;
        ++report.kept_runs;
        continue;
      }
      say("deleting run " + run.flow + "/" + run.run_id);
      CONFLUX_RETURN_IF_ERROR(delete_run(stores, run.flow, run.run_id).with_context(
          "deleting run " + run.flow + "/" + run.run_id));
      deleted.push_back(std::move(run));
    }
    report.removed_runs = std::move(deleted);
  }

  // 3 and 4. Mark what the remaining runs reference, sweep the rest.
  for (FlowPlan& plan : plans) {
    const Clock::time_point mark_start = options.dry_run ? options.now : Clock::now();
    std::vector<CatalogedRun> fresh;
    std::vector<const CatalogedRun*> remaining;
    if (options.dry_run) {
      for (size_t i = 0; i < plan.runs.size(); ++i) {
        if (!plan.verdicts[i].remove) remaining.push_back(&plan.runs[i]);
      }
    } else {
      CONFLUX_ASSIGN_OR_RETURN(fresh, catalog_flow(stores, plan.flow));
      for (const CatalogedRun& run : fresh) remaining.push_back(&run);
    }
    std::unordered_set<std::string> referenced;
    CONFLUX_RETURN_IF_ERROR(add_references(*stores.datastore, remaining, &referenced)
                                .with_context("reading the blob references of flow " + plan.flow));
    say("sweeping the blobs of " + plan.flow + " (" + std::to_string(referenced.size()) +
        " referenced)");
    CONFLUX_ASSIGN_OR_RETURN(SweepCounts counts,
                             sweep_blobs(*stores.datastore, plan.flow, referenced,
                                         mark_start - options.policy.grace, options.dry_run));
    report.blobs += counts.blobs;
    report.blob_bytes += counts.bytes;
    report.kept_blobs += counts.kept;
  }
  return report;
}

}  // namespace conflux::gc
