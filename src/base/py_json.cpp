#include "base/py_json.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "base/float_repr.hpp"
#include "base/utf8.hpp"

namespace conflux {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_u_escape(std::string& out, uint32_t unit) {
  char buf[6] = {'\\',
                 'u',
                 kHex[(unit >> 12) & 0xf],
                 kHex[(unit >> 8) & 0xf],
                 kHex[(unit >> 4) & 0xf],
                 kHex[unit & 0xf]};
  out.append(buf, 6);
}

}  // namespace

void py_json_string(std::string& out, std::string_view s) {
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    // Fast path: a run of printable ASCII that needs no escaping.
    size_t j = i;
    while (j < s.size()) {
      const auto c = static_cast<unsigned char>(s[j]);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') break;
      ++j;
    }
    out.append(s.data() + i, j - i);
    i = j;
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        default:
          append_u_escape(out, c);
          break;  // other controls and DEL
      }
      continue;
    }
    uint32_t cp = utf8::next_or_replacement(s, i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      append_u_escape(out, 0xd800 | (cp >> 10));
      append_u_escape(out, 0xdc00 | (cp & 0x3ff));
    } else {
      append_u_escape(out, cp);
    }
  }
  out += '"';
}

void py_json_float(std::string& out, double v) {
  // json.dumps spells the non-finite values as JavaScript does; the rest is repr().
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v < 0 ? "-Infinity" : "Infinity";
  } else {
    out += python_float_repr(v);
  }
}

void py_json_int(std::string& out, int64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, res.ptr);
}

void py_json_value(std::string& out, const nlohmann::ordered_json& v) {
  using Type = nlohmann::ordered_json::value_t;
  switch (v.type()) {
    case Type::null:
    case Type::discarded:
      out += "null";
      return;
    case Type::boolean:
      out += v.get<bool>() ? "true" : "false";
      return;
    case Type::number_integer:
      py_json_int(out, v.get<int64_t>());
      return;
    case Type::number_unsigned:
      out += std::to_string(v.get<uint64_t>());
      return;
    case Type::number_float:
      py_json_float(out, v.get<double>());
      return;
    case Type::string:
      py_json_string(out, v.get_ref<const std::string&>());
      return;
    case Type::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ", ";
        first = false;
        py_json_value(out, e);
      }
      out += ']';
      return;
    }
    case Type::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, e] : v.items()) {
        if (!first) out += ", ";
        first = false;
        py_json_string(out, k);
        out += ": ";
        py_json_value(out, e);
      }
      out += '}';
      return;
    }
    case Type::binary:
      out += "null";  // not representable in JSON text; never produced by our parsers
      return;
  }
}

std::string py_json_dumps(const nlohmann::ordered_json& v) {
  std::string out;
  py_json_value(out, v);
  return out;
}

std::string& PyJsonObject::key(std::string_view key) {
  if (!first_) out_ += ", ";
  first_ = false;
  py_json_string(out_, key);
  out_ += ": ";
  return out_;
}

PyJsonObject& PyJsonObject::add_string(std::string_view k, std::string_view value) {
  py_json_string(key(k), value);
  return *this;
}

PyJsonObject& PyJsonObject::add_int(std::string_view k, int64_t value) {
  py_json_int(key(k), value);
  return *this;
}

PyJsonObject& PyJsonObject::add_float(std::string_view k, double value) {
  py_json_float(key(k), value);
  return *this;
}

PyJsonObject& PyJsonObject::add_bool(std::string_view k, bool value) {
  key(k) += value ? "true" : "false";
  return *this;
}

PyJsonObject& PyJsonObject::add_null(std::string_view k) {
  key(k) += "null";
  return *this;
}

PyJsonObject& PyJsonObject::add_strings(std::string_view k,
                                        const std::vector<std::string>& values) {
  std::string& out = key(k);
  out += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    py_json_string(out, values[i]);
  }
  out += ']';
  return *this;
}

PyJsonObject& PyJsonObject::add_raw(std::string_view k, std::string_view json) {
  key(k) += json;
  return *this;
}

}  // namespace conflux
