// to_yaml(): JSON documents as block-style YAML, the form Kubernetes manifests are read and
// reviewed in. Strings that YAML would read as something else (true, 1.0, null, "a: b", ...)
// are double-quoted with JSON's escapes, which YAML reads the same way.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace conflux {

// One document per element, separated by "---".
std::string to_yaml(const std::vector<nlohmann::ordered_json>& documents);

}  // namespace conflux
