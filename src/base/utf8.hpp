// UTF-8 helpers: validation (Python str payloads must be UTF-8, with lone surrogates allowed as
// CPython's 'surrogatepass' writes them), decoding (for repr() and for JSON's \uXXXX escapes),
// and Latin-1 conversions for pickles from Python 2 era protocols. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace conflux::utf8 {

// True if `s` is well-formed UTF-8; encoded surrogates (U+D800..U+DFFF) are accepted only when
// `allow_surrogates`.
bool is_valid(std::string_view s, bool allow_surrogates);

// Decodes the code point starting at s[i] and advances i. Malformed bytes decode as themselves
// (one byte, cp = byte | 0xDC00 surrogate-escape style) so callers never loop forever.
uint32_t next(std::string_view s, size_t& i);

// Decodes one well-formed code point at s[i] and advances i; anything else (a stray byte, a
// truncated or overlong sequence, an encoded surrogate) is U+FFFD and consumes one byte.
uint32_t next_or_replacement(std::string_view s, size_t& i);

void append(std::string& out, uint32_t cp);

// Each byte is a code point U+0000..U+00FF.
std::string from_latin1(std::string_view bytes);
// The inverse; nullopt if a code point is above U+00FF or `s` is malformed.
std::optional<std::string> to_latin1(std::string_view s);

}  // namespace conflux::utf8
