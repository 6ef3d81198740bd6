// Parameter<T>: a typed run option, declared once as a flow member, read-only in steps.
//
//   conflux::Parameter<int64_t> shards{this, "shards", 4, "how many shards"};
//   conflux::Parameter<std::string> region{this, "region", {.help = "where", .required = true}};
//   conflux::Parameter<std::vector<std::string>> files{this, "files", {.separator = ","}};
//   conflux::Parameter<std::string> mode{this, "mode", {.default_value = "fast", .choices = {"fast", "exact"}}};
//
// Each parameter is an option `--<name>` of `run`. Supported types: bool, int64_t, double,
// std::string, nlohmann::json, and std::vector<std::string> (split on `separator`). Values are
// validated before anything runs and stored as artifacts of the run's `_parameters` task.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "conflux/codec.hpp"
#include "conflux/flow_base.hpp"
#include "conflux/flow_spec_types.hpp"

namespace conflux {

template <class T>
struct ParameterOptions {
  // A list parameter's choices are the values each of its items may take.
  using Choice = std::conditional_t<std::is_same_v<T, std::vector<std::string>>, std::string, T>;

  std::optional<T> default_value;
  std::string help;
  bool required = false;
  std::string separator;  // std::vector<std::string> parameters only; "," if empty
  // The only values allowed (empty: any). Strings, integers, floats and string lists; `check`
  // reports choices on bool and JSON parameters, and a default that is not among them.
  std::vector<Choice> choices;
};

// The type-erased face of Parameter<T>, used by the command line and the runtime.
class ParameterSlot : public ArtifactSlot {
 public:
  ParameterSlot(FlowBase* owner, std::string name) : ArtifactSlot(owner, std::move(name), Kind::kParameter) {}
  virtual ParameterDescription describe() const = 0;
  // Parses a command-line value; the error names the parameter and the expected type.
  virtual Status parse(std::string_view text) = 0;
  // Sets the default value, if any (run without --<name>).
  virtual void apply_default() = 0;
};

namespace detail {
// Parses `text` as a parameter of `type`; errors say what was expected. Defined in src/flow.
Result<nlohmann::json> parse_parameter_text(std::string_view name, ParameterType type,
                                            std::string_view text, std::string_view separator);
// OK if `value` (each item, for a list) is one of the parameter's choices, or it has none;
// InvalidArgument naming the parameter, the value and the choices otherwise. In src/flow.
Status check_parameter_choice(const ParameterDescription& parameter, const nlohmann::json& value);
// "'a', 'b', 'c'" (strings quoted), for messages and help.
std::string choices_text(const nlohmann::json& choices);

template <class T>
constexpr ParameterType parameter_type_of() {
  if constexpr (std::is_same_v<T, bool>) return ParameterType::kBool;
  else if constexpr (std::is_same_v<T, int64_t>) return ParameterType::kInt;
  else if constexpr (std::is_same_v<T, double>) return ParameterType::kFloat;
  else if constexpr (std::is_same_v<T, std::string>) return ParameterType::kString;
  else if constexpr (std::is_same_v<T, nlohmann::json>) return ParameterType::kJson;
  else if constexpr (std::is_same_v<T, std::vector<std::string>>) return ParameterType::kStringList;
  else static_assert(sizeof(T) == 0,
                     "conflux::Parameter<T>: T must be bool, int64_t, double, std::string, "
                     "nlohmann::json or std::vector<std::string>");
}
}  // namespace detail

template <class T>
class Parameter : public ParameterSlot {
 public:
  // `help` is required here so that `{this, "name", {.help = ...}}` unambiguously means options.
  Parameter(FlowBase* flow, std::string name, T default_value, std::string help)
      : ParameterSlot(flow, std::move(name)) {
    options_.default_value = std::move(default_value);
    options_.help = std::move(help);
  }
  Parameter(FlowBase* flow, std::string name, ParameterOptions<T> options)
      : ParameterSlot(flow, std::move(name)), options_(std::move(options)) {}

  const T& operator*() const { return get(); }
  const T* operator->() const { return &get(); }
  const T& get() const {
    if (!value_ && !ensure_loaded()) {
      if (options_.default_value) return *options_.default_value;
      throw ArtifactError("parameter '" + name() + "' has no value");
    }
    return *value_;
  }

  ParameterDescription describe() const override {
    ParameterDescription d;
    d.name = name();
    d.type = detail::parameter_type_of<T>();
    d.help = options_.help;
    d.required = options_.required;
    if (options_.default_value) d.default_value = nlohmann::json(*options_.default_value);
    d.separator = options_.separator;
    if (d.type == ParameterType::kStringList && d.separator.empty()) d.separator = ",";
    for (const auto& c : options_.choices) d.choices.push_back(nlohmann::json(c));
    return d;
  }
  Status parse(std::string_view text) override {
    ParameterDescription d = describe();
    auto parsed = detail::parse_parameter_text(name(), d.type, text, d.separator);
    if (!parsed.ok()) return parsed.status();
    CONFLUX_RETURN_IF_ERROR(detail::check_parameter_choice(d, *parsed));
    value_ = parsed->template get<T>();
    load_attempted_ = true;
    mark_dirty();
    return Status();
  }
  void apply_default() override {
    if (options_.default_value) {
      value_ = *options_.default_value;
      load_attempted_ = true;
      mark_dirty();
    }
  }

  bool has_value() const override { return value_.has_value() || ensure_loaded(); }
  Status encode(ByteSink& sink) const override { return encode_pickle<T>(get(), sink); }
  Status decode(ByteSource& source) override {
    auto decoded = decode_pickle<T>(source);
    if (!decoded.ok()) return decoded.status();
    value_ = std::move(decoded).value();
    return Status();
  }
  std::string python_type() const override { return python_type_of<T>(get()); }
  Value to_value() const override { return Codec<T>::to_value(get()); }
  void reset() override {
    value_.reset();
    load_attempted_ = false;
    clear_dirty();
  }

 private:
  ParameterOptions<T> options_;
  mutable std::optional<T> value_;
};

}  // namespace conflux
