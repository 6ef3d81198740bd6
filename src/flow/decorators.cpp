#include "flow/decorators.hpp"

#include <map>
#include <regex>

namespace conflux {

namespace {

using ojson = nlohmann::ordered_json;

// Each known step decorator with its attributes and defaults, as Metaflow declares them.
const std::map<std::string, ojson, std::less<>>& known_decorators() {
  static const auto* table = new std::map<std::string, ojson, std::less<>>{
      {"retry", ojson{{"times", 3}, {"minutes_between_retries", 2}}},
      {"catch", ojson{{"var", nullptr}, {"print_exception", true}}},
      {"timeout", ojson{{"seconds", 0}, {"minutes", 0}, {"hours", 0}}},
      {"resources", ojson{{"cpu", 1}, {"gpu", nullptr}, {"disk", nullptr}, {"memory", 4096},
                          {"shared_memory", nullptr}}},
      {"environment", ojson{{"vars", ojson::object()}}},
      // Runs the step's tasks as Slurm jobs (src/runtime/slurm). Unset attributes fall back to
      // the CONFLUX_SLURM_* settings.
      {"slurm", ojson{{"partition", nullptr}, {"account", nullptr}, {"qos", nullptr}, {"constraint", nullptr},
                      {"sbatch_options", nullptr}, {"login_host", nullptr}, {"conflux", nullptr},
                      {"workdir", nullptr}}},
      // Kubernetes: the pod a step's tasks run in when the flow is deployed to Argo Workflows
      // (src/deploy/argo). Unset attributes fall back to CONFLUX_KUBERNETES_* settings; cpu,
      // memory, gpu and disk default to .resources().
      {"kubernetes", ojson{{"image", nullptr}, {"cpu", nullptr}, {"memory", nullptr}, {"disk", nullptr},
                           {"gpu", nullptr}, {"namespace", nullptr}, {"service_account", nullptr},
                           {"node_selector", nullptr}, {"tolerations", nullptr}, {"secrets", nullptr},
                           {"labels", nullptr}, {"annotations", nullptr}}},
      // A card attached to each task (src/card); Metaflow's @card attributes.
      {"card", ojson{{"type", "default"}, {"id", nullptr}, {"options", ojson::object()}, {"scope", "task"},
                     {"timeout", 45}, {"refresh_interval", 5}, {"save_errors", true}, {"rank", nullptr},
                     {"customize", false}}},
  };
  return *table;
}

std::string known_names() {
  std::string out;
  for (const auto& [name, attrs] : known_decorators()) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

ojson parse_value(std::string_view text) {
  ojson parsed = ojson::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return ojson(std::string(text));
  return parsed;
}

bool is_non_negative_integer(const ojson& v) {
  return (v.is_number_integer() && v.get<int64_t>() >= 0) || v.is_number_unsigned();
}

// Kubernetes' own rules: label values are at most 63 characters of [A-Za-z0-9-_.], starting and
// ending with an alphanumeric; quantities are positive.
Status validate_kubernetes_attributes(const ojson& a) {
  static const std::regex label_value("(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?");
  for (const char* key : {"image", "namespace", "service_account"}) {
    if (!a[key].is_null() && (!a[key].is_string() || a[key].get<std::string>().empty())) {
      return Status::invalid_argument(std::string(key) + " must be a non-empty string");
    }
  }
  for (const char* key : {"cpu", "memory", "disk", "gpu"}) {
    if (!a[key].is_null() && (!a[key].is_number() || a[key].get<double>() <= 0)) {
      return Status::invalid_argument(std::string(key) + " must be a positive number");
    }
  }
  if (!a["gpu"].is_null() && !a["gpu"].is_number_integer() && !a["gpu"].is_number_unsigned()) {
    return Status::invalid_argument("gpu must be a whole number");
  }
  for (const char* key : {"node_selector", "labels", "annotations"}) {
    if (a[key].is_null()) continue;
    if (!a[key].is_object()) return Status::invalid_argument(std::string(key) + " must be a JSON object of strings");
    for (const auto& [k, v] : a[key].items()) {
      if (!v.is_string()) return Status::invalid_argument(std::string(key) + " '" + k + "' must be a string");
      if (std::string(key) == "labels" && !std::regex_match(v.get<std::string>(), label_value)) {
        return Status::invalid_argument("label " + k + "=" + v.get<std::string>() +
                                        " is not a valid Kubernetes label value (at most 63 letters, digits, "
                                        "'-', '_' and '.', starting and ending with a letter or digit)");
      }
    }
  }
  if (!a["secrets"].is_null()) {
    bool ok = a["secrets"].is_array();
    if (ok) for (const auto& v : a["secrets"]) ok = ok && v.is_string() && !v.get<std::string>().empty();
    if (!ok) return Status::invalid_argument("secrets must be a list of Kubernetes secret names");
  }
  if (!a["tolerations"].is_null()) {
    bool ok = a["tolerations"].is_array();
    if (ok) for (const auto& v : a["tolerations"]) ok = ok && v.is_object();
    if (!ok) return Status::invalid_argument("tolerations must be a list of objects such as {\"key\": \"gpu\", \"operator\": \"Exists\"}");
  }
  return Status();
}

}  // namespace

Result<DecoratorSpec> parse_decospec(std::string_view spec) {
  DecoratorSpec out;
  out.from_command_line = true;
  size_t colon = spec.find(':');
  out.name = std::string(spec.substr(0, colon));
  if (out.name.empty()) {
    return Status::invalid_argument("--with '" + std::string(spec) + "': missing decorator name");
  }
  if (colon != std::string_view::npos) {
    std::string_view rest = spec.substr(colon + 1);
    // Split on commas that are outside braces/brackets/quotes, so JSON values may hold commas.
    int depth = 0;
    bool quoted = false;
    size_t start = 0;
    for (size_t i = 0; i <= rest.size(); ++i) {
      char c = i < rest.size() ? rest[i] : ',';
      if (c == '"') quoted = !quoted;
      if (!quoted && (c == '{' || c == '[')) ++depth;
      if (!quoted && (c == '}' || c == ']')) --depth;
      if (c == ',' && depth == 0 && !quoted) {
        std::string_view item = rest.substr(start, i - start);
        start = i + 1;
        if (item.empty()) continue;
        size_t eq = item.find('=');
        if (eq == std::string_view::npos || eq == 0) {
          return Status::invalid_argument("--with '" + std::string(spec) + "': '" +
                                          std::string(item) + "' is not attribute=value");
        }
        out.attributes[std::string(item.substr(0, eq))] = parse_value(item.substr(eq + 1));
      }
    }
  }
  return with_defaults(out);
}

Result<DecoratorSpec> with_defaults(const DecoratorSpec& spec) {
  const auto& table = known_decorators();
  auto it = table.find(spec.name);
  if (it == table.end()) {
    return Status::invalid_argument("unknown decorator @" + spec.name + " (known: " +
                                    known_names() + ")");
  }
  DecoratorSpec out = spec;
  out.attributes = it->second;
  for (const auto& [key, value] : spec.attributes.items()) {
    if (!it->second.contains(key)) {
      std::string allowed;
      for (const auto& [k, v] : it->second.items()) allowed += (allowed.empty() ? "" : ", ") + k;
      return Status::invalid_argument("@" + spec.name + " has no attribute '" + key +
                                      "' (attributes: " + allowed + ")");
    }
    out.attributes[key] = value;
  }
  return out;
}

const DecoratorSpec* find_decorator(const StepDescription& step, std::string_view name) {
  for (const auto& d : step.decorators) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

int64_t timeout_seconds(const StepDescription& step) {
  const DecoratorSpec* d = find_decorator(step, "timeout");
  if (!d) return 0;
  auto get = [&](const char* key) {
    return d->attributes.contains(key) && d->attributes[key].is_number()
               ? d->attributes[key].get<int64_t>() : 0;
  };
  return get("seconds") + 60 * get("minutes") + 3600 * get("hours");
}

Status validate_decorator(const StepDescription& step, const DecoratorSpec& spec, bool is_split) {
  auto fail = [&](const std::string& what) {
    return Status::invalid_argument("step '" + step.name + "': @" + spec.name + ": " + what);
  };
  auto full = with_defaults(spec);
  if (!full.ok()) return fail(full.status().message());
  const ojson& a = full->attributes;
  if (spec.name == "retry") {
    if (!is_non_negative_integer(a["times"])) return fail("times must be a non-negative integer");
    if (!is_non_negative_integer(a["minutes_between_retries"])) {
      return fail("minutes_between_retries must be a non-negative integer");
    }
    if (a["times"].get<int64_t>() > kMaxRetryTimes) {
      return fail("times=" + a["times"].dump() + " is too large: at most " +
                  std::to_string(kMaxRetryTimes) + " retries are allowed");
    }
  } else if (spec.name == "catch") {
    if (is_split) {
      return fail("@catch is not allowed on a foreach or switch step (its transition depends on "
                  "the step's result)");
    }
    if (!a["var"].is_null() && !a["var"].is_string()) return fail("var must be an artifact name");
    if (!a["print_exception"].is_boolean()) return fail("print_exception must be true or false");
  } else if (spec.name == "timeout") {
    for (const char* key : {"seconds", "minutes", "hours"}) {
      if (!is_non_negative_integer(a[key])) {
        return fail(std::string(key) + " must be a non-negative integer");
      }
    }
    if (a["seconds"].get<int64_t>() + a["minutes"].get<int64_t>() + a["hours"].get<int64_t>() == 0) {
      return fail("the timeout must be longer than 0 seconds");
    }
  } else if (spec.name == "resources") {
    if (!a["cpu"].is_number() || a["cpu"].get<double>() <= 0) return fail("cpu must be a positive number");
    if (!a["memory"].is_number() || a["memory"].get<double>() <= 0) {
      return fail("memory must be a positive number of megabytes");
    }
    for (const char* key : {"gpu", "disk", "shared_memory"}) {
      if (!a[key].is_null() && (!a[key].is_number() || a[key].get<double>() < 0)) {
        return fail(std::string(key) + " must be a non-negative number");
      }
    }
  } else if (spec.name == "slurm") {
    for (const auto& [key, value] : a.items()) {
      if (key == "sbatch_options") {
        bool ok = value.is_null() || value.is_string() || value.is_array();
        if (value.is_array()) {
          for (const auto& v : value) ok = ok && v.is_string() && v.get<std::string>().rfind("-", 0) == 0;
        }
        if (!ok) return fail("sbatch_options must be a list of sbatch options such as [\"--exclusive\"]");
      } else if (!value.is_null() && (!value.is_string() || value.get<std::string>().empty())) {
        return fail(key + " must be a non-empty string");
      }
    }
  } else if (spec.name == "kubernetes") {
    CONFLUX_RETURN_IF_ERROR(validate_kubernetes_attributes(a).with_context("step '" + step.name + "': @kubernetes"));
  } else if (spec.name == "card") {
    static const std::regex card_name("[A-Za-z0-9_]+");
    if (!a["type"].is_string() || (a["type"] != "default" && a["type"] != "blank")) {
      return fail("type must be \"default\" or \"blank\" (got " + a["type"].dump() + ")");
    }
    if (!a["id"].is_null() &&
        (!a["id"].is_string() || !std::regex_match(a["id"].get<std::string>(), card_name))) {
      return fail("id must be letters, digits and underscores (got " + a["id"].dump() + ")");
    }
    if (!a["options"].is_object()) return fail("options must be a JSON object");
    for (const char* key : {"timeout", "refresh_interval"}) {
      if (!a[key].is_number_integer() || a[key].get<int64_t>() < 1) return fail(std::string(key) + " must be a positive integer");
    }
    if (!a["save_errors"].is_boolean()) return fail("save_errors must be true or false");
  } else if (spec.name == "environment") {
    if (!a["vars"].is_object()) return fail("vars must be a JSON object of strings");
    for (const auto& [key, value] : a["vars"].items()) {
      if (!value.is_string()) return fail("variable '" + key + "' must be a string");
    }
  }
  return Status();
}

Status attach_decospecs(FlowDescription& flow, const std::vector<std::string>& decospecs) {
  for (const std::string& text : decospecs) {
    CONFLUX_ASSIGN_OR_RETURN(DecoratorSpec spec, parse_decospec(text));
    for (StepDescription& step : flow.steps) {
      if (!find_decorator(step, spec.name)) step.decorators.push_back(spec);
    }
  }
  return Status();
}

}  // namespace conflux
