#include "card/task_cards.hpp"

#include <algorithm>
#include <iostream>

#include "card/card_files.hpp"
#include "card/card_html.hpp"
#include "conflux/codec.hpp"

namespace conflux {

namespace {

// A live card's HTML is rewritten when its components change, or at least this often (Metaflow's
// RUNTIME_CARD_RENDER_INTERVAL), so a reader that reloads sees recent values.
constexpr auto kHtmlRenderInterval = std::chrono::seconds(60);

TaskCards* g_active = nullptr;

double epoch_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

namespace detail_cards {
TaskCards* active() { return g_active; }
}  // namespace detail_cards

namespace cards::detail {

CardState::CardState(TaskCards& owner, CardSpec spec)
    : owner_(owner), spec_(std::move(spec)), card_(this, spec_.id) {}

std::string CardState::stem() const { return card_file_stem(spec_.type, spec_.id, spec_.uuid); }

void CardState::refresh() {
  const auto now = std::chrono::steady_clock::now();
  if (last_write_ && now - *last_write_ < std::chrono::seconds(spec_.refresh_interval)) return;
  const bool html = card_.layout_version() != html_layout_version_ || !last_html_ ||
                    now - *last_html_ >= kHtmlRenderInterval;
  Status s = write("runtime-" + std::to_string(card_.layout_version()), html);
  if (!s.ok()) owner_.report("cannot write live card " + stem() + ": " + s.to_string());
}

Status CardState::write_final() { return write("final", /*html=*/true); }

Status CardState::write(std::string_view reload_token, bool html) {
  // Whatever a component holds (text that is not UTF-8, a value JSON cannot take), writing the
  // card reports an error and never throws into the step or the task's end.
  try {
    return write_unchecked(reload_token, html);
  } catch (const std::exception& e) {
    return Status::internal(std::string("cannot render the card: ") + e.what());
  }
}

Status CardState::write_unchecked(std::string_view reload_token, bool html) {
  const auto now = std::chrono::steady_clock::now();
  const CardTaskFacts& facts = owner_.facts();
  const CardTask& task = facts.task;
  if (html) {
    std::string page;
    try {
      page = card_html(card_document(spec_, card_.components(), facts),
                       task.pathspec(), reload_token);
    } catch (const std::exception& e) {
      if (!spec_.save_errors) return Status::internal(std::string("cannot render the card: ") + e.what());
      // save_errors: the card shows why it could not be drawn.
      cards::Json error_doc = {{"metadata", {{"pathspec", task.flow + "/" + task.run_id}}},
                               {"components", cards::Json::array({{{"type", "log"},
                                                                   {"data", std::string("[CARD RENDER FAIL]: ") + e.what()}}})}};
      page = card_html(error_doc, task.step + "/" + task.task_id, reload_token);
    }
    CONFLUX_RETURN_IF_ERROR(owner_.storage().save(card_html_key(task, stem()), page, /*overwrite=*/true));
    html_layout_version_ = card_.layout_version();
    last_html_ = now;
  }
  const cards::Json data = card_runtime_data(card_.components(), reload_token, epoch_seconds());
  CONFLUX_RETURN_IF_ERROR(owner_.storage().save(
      card_data_key(task, stem()), data.dump(-1, ' ', false, cards::Json::error_handler_t::replace), /*overwrite=*/true));
  last_write_ = now;
  return Status();
}

}  // namespace cards::detail

TaskCards::TaskCards(StorageBackend& storage, const std::vector<DecoratorSpec>& decorators, CardTaskFacts facts)
    : storage_(storage), facts_(std::move(facts)) {
  for (const DecoratorSpec& d : decorators) {
    if (d.name != "card") continue;
    const auto& a = d.attributes;
    CardSpec spec;
    spec.type = a.value("type", "default");
    spec.id = a.contains("id") && a["id"].is_string() ? a["id"].get<std::string>() : "";
    spec.options = a.contains("options") && a["options"].is_object() ? a["options"] : cards::Json::object();
    spec.refresh_interval = a.value("refresh_interval", int64_t{5});
    spec.save_errors = a.value("save_errors", true);
    spec.uuid = new_card_uuid();
    cards_.push_back(std::make_unique<cards::detail::CardState>(*this, std::move(spec)));
  }
  g_active = this;
}

TaskCards::~TaskCards() {
  if (g_active == this) g_active = nullptr;
}

std::vector<MetaDatum> TaskCards::card_info_rows() const {
  std::vector<MetaDatum> rows;
  for (const auto& c : cards_) {
    const CardSpec& s = c->spec();
    cards::Json info;
    info["card_uuid"] = s.uuid;
    info["rank"] = nullptr;
    info["type"] = s.type;
    info["options"] = s.options;
    info["is_editable"] = true;
    info["is_runtime_card"] = true;
    info["refresh_interval"] = s.refresh_interval;
    info["customize"] = false;
    info["id"] = s.id.empty() ? cards::Json() : cards::Json(s.id);
    rows.push_back({s.uuid, info.dump(), "card-info", {"attempt_id:" + std::to_string(facts_.attempt)}});
  }
  return rows;
}

cards::Card* TaskCards::find(std::optional<std::string_view> id) {
  if (id) {
    for (auto& c : cards_) {
      if (c->spec().id == *id) return &c->card();
    }
    return nullptr;
  }
  for (auto& c : cards_) {
    if (c->spec().id.empty()) return &c->card();
  }
  return cards_.size() == 1 ? &cards_.front()->card() : nullptr;
}

void TaskCards::finish(int64_t finished_ms, cards::Json parameters, cards::Json artifacts) {
  facts_.finished_ms = finished_ms;
  facts_.parameters = std::move(parameters);
  facts_.artifacts = std::move(artifacts);
  for (auto& c : cards_) {
    Status s = c->write_final();
    if (!s.ok()) report("cannot write card " + c->stem() + ": " + s.to_string());
  }
}

void TaskCards::report(const std::string& what) {
  if (std::find(reported_.begin(), reported_.end(), what) != reported_.end()) return;
  reported_.push_back(what);
  std::cerr << "[card] " << what << "\n";
}

cards::Json card_artifact_rows(ContentAddressedStore& cas, const ArtifactIndex& index,
                               const std::vector<std::string>& names, uint64_t max_bytes) {
  cards::Json rows = cards::Json::array();
  for (const std::string& name : names) {
    const ArtifactEntry* e = index.find(name);
    if (!e) continue;
    cards::Json row;
    if (e->info.size > max_bytes) {
      row = {{"name", name}, {"type", e->info.type},
             {"data", "<" + std::to_string(e->info.size) + " bytes: too large to show here>"}};
    } else {
      Result<std::string> bytes = cas.load_all(e->sha);
      Result<Value> value = bytes.ok() ? read_pickle_from_string(*bytes) : Result<Value>(bytes.status());
      if (value.ok()) {
        row = cards::Artifact(*value, name).render()["data"][0];  // type and repr, cut as the component does
      } else {
        row = {{"name", name}, {"type", e->info.type},
               {"data", "<" + std::to_string(e->info.size) + " bytes that cannot be decoded: " +
                            value.status().message() + ">"}};
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace conflux
