// Cards: HTML reports a step attaches to its task, in the format of Metaflow's cards, so that
// `conflux ui`, `conflux service` and Metaflow's own `card list/get` and metaflow-ui show them.
//
//   g.step("train", &MyFlow::train).card({.type = "blank"}).next("end");
//
//   void train() {
//     auto& card = conflux::current().card();
//     card.append(conflux::cards::Markdown("# Training"));
//     auto& progress = card.append(conflux::cards::ProgressBar({.max = epochs, .label = "epoch"}));
//     for (int e = 0; e < epochs; ++e) {
//       train_one_epoch();
//       progress.update(e + 1, "loss " + std::to_string(loss));
//       card.refresh();   // a live card: the UI shows the progress while the task runs
//     }
//   }
//
// A card's components render to the JSON of Metaflow's card components (type, fields and ids as
// its renderer reads them); Conflux embeds its own renderer, so a card is one self-contained HTML
// file that works offline. The card is written when the task ends (whether it succeeded or not)
// and, for live cards, on refresh(): at most once per `refresh_interval` seconds.
//
// One task per process and one thread of user code: a Card is not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "conflux/value.hpp"

namespace conflux::cards {

using Json = nlohmann::ordered_json;

// A piece of a card. Each kind renders to one of Metaflow's card component dicts.
class Component {
 public:
  virtual ~Component() = default;
  // The component as the card renderer reads it ({"type": ..., "id": ..., ...}).
  virtual Json render() const = 0;
  // Whether refresh() sends its changes to a live card (Metaflow's REALTIME_UPDATABLE).
  virtual bool realtime() const { return true; }
  // "<kind>_<6 hex digits>" unless given to Card::append.
  const std::string& id() const { return id_; }
  void set_id(std::string id) { id_ = std::move(id); }

 protected:
  explicit Component(std::string_view kind);

 private:
  std::string id_;
};

// Markdown text (CommonMark). Common leading indentation is removed, as Metaflow does.
class Markdown : public Component {
 public:
  explicit Markdown(std::string_view text);
  Json render() const override;
  void update(std::string_view text);

 private:
  std::string text_;
};

// A table cell: null, a boolean, a number, text, or a component (Markdown, Image, ...).
class Cell {
 public:
  Cell(std::nullptr_t) {}  // NOLINT: implicit, so rows read as {1, "a", nullptr}
  Cell(bool v) : value_(v) {}                              // NOLINT
  Cell(int v) : value_(v) {}                               // NOLINT
  Cell(long v) : value_(v) {}                              // NOLINT
  Cell(long long v) : value_(v) {}                         // NOLINT
  Cell(unsigned v) : value_(v) {}                          // NOLINT
  Cell(unsigned long v) : value_(v) {}                     // NOLINT
  Cell(unsigned long long v) : value_(v) {}                // NOLINT
  Cell(float v) : value_(v) {}                             // NOLINT
  Cell(double v) : value_(v) {}                            // NOLINT
  Cell(const char* v) : value_(std::string(v)) {}          // NOLINT
  Cell(std::string_view v) : value_(std::string(v)) {}     // NOLINT
  Cell(std::string v) : value_(std::move(v)) {}            // NOLINT
  template <class C, class = std::enable_if_t<std::is_base_of_v<Component, C>>>
  Cell(C component) : component_(std::make_shared<C>(std::move(component))) {}  // NOLINT
  Json render() const;

 private:
  Json value_;
  std::shared_ptr<Component> component_;
};

// Rows of cells under column headers. `vertical`: headers down the left, one row per header.
class Table : public Component {
 public:
  Table(std::vector<std::vector<Cell>> rows, std::vector<std::string> headers = {}, bool vertical = false);
  Json render() const override;
  void update(std::vector<std::vector<Cell>> rows);

 private:
  std::vector<std::vector<Cell>> rows_;
  std::vector<std::string> headers_;
  bool vertical_;
};

// A picture from PNG, JPEG, GIF or WebP bytes (the format is read from the bytes). Bytes that
// are none of these render as an error line in the card, as in Metaflow.
class Image : public Component {
 public:
  explicit Image(std::span<const uint8_t> bytes, std::string label = {});
  explicit Image(std::string_view bytes, std::string label = {});
  Json render() const override;
  bool realtime() const override { return false; }

