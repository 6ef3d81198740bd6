// Escaping text for HTML and XML: & < > " ' become character references, so text can go into
// element content and quoted attribute values alike. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace conflux {

std::string escape_markup(std::string_view text);

}  // namespace conflux
