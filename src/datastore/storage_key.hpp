// Storage keys: '/'-separated paths relative to a StorageBackend's root
// ("Flow/12/start/1/0.data.json").
//
// A valid key is non-empty, does not start or end with '/', has no empty, "." or ".." component and
// no NUL byte, so a key can never escape the root. Names that become one component of a key (flow,
// run, step and task ids, artifact names) must additionally contain no '/'. All functions are pure
// and thread-safe.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "conflux/status.hpp"

namespace conflux {

// OK if `key` is a valid key; InvalidArgument naming the key otherwise.
Status check_storage_key(std::string_view key);

// OK if `name` can be used as one key component; InvalidArgument naming `what` ("step name")
// otherwise.
Status check_key_component(std::string_view name, std::string_view what);

// Joins components with '/'. Does not validate.
std::string join_key(std::initializer_list<std::string_view> parts);

}  // namespace conflux
