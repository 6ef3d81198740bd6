// The card components' JSON: the dicts Metaflow's card components render to (ui-cards.md §3.3),
// which Conflux's card renderer (src/card/renderer) and Metaflow's own read alike.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <stdexcept>

#include "base/base64.hpp"
#include "conflux/cards.hpp"
#include "datastore/random_bits.hpp"

namespace conflux::cards {

namespace {

// Metaflow's limits on a value box's texts.
constexpr size_t kValueBoxTitleMax = 200;
constexpr size_t kValueBoxValueMax = 100;
constexpr size_t kValueBoxSubtitleMax = 300;
// Metaflow's reprlib-style cut of a value shown in a card.
constexpr size_t kArtifactReprMax = 1000;

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Python's textwrap.dedent: removes the indentation every non-blank line shares.
std::string dedent(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  std::optional<std::string> margin;
  for (const std::string& line : lines) {
    size_t indent = line.find_first_not_of(" \t");
    if (indent == std::string::npos) continue;  // blank lines do not count
    std::string prefix = line.substr(0, indent);
    if (!margin) {
      margin = prefix;
    } else {
      size_t common = 0;
      while (common < margin->size() && common < prefix.size() && (*margin)[common] == prefix[common]) ++common;
      margin->resize(common);
    }
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    bool blank = line.find_first_not_of(" \t") == std::string::npos;
    if (blank) {
      // dedent also empties whitespace-only lines.
    } else if (margin) {
      out += line.substr(margin->size());
    } else {
      out += line;
    }
    if (i + 1 < lines.size()) out += '\n';
  }
  return out;
}

// The first `max` characters (code points, as Python counts them) of UTF-8 text.
std::string truncate(std::string s, size_t max) {
  size_t chars = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;  // a continuation byte
    if (chars++ == max) {
      s.resize(i);
      break;
    }
  }
  return s;
}

// "png", "jpeg", "gif" or "webp" from the file's signature; "" for anything else.
std::string image_format(std::string_view b) {
  if (b.size() >= 8 && b.substr(0, 8) == std::string_view("\x89PNG\r\n\x1a\n", 8)) return "png";
  if (b.size() >= 3 && b.substr(0, 3) == "\xFF\xD8\xFF") return "jpeg";
  if (b.size() >= 6 && (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a")) return "gif";
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return "webp";
  return "";
}

Json parse_spec(std::string_view text) {
  Json spec = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (spec.is_discarded() || !spec.is_object()) {
    throw std::invalid_argument("VegaChart: the spec is not a JSON object: " +
                                std::string(text.substr(0, 80)));
  }
  return spec;
}

}  // namespace

Component::Component(std::string_view kind) {
  char hex[8];
  std::snprintf(hex, sizeof hex, "%06x", static_cast<unsigned>(random_u64() & 0xFFFFFF));
  id_ = lowercase(kind) + "_" + hex;
}

Markdown::Markdown(std::string_view text) : Component("markdown"), text_(dedent(std::string(text))) {}

void Markdown::update(std::string_view text) { text_ = dedent(std::string(text)); }

Json Markdown::render() const {
  // Metaflow adds a newline before text that does not start a heading (its markdown renderer
  // needs it); kept so both renderers get the same source.
  Json out;
  out["type"] = "markdown";
  out["source"] = text_.starts_with("#") ? text_ : "\n" + text_;
  out["id"] = id();
  return out;
}

Json Cell::render() const { return component_ ? component_->render() : value_; }

Table::Table(std::vector<std::vector<Cell>> rows, std::vector<std::string> headers, bool vertical)
    : Component("table"), rows_(std::move(rows)), headers_(std::move(headers)), vertical_(vertical) {}

void Table::update(std::vector<std::vector<Cell>> rows) { rows_ = std::move(rows); }

Json Table::render() const {
  Json out;
  out["type"] = "table";
  out["columns"] = headers_;
  Json data = Json::array();
  for (const auto& row : rows_) {
    Json cells = Json::array();
    for (const Cell& cell : row) cells.push_back(cell.render());
    data.push_back(std::move(cells));
  }
  out["data"] = std::move(data);
  out["vertical"] = vertical_;
  out["id"] = id();
  return out;
}

Image::Image(std::span<const uint8_t> bytes, std::string label)
    : Image(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), std::move(label)) {}

Image::Image(std::string_view bytes, std::string label)
    : Component("image"), bytes_(bytes), label_(std::move(label)) {}

Json Image::render() const {
  const std::string format = image_format(bytes_);
  Json out;
  if (format.empty()) {
    // What Metaflow shows for an image it cannot read.
    out["type"] = "log";
    out["data"] = "[IMAGE_RENDER FAIL]: the bytes (" + std::to_string(bytes_.size()) +
                  ") are not a PNG, JPEG, GIF or WebP image";
    out["id"] = id();
    return out;
  }
  out["type"] = "image";
  out["src"] = "data:image/" + format + ";base64," + base64_encode(bytes_);
  out["label"] = label_.empty() ? Json() : Json(label_);
  out["id"] = id();
  return out;
}

VegaChart::VegaChart(const Json& spec, bool show_controls)
    : Component("vegachart"), spec_(spec), show_controls_(show_controls) {
  if (!spec_.is_object()) throw std::invalid_argument("VegaChart: the spec must be a JSON object");
}

VegaChart::VegaChart(std::string_view spec_json, bool show_controls)
    : VegaChart(parse_spec(spec_json), show_controls) {}

void VegaChart::update(const Json& spec) {
  if (!spec.is_object()) throw std::invalid_argument("VegaChart: the spec must be a JSON object");
  spec_ = spec;
}

Json VegaChart::render() const {
  Json out;
  out["type"] = "vegaChart";
  Json spec = spec_;
  if (!spec.contains("width")) spec["width"] = "container";
  out["spec"] = std::move(spec);
  out["id"] = id();
  if (!show_controls_) out["options"] = {{"actions", false}};
  return out;
}

ProgressBar::ProgressBar(ProgressBarOptions options) : Component("progressbar"), o_(std::move(options)) {}

void ProgressBar::update(int64_t value, std::optional<std::string> details) {
  o_.value = value;
  if (details) o_.details = std::move(*details);
}

Json ProgressBar::render() const {
  Json out;
  out["type"] = "progressBar";
  out["id"] = id();
  out["max"] = o_.max;
  out["value"] = o_.value;
  if (!o_.label.empty()) out["label"] = o_.label;
  if (!o_.unit.empty()) out["unit"] = o_.unit;
  if (!o_.details.empty()) out["details"] = o_.details;
  return out;
}

ValueBox::ValueBox(ValueBoxOptions options) : Component("valuebox"), o_(std::move(options)) {
  static const char* kThemes[] = {"default", "success", "warning", "danger", "bg-gradient-indigo-purple"};
  if (std::find(std::begin(kThemes), std::end(kThemes), o_.theme) == std::end(kThemes)) {
    throw std::invalid_argument("ValueBox: unknown theme '" + o_.theme +
                                "' (default, success, warning, danger, bg-gradient-indigo-purple)");
  }
  update(o_.value);
}

void ValueBox::update(Json value, std::optional<std::string> change_indicator) {
  if (!value.is_string() && !value.is_number()) {
    throw std::invalid_argument("ValueBox: the value must be text or a number, not " + value.dump());
  }
  o_.value = std::move(value);
  if (change_indicator) o_.change_indicator = std::move(*change_indicator);
}

Json ValueBox::render() const {
  Json out;
  out["type"] = "valueBox";
  out["id"] = id();
  out["value"] = o_.value.is_string() ? Json(truncate(o_.value.get<std::string>(), kValueBoxValueMax)) : o_.value;
  if (!o_.title.empty()) out["title"] = truncate(o_.title, kValueBoxTitleMax);
  if (!o_.subtitle.empty()) out["subtitle"] = truncate(o_.subtitle, kValueBoxSubtitleMax);
  out["theme"] = o_.theme;
  if (!o_.change_indicator.empty()) out["change_indicator"] = o_.change_indicator;
  return out;
}

Error::Error(std::string what, std::string title)
    : Component("error"), what_(std::move(what)), title_(std::move(title)) {}

Json Error::render() const {
  // Metaflow's Error renders as a log block and carries no id (it is never updated).
  return Json{{"type", "log"}, {"data", title_ + "\n\n" + what_}};
}

JsonViewer::JsonViewer(Json data, JsonViewerOptions options)
    : Component("jsonviewer"), data_(std::move(data)), o_(std::move(options)) {}

void JsonViewer::update(Json data) { data_ = std::move(data); }

Json JsonViewer::render() const {
  Json out;
  out["type"] = "jsonViewer";
  out["id"] = id();
  out["json_string"] = data_.dump(2, ' ', false, Json::error_handler_t::replace);
  out["collapsible"] = o_.collapsible;
  out["show_copy_button"] = o_.show_copy_button;
  out["title"] = o_.title;
  if (o_.max_height > 0) out["max_height"] = o_.max_height;
  return out;
}

Artifact::Artifact(const Value& value, std::string name)
    : Component("artifact"), name_(std::move(name)), type_(value.python_type_name()), repr_(value.python_repr()) {
  std::string cut = truncate(repr_, kArtifactReprMax);
  if (cut.size() < repr_.size()) repr_ = std::move(cut) + "...";
}

Json Artifact::render() const {
  Json row;
  row["name"] = name_.empty() ? Json() : Json(name_);
  row["type"] = type_;
  row["data"] = repr_;
  return Json{{"type", "artifacts"}, {"data", Json::array({row})}, {"id", id()}};
}

}  // namespace conflux::cards
