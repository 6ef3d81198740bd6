// Value::python_repr and the scalar repr helpers.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <span>

#include "base/float_repr.hpp"
#include "base/utf8.hpp"
#include "codec/python_globals.hpp"
#include "codec/repr.hpp"
#include "conflux/value.hpp"

namespace conflux {
namespace repr {
namespace {

// Approximates Python's str.isprintable() for non-ASCII code points: separators, format
// characters, surrogates and private-use code points are not printable; unassigned code points
// are (wrongly) treated as printable since we carry no Unicode tables.
bool is_printable(uint32_t cp) {
  if (cp <= 0xA0) return cp >= 0x20 && cp < 0x7F;
  if (cp == 0xAD || cp == 0x061C || cp == 0x06DD || cp == 0x070F || cp == 0x180E ||
      cp == 0x1680 || cp == 0x3000 || cp == 0xFEFF || cp == 0x110BD || cp == 0xE0001) {
    return false;
  }
  if ((cp >= 0x0600 && cp <= 0x0605) || (cp >= 0x2000 && cp <= 0x200F) ||
      (cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x206F) ||
      (cp >= 0xD800 && cp <= 0xF8FF) || (cp >= 0xFFF9 && cp <= 0xFFFB) ||
      (cp >= 0xFFFE && cp <= 0xFFFF) || (cp >= 0x1D173 && cp <= 0x1D17A) ||
      (cp >= 0xE0020 && cp <= 0xE007F) || cp >= 0xF0000) {
    return false;
  }
  return true;
}

void append_hex_escape(std::string& out, char kind, uint32_t cp, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "\\%c%0*x", kind, digits, cp);
  out += buf;
}

char choose_quote(std::string_view s) {
  bool single = s.find('\'') != std::string_view::npos;
  bool dbl = s.find('"') != std::string_view::npos;
  return single && !dbl ? '"' : '\'';
}

}  // namespace

void append_str_repr(std::string& out, std::string_view s) {
  char quote = choose_quote(s);
  out += quote;
  for (size_t i = 0; i < s.size();) {
    size_t start = i;
    uint32_t cp = utf8::next(s, i);
    if (cp == static_cast<uint32_t>(quote) || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (is_printable(cp)) {
      out.append(s.substr(start, i - start));
    } else if (cp <= 0xFF) {
      append_hex_escape(out, 'x', cp, 2);
    } else if (cp <= 0xFFFF) {
      append_hex_escape(out, 'u', cp, 4);
    } else {
      append_hex_escape(out, 'U', cp, 8);
    }
  }
  out += quote;
}

void append_bytes_repr(std::string& out, std::string_view b) {
  char quote = choose_quote(b);
  out += 'b';
  out += quote;
  for (char ch : b) {
    auto c = static_cast<unsigned char>(ch);
    if (c == static_cast<unsigned char>(quote) || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7F) {
      append_hex_escape(out, 'x', c, 2);
    } else {
      out += ch;
    }
  }
  out += quote;
}

std::string str_of(const Value& v) { return v.is_str() ? v.as_str() : v.python_repr(); }

std::string hex(std::string_view bytes) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

}  // namespace repr

namespace {

void append_repr(std::string& out, const Value& v);

void append_items(std::string& out, const std::vector<Value>& items) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    append_repr(out, items[i]);
  }
}

void append_object_repr(std::string& out, const PyObject& o) {
  auto fields = pyglobals::namedtuple_fields(o.module, o.name);
  if (!fields.empty() && fields.size() == o.args.size()) {
    out += o.name;
    out += '(';
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i) out += ", ";
      out += fields[i];
      out += '=';
      append_repr(out, o.args[i]);
    }
    out += ')';
    return;
  }
  if (pyglobals::is_exception_wrapper(o.module, o.name) && o.state.is_dict()) {
    // MetaflowExceptionWrapper.__repr__ is its __str__: the stack trace, or type and message.
    const Value* stacktrace = o.state.get("stacktrace");
    if (stacktrace && stacktrace->is_str() && !stacktrace->as_str().empty()) {
      out += stacktrace->as_str();
      return;
    }
    const Value* type = o.state.get("type");
    const Value* exception = o.state.get("exception");
    out += "[no stacktrace]\n";
    out += type ? repr::str_of(*type) : "None";
    out += ": ";
    out += exception ? repr::str_of(*exception) : "None";
    return;
  }
  if (pyglobals::is_numpy_dtype(o.module, o.name)) {
    out += "dtype('" + pyglobals::dtype_object_name(o) + "')";
    return;
  }
  out += "<" + o.module + "." + o.name + " object>";
}

void append_repr(std::string& out, const Value& v) {
  switch (v.kind()) {
    case ValueKind::kNone:
      out += "None";
      return;
    case ValueKind::kBool:
      out += v.as_bool() ? "True" : "False";
      return;
    case ValueKind::kInt:
    case ValueKind::kBigInt:
      out += v.int_to_string();
      return;
    case ValueKind::kFloat:
      out += python_float_repr(v.as_float());
      return;
    case ValueKind::kStr:
      repr::append_str_repr(out, v.as_str());
      return;
    case ValueKind::kBytes:
      repr::append_bytes_repr(out, v.as_bytes());
      return;
    case ValueKind::kList:
      out += '[';
      append_items(out, v.items());
      out += ']';
      return;
    case ValueKind::kTuple:
      out += '(';
      append_items(out, v.items());
      if (v.items().size() == 1) out += ',';
      out += ')';
      return;
    case ValueKind::kDict: {
      out += '{';
      bool first = true;
      for (const auto& [key, value] : v.as_dict()) {
        if (!first) out += ", ";
        first = false;
        append_repr(out, key);
        out += ": ";
        append_repr(out, value);
      }
      out += '}';
      return;
    }
    case ValueKind::kSet:
    case ValueKind::kFrozenSet: {
      bool frozen = v.is_frozenset();
      if (v.as_set().empty()) {
        out += frozen ? "frozenset()" : "set()";
        return;
      }
      if (frozen) out += "frozenset(";
      out += '{';
      append_items(out, v.as_set().items());
      out += '}';
      if (frozen) out += ')';
      return;
    }
    case ValueKind::kNdArray:
      out += repr::ndarray_repr(v.as_ndarray());
      return;
    case ValueKind::kObject:
      append_object_repr(out, v.as_object());
      return;
    case ValueKind::kGlobal:
      out += "<class '" + v.as_object().module + "." + v.as_object().name + "'>";
      return;
  }
}

}  // namespace

std::string Value::python_repr() const {
  std::string out;
  append_repr(out, *this);
  return out;
}

}  // namespace conflux
