// SqlValue: a value bound to a `?` placeholder, for both backends (NULL, integer or text). Values
// are always bound, never formatted into SQL text, so nothing a client sends can change a
// statement's meaning.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace conflux::service {

using SqlValue = std::variant<std::nullptr_t, int64_t, std::string>;

inline SqlValue sql_opt(const std::optional<std::string>& v) { return v ? SqlValue(*v) : SqlValue(nullptr); }
inline SqlValue sql_opt(const std::optional<int64_t>& v) { return v ? SqlValue(*v) : SqlValue(nullptr); }

}  // namespace conflux::service
