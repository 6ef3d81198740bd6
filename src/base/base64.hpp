// Standard base64 (RFC 4648, '+' '/' and '=' padding), as Python's base64.b64encode writes and
// b64decode(validate=False) reads: service cursors, compressed input paths.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace conflux {

std::string base64_encode(std::string_view in);
// Characters outside the alphabet are dropped, then the padding must be right; nullopt if not.
std::optional<std::string> base64_decode(std::string_view in);

}  // namespace conflux