 private:
  std::string bytes_;
  std::string label_;
};

// A Vega or Vega-Lite chart from its JSON spec. Without a width it fills the card's width.
// Throws std::invalid_argument if `spec_json` is not a JSON object.
class VegaChart : public Component {
 public:
  explicit VegaChart(const Json& spec, bool show_controls = false);
  explicit VegaChart(std::string_view spec_json, bool show_controls = false);
  explicit VegaChart(const std::string& spec_json, bool show_controls = false)
      : VegaChart(std::string_view(spec_json), show_controls) {}
  explicit VegaChart(const char* spec_json, bool show_controls = false)
      : VegaChart(std::string_view(spec_json), show_controls) {}
  Json render() const override;
  void update(const Json& spec);

 private:
  Json spec_;
  bool show_controls_;
};

struct ProgressBarOptions {
  int64_t max = 100;
  int64_t value = 0;
  std::string label;
  std::string unit;
  std::string details;
};

class ProgressBar : public Component {
 public:
  explicit ProgressBar(ProgressBarOptions options = {});
  Json render() const override;
  void update(int64_t value, std::optional<std::string> details = std::nullopt);

 private:
  ProgressBarOptions o_;
};

struct ValueBoxOptions {
  std::string title;
  Json value = "";            // a string (at most 100 characters shown) or a number
  std::string subtitle;
  std::string theme = "default";  // default, success, warning, danger, bg-gradient-indigo-purple
  std::string change_indicator;   // e.g. "Up 30% vs last week"
};

// A headline number. Throws std::invalid_argument for an unknown theme or a value that is
// neither text nor a number.
class ValueBox : public Component {
 public:
  explicit ValueBox(ValueBoxOptions options);
  Json render() const override;
  void update(Json value, std::optional<std::string> change_indicator = std::nullopt);

 private:
  ValueBoxOptions o_;
};

// A failure to report: "<title>\n\n<what>" in a monospace block.
class Error : public Component {
 public:
  Error(std::string what, std::string title = "Error");
  Json render() const override;
  bool realtime() const override { return false; }

 private:
  std::string what_;
  std::string title_;
};

struct JsonViewerOptions {
  std::string title;
  bool collapsible = true;
  bool show_copy_button = true;
  int64_t max_height = 0;  // pixels; 0: as tall as the document
};

// A JSON document, pretty-printed.
class JsonViewer : public Component {
 public:
  explicit JsonViewer(Json data, JsonViewerOptions options = {});
  Json render() const override;
  void update(Json data);

 private:
  Json data_;
  JsonViewerOptions o_;
};

// A value as Python shows it: its type and repr (cut at 1000 characters), as in Metaflow's
// default card; e.g. Artifact(conflux::Value::list({1, 2}), "ids").
class Artifact : public Component {
 public:
  explicit Artifact(const Value& value, std::string name = {});
  Json render() const override;

 private:
  std::string name_;
  std::string type_;
  std::string repr_;
};

namespace detail {
class CardState;
}

// One card of the running task (one per .card() on the step). Obtained from current().card().
class Card {
 public:
  // Adds a component; returns the card's copy, which later updates change. The reference stays
  // valid for the rest of the task (also after clear(), and on a card of no task).
  template <class C, class = std::enable_if_t<std::is_base_of_v<Component, C>>>
  C& append(C component, std::string id = {}) {
    auto stored = std::make_shared<C>(std::move(component));
    C& ref = *stored;
    add(std::move(stored), std::move(id));
    return ref;
  }
  // Removes every component.
  void clear();
  // Writes the card while the task runs, so viewers watch it change: at most once per the card's
  // refresh_interval (later calls in between are skipped; the task's end writes the final card).
  void refresh();

  const std::vector<std::shared_ptr<Component>>& components() const { return components_; }
  // The card's id (.card({.id = ...})), or "" for the card without one.
  const std::string& id() const { return id_; }

  // A card that belongs to no task: components added to it are dropped (current().card() on a
  // step without .card()).
  Card() = default;
  Card(detail::CardState* state, std::string id) : state_(state), id_(std::move(id)) {}
  // Increases whenever components are added or removed (Metaflow's component_update_ts).
  int64_t layout_version() const { return layout_version_; }

 private:
  void add(std::shared_ptr<Component> component, std::string id);

  detail::CardState* state_ = nullptr;
  std::string id_;
  std::vector<std::shared_ptr<Component>> components_;
  // Components removed by clear() or added to a card of no task: kept alive, so the references
  // append() returned stay valid.
  std::vector<std::shared_ptr<Component>> retired_;
  int64_t layout_version_ = 0;
};

}  // namespace conflux::cards
