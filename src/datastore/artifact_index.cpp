#include "datastore/artifact_index.hpp"

#include <limits>
#include <map>
#include <set>

#include "base/py_json.hpp"

namespace conflux {

const ArtifactEntry* ArtifactIndex::find(std::string_view name) const {
  for (const ArtifactEntry& e : artifacts) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

std::string ArtifactIndex::to_json() const {
  std::string out;
  out.reserve(256 + artifacts.size() * 200);
  PyJsonObject top(out);
  top.add_string("datastore", datastore)
      .add_string("version", version)
      .add_int("attempt", attempt)
      .add_string("python_version", python_version);
  {
    PyJsonObject objects(top.key("objects"));
    for (const ArtifactEntry& e : artifacts) objects.add_string(e.name, e.sha);
    objects.finish();
  }
  {
    PyJsonObject info(top.key("info"));
    for (const ArtifactEntry& e : artifacts) {
      if (!e.has_info) continue;
      PyJsonObject one(info.key(e.name));
      one.add_int("size", static_cast<int64_t>(e.info.size))
          .add_string("type", e.info.type)
          .add_string("encoding", e.info.encoding);
      if (!e.info.serializer_info.empty() && !e.info.serializer_info.is_null()) {
        py_json_value(one.key("serializer_info"), e.info.serializer_info);
      }
      one.finish();
    }
    info.finish();
  }
  top.finish();
  return out;
}

namespace {

// Reads a well-formed data.json straight into an ArtifactIndex from the parser's events, without
// building the document (a join, resume's scan and its clones read one per task: at 100,000 tasks
// the document's allocations and ordered_map copies were most of their time). Anything unusual
// (a type other than Metaflow writes, a duplicate name, bad JSON) stops it, and from_json() then
// reads the file the general way, which keeps its exact results and errors.
class IndexReader final : public nlohmann::json_sax<nlohmann::ordered_json> {
 public:
  bool read(std::string_view text) {
    index_.datastore.clear();  // absent fields read as empty, as the document reader has them
    index_.version.clear();
    return nlohmann::ordered_json::sax_parse(text, this) && done_;
  }

  // The index, artifacts in "objects" order, with Metaflow's defaults for a name without info.
  ArtifactIndex take() {
    for (auto& [name, sha] : objects_) {
      ArtifactEntry e;
      e.name = name;
      e.sha = std::move(sha);
      auto info = infos_.find(name);
      if (info == infos_.end()) {
        e.has_info = false;
        e.info.type = "object";
        e.info.encoding = "gzip+pickle-v2";
        e.info.serializer_info = nlohmann::ordered_json::object();
      } else {
        e.info = std::move(info->second);
      }
      index_.artifacts.push_back(std::move(e));
    }
    return std::move(index_);
  }

  bool null() override { return scalar(nlohmann::ordered_json(nullptr)); }
  bool boolean(bool v) override { return scalar(nlohmann::ordered_json(v)); }
  bool number_integer(number_integer_t v) override {
    if (capture_ || skip_ || v < 0) return scalar(nlohmann::ordered_json(v));
    return unsigned_value(static_cast<uint64_t>(v));
  }
  bool number_unsigned(number_unsigned_t v) override {
    if (capture_ || skip_) return scalar(nlohmann::ordered_json(v));
    return unsigned_value(v);
  }
  bool number_float(number_float_t v, const string_t&) override { return scalar(nlohmann::ordered_json(v)); }
  bool binary(binary_t&) override { return false; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

  bool string(string_t& v) override {
    if (capture_ || skip_) return scalar(nlohmann::ordered_json(std::move(v)));
    if (depth_ == 1) {
      if (key_ == "datastore") index_.datastore = std::move(v);
      else if (key_ == "version") index_.version = std::move(v);
      else if (key_ == "python_version") index_.python_version = std::move(v);
      else if (key_ == "attempt" || key_ == "objects" || key_ == "info") return false;
      return true;
    }
    if (depth_ == 2 && section_ == Section::kObjects) {
      for (const auto& [name, sha] : objects_) {
        if (name == key_) return false;  // a duplicate name
      }
      objects_.emplace_back(std::move(key_), std::move(v));
      return true;
    }
    if (depth_ == 3 && section_ == Section::kInfo) {
      if (field_ == "type") current_info_->type = std::move(v);
      else if (field_ == "encoding") current_info_->encoding = std::move(v);
      else if (field_ == "serializer_info") current_info_->serializer_info = std::move(v);
      else if (field_ == "size") return false;
      return true;
    }
    return false;
  }

  bool start_object(std::size_t) override {
    if (skip_) return ++skip_ > 0;
    if (capture_) return push_container(nlohmann::ordered_json::object());
    if (depth_ == 0) return ++depth_ > 0;
    if (depth_ == 1 && (key_ == "objects" || key_ == "info")) {
      if (!seen_sections_.insert(key_).second) return false;
      section_ = key_ == "objects" ? Section::kObjects : Section::kInfo;
      return ++depth_ > 0;
    }
    if (depth_ == 1) return !known_top_key() && (skip_ = 1) > 0;
    if (depth_ == 2 && section_ == Section::kInfo) {
      if (infos_.count(key_)) return false;  // a duplicate name
      current_info_ = &infos_[key_];
      // Metaflow's defaults for fields an entry leaves out.
      current_info_->type = "object";
      current_info_->encoding = "gzip+pickle-v2";
      current_info_->serializer_info = nlohmann::ordered_json::object();
      return ++depth_ > 0;
    }
    if (depth_ == 3 && field_ == "serializer_info") return push_container(nlohmann::ordered_json::object());
    if (depth_ == 3) return !known_info_field() && (skip_ = 1) > 0;
    return false;
  }
  bool start_array(std::size_t) override {
    if (skip_) return ++skip_ > 0;
    if (capture_) return push_container(nlohmann::ordered_json::array());
    if (depth_ == 1) return !known_top_key() && (skip_ = 1) > 0;
    if (depth_ == 3 && field_ == "serializer_info") return push_container(nlohmann::ordered_json::array());
    if (depth_ == 3) return !known_info_field() && (skip_ = 1) > 0;
    return false;
  }
  bool end_object() override { return end_container(); }
  bool end_array() override { return end_container(); }

  bool key(string_t& k) override {
    if (skip_) return true;
    if (capture_) {
      keys_.back() = std::move(k);
      return true;
    }
    if (depth_ == 1) {
      if (!seen_top_keys_.insert(k).second) return false;
      key_ = std::move(k);
    } else if (depth_ == 2) {
      key_ = std::move(k);
    } else if (depth_ == 3) {
      field_ = std::move(k);
    }
    return true;
  }

 private:
  enum class Section { kNone, kObjects, kInfo };

  bool known_top_key() const {
    return key_ == "datastore" || key_ == "version" || key_ == "python_version" || key_ == "attempt" ||
           key_ == "objects" || key_ == "info";
  }
  bool known_info_field() const { return field_ == "size" || field_ == "type" || field_ == "encoding"; }

  bool unsigned_value(uint64_t v) {
    if (depth_ == 1 && key_ == "attempt") {
      if (v > static_cast<uint64_t>(std::numeric_limits<int>::max())) return false;
      index_.attempt = static_cast<int>(v);
      return true;
    }
    if (depth_ == 1) return !known_top_key();  // an extra field

    if (depth_ == 3 && section_ == Section::kInfo && field_ != "type" && field_ != "encoding") {
      if (field_ == "size") current_info_->size = v;
      if (field_ == "serializer_info") current_info_->serializer_info = v;
      return true;
    }
    return false;
  }

  // A value that is no integer or string: kept inside serializer_info, skipped inside extra
  // fields, refused where Metaflow writes something else.
  bool scalar(nlohmann::ordered_json v) {
    if (skip_) return true;
    if (capture_) return add_captured(std::move(v));
    if (depth_ == 1) return !known_top_key();
    if (depth_ == 3 && section_ == Section::kInfo) {
      if (field_ == "serializer_info") {
        current_info_->serializer_info = std::move(v);
        return true;
      }
      return !known_info_field();
    }
    return false;
  }

  bool push_container(nlohmann::ordered_json container) {
    stack_.push_back(std::move(container));
    keys_.emplace_back();
    capture_ = true;
    return true;
  }
  bool add_captured(nlohmann::ordered_json v) {
    nlohmann::ordered_json& top = stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
    } else {
      if (top.contains(keys_.back())) return false;
      top[keys_.back()] = std::move(v);
    }
    return true;
  }

  bool end_container() {
    if (skip_) {
      --skip_;
      return true;
    }
    if (capture_) {
      nlohmann::ordered_json done = std::move(stack_.back());
      stack_.pop_back();
      keys_.pop_back();
      if (!stack_.empty()) return add_captured(std::move(done));
      capture_ = false;
      current_info_->serializer_info = std::move(done);
      return true;
    }
    --depth_;
    if (depth_ == 0) done_ = true;
    if (depth_ == 1) section_ = Section::kNone;
    return true;
  }

  ArtifactIndex index_;
  std::vector<std::pair<std::string, std::string>> objects_;  // name, sha in document order
  std::map<std::string, ArtifactInfo> infos_;
  ArtifactInfo* current_info_ = nullptr;
  std::set<std::string> seen_top_keys_, seen_sections_;
  std::string key_, field_;
  Section section_ = Section::kNone;
  int depth_ = 0;     // 1: the document, 2: objects/info, 3: one info entry
  int skip_ = 0;      // nesting inside a value that is skipped
  bool capture_ = false;  // building serializer_info
  std::vector<nlohmann::ordered_json> stack_;
  std::vector<std::string> keys_;
  bool done_ = false;
};

}  // namespace

Result<ArtifactIndex> ArtifactIndex::from_json(std::string_view text) {
  IndexReader reader;
  if (reader.read(text)) return reader.take();
  return from_json_document(text);
}

Result<ArtifactIndex> ArtifactIndex::from_json_document(std::string_view text) {
  nlohmann::ordered_json doc =
      nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Status::corruption("data.json is not a JSON object");
  try {
    ArtifactIndex index;
    index.datastore = doc.value("datastore", std::string());
    index.version = doc.value("version", std::string());
    auto attempt = doc.find("attempt");
    if (attempt != doc.end() && attempt->is_number_integer()) index.attempt = attempt->get<int>();
    index.python_version = doc.value("python_version", std::string());
    static const nlohmann::ordered_json kEmpty = nlohmann::ordered_json::object();
    auto objects_it = doc.find("objects");
    auto info_it = doc.find("info");
    const nlohmann::ordered_json& objects = objects_it != doc.end() ? *objects_it : kEmpty;
    const nlohmann::ordered_json& infos = info_it != doc.end() ? *info_it : kEmpty;
    if (!objects.is_object() || !infos.is_object()) {
      return Status::corruption("data.json: \"objects\" and \"info\" must be objects");
    }
    index.artifacts.reserve(objects.size());
    for (const auto& [name, sha] : objects.items()) {
      ArtifactEntry e;
      e.name = name;
      e.sha = sha.get<std::string>();
      auto info = infos.find(name);
      if (info == infos.end() || !info->is_object()) {
        e.has_info = false;
        e.info.type = "object";
        e.info.encoding = "gzip+pickle-v2";
        e.info.serializer_info = nlohmann::ordered_json::object();
      } else {
        e.info.size = info->value("size", uint64_t{0});
        e.info.type = info->value("type", std::string("object"));
        e.info.encoding = info->value("encoding", std::string("gzip+pickle-v2"));
        auto si = info->find("serializer_info");
        e.info.serializer_info = si != info->end() ? *si : nlohmann::ordered_json::object();
      }
      index.artifacts.push_back(std::move(e));
    }
    return index;
  } catch (const nlohmann::json::exception& ex) {
    return Status::corruption(std::string("data.json: ") + ex.what());
  }
}

}  // namespace conflux
