// Python repr() rendering helpers shared by Value::python_repr, the JSON renderers and errors.
#pragma once

#include <string>
#include <string_view>

#include "conflux/value.hpp"

namespace conflux::repr {

// repr(str) / repr(bytes), appended to `out`.
void append_str_repr(std::string& out, std::string_view utf8);
void append_bytes_repr(std::string& out, std::string_view bytes);
// repr(numpy array), numpy's default print options (precision 8, threshold 1000, edgeitems 3,
// linewidth 75).
std::string ndarray_repr(const NdArray& a);
// str(v): the text itself for str, repr otherwise (how Python formats dict keys with str()).
std::string str_of(const Value& v);
// Lowercase hex of bytes.
std::string hex(std::string_view bytes);

}  // namespace conflux::repr
