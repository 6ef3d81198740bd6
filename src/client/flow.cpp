// Flow: a flow's runs in the namespace, newest first.
#include <algorithm>

#include "client/client_state.hpp"

namespace conflux {

Result<std::vector<Run>> Flow::runs(const std::vector<std::string>& tags) const {
  const client_detail::StatePtr& state = core_.state;
  Result<std::vector<RunRecord>> records = state->metadata().list_runs(id());
  if (!records.ok()) return client_detail::lookup_error("flow", id(), records.status());
  std::vector<Run> out;
  for (const RunRecord& record : *records) {
    Run run(client_detail::run_core(state, record));
    if (!state->ns.contains(run.tags()) || !client_detail::has_all_tags(run.tags(), tags)) continue;
    out.push_back(std::move(run));
  }
  // Newest first (Metaflow sorts children by created_at, descending); equal times by id.
  std::sort(out.begin(), out.end(), [](const Run& a, const Run& b) {
    if (a.created_at() != b.created_at()) return a.created_at() > b.created_at();
    return client_detail::id_less(b.id(), a.id());
  });
  return out;
}

Result<Run> Flow::latest_run() const {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<Run> all, runs());
  if (all.empty()) {
    return Status::not_found("Flow '" + id() + "' has no runs in namespace '" +
                             current_namespace().to_string() + "'");
  }
  return all.front();
}

Result<Run> Flow::latest_successful_run() const {
  CONFLUX_ASSIGN_OR_RETURN(std::vector<Run> all, runs());
  for (const Run& run : all) {
    CONFLUX_ASSIGN_OR_RETURN(bool ok, run.successful());
    if (ok) return run;
  }
  return Status::not_found("Flow '" + id() + "' has no successful run in namespace '" +
                           current_namespace().to_string() + "'");
}

Result<Run> Flow::run(std::string_view run_id) const {
  return Client(core_.state).run(id() + "/" + std::string(run_id));
}

}  // namespace conflux
