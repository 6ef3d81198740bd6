#include "datastore/artifact_index.hpp"

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

Result<ArtifactIndex> ArtifactIndex::from_json(std::string_view text) {
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
