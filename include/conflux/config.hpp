// Config: a JSON or TOML document given when a run starts, read before the graph is built
// (Metaflow's Config).
//
//   conflux::Config train{this, "train", {.default_path = "train.json", .help = "training setup"}};
//
//   ./myflow --config train prod.toml run         read prod.toml (TOML: by its extension)
//   ./myflow --config-value train '{"epochs": 3}' run
//
// Steps read it as JSON (`train->at("epochs")`, `train.at<int64_t>("model.depth")`); the graph
// reads it through `g.config(&MyFlow::train)`, so decorators can depend on it:
//   g.step("fit", &MyFlow::fit).resources({.cpu = g.config(&MyFlow::train).value("cpu", 1)});
// A config is stored as an artifact of the run's `_parameters` task (a dict in Python), keeps its
// value on resume (as in Metaflow: it cannot change), and reaches every task, local or remote.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "conflux/codec.hpp"
#include "conflux/flow_base.hpp"
#include "conflux/flow_spec_types.hpp"

namespace conflux {

struct ConfigOptions {
  // Read when the command line gives no --config/--config-value for this config; relative to
  // the working directory. A missing default file is an error naming it.
  std::string default_path;
  // Used when neither the command line nor default_path gives a value.
  std::optional<nlohmann::json> default_value;
  std::string help;
  // Without a value from any source: required is an error, otherwise the config is null.
  bool required = false;
  ConfigFormat format = ConfigFormat::kAuto;
};

class Config : public ArtifactSlot {
 public:
  Config(FlowBase* flow, std::string name, ConfigOptions options = {})
      : ArtifactSlot(flow, std::move(name), Kind::kConfig), options_(std::move(options)) {}

  const nlohmann::json& operator*() const { return get(); }
  const nlohmann::json* operator->() const { return &get(); }
  const nlohmann::json& get() const {
    if (!value_) throw ArtifactError("config '" + name() + "' has no value (was the flow described without configs?)");
    return *value_;
  }
  // The value at a dotted path ("model.depth") converted to T; errors name the config and path.
  template <class T>
  T at(std::string_view dotted_path) const {
    const nlohmann::json& node = detail_find(dotted_path);
    try {
      return node.get<T>();
    } catch (const nlohmann::json::exception&) {
      throw ArtifactError("config '" + name() + "': '" + std::string(dotted_path) + "' is " + node.dump() +
                          ", not the type the step asked for");
    }
  }

  ConfigDescription describe() const {
    return {name(), options_.help, options_.default_path, options_.default_value, options_.required, options_.format};
  }
  // Set by the flow's description before anything reads it (see describe_flow). Not a change
  // the task stores: the run's `_parameters` task holds it, and tasks pass it down.
  void set(nlohmann::json value) { value_ = std::move(value); }

  bool has_value() const override { return value_.has_value(); }
  Status encode(ByteSink& sink) const override { return encode_pickle<nlohmann::json>(get(), sink); }
  Status decode(ByteSource& source) override {
    auto decoded = decode_pickle<nlohmann::json>(source);
    if (!decoded.ok()) return decoded.status();
    value_ = std::move(decoded).value();
    return Status();
  }
  std::string python_type() const override { return python_type_of<nlohmann::json>(get()); }
  Value to_value() const override { return Codec<nlohmann::json>::to_value(get()); }
  // A config keeps its value across tasks: it is the run's, not the task's.
  void reset() override { clear_dirty(); }

 private:
  const nlohmann::json& detail_find(std::string_view dotted_path) const {
    const nlohmann::json* node = &get();
    size_t start = 0;
    while (start <= dotted_path.size()) {
      size_t dot = dotted_path.find('.', start);
      std::string key(dotted_path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
      if (!node->is_object() || !node->contains(key)) {
        throw ArtifactError("config '" + name() + "' has no '" + std::string(dotted_path) + "'");
      }
      node = &(*node)[key];
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    return *node;
  }

  ConfigOptions options_;
  std::optional<nlohmann::json> value_;
};

}  // namespace conflux
