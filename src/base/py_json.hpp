// Python-compatible JSON text: the exact bytes Python's json.dumps() produces with its default
// arguments (", " and ": " separators, ensure_ascii=True, floats as repr(), NaN/Infinity allowed).
//
// Metaflow writes every JSON file of the datastore and of the local metadata with json.dumps, so
// writing through these helpers makes our files byte-identical to Metaflow's. Appending to a
// caller-owned std::string avoids building a DOM for the ~40 small files a task writes. Readers use
// nlohmann::json, which accepts this text. All functions are pure and thread-safe; a PyJsonObject
// is used by one thread.
//
// Example:
//   std::string out;
//   PyJsonObject(out).add_string("flow_id", "F").add_int("ts_epoch", 17).finish();
//   // out == R"({"flow_id": "F", "ts_epoch": 17})"
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace conflux {

// Appends `utf8` as a JSON string literal; non-ASCII characters become \uXXXX escapes (surrogate
// pairs above U+FFFF), as with ensure_ascii. Invalid UTF-8 bytes are written as U+FFFD.
void py_json_string(std::string& out, std::string_view utf8);

// Appends repr(v): shortest round-trip digits, "1.0" for integral values, exponent form ("1e+16",
// "1e-05") outside [1e-4, 1e16), "NaN", "Infinity", "-Infinity".
void py_json_float(std::string& out, double v);

void py_json_int(std::string& out, int64_t v);

// Appends any JSON value, objects in their stored key order.
void py_json_value(std::string& out, const nlohmann::ordered_json& v);

// json.dumps(v): the text of any JSON value.
std::string py_json_dumps(const nlohmann::ordered_json& v);

// Writes one JSON object field by field into `out`.
class PyJsonObject {
 public:
  explicit PyJsonObject(std::string& out) : out_(out) { out_ += '{'; }

  PyJsonObject& add_string(std::string_view key, std::string_view value);
  PyJsonObject& add_int(std::string_view key, int64_t value);
  PyJsonObject& add_float(std::string_view key, double value);
  PyJsonObject& add_bool(std::string_view key, bool value);
  PyJsonObject& add_null(std::string_view key);
  PyJsonObject& add_strings(std::string_view key, const std::vector<std::string>& values);
  // `json` is an already rendered value (e.g. a nested object built with another PyJsonObject).
  PyJsonObject& add_raw(std::string_view key, std::string_view json);
  // Writes the separator and `"key": `; the caller then appends the value to the returned string.
  std::string& key(std::string_view key);
  // Writes the closing '}'. REQUIRES: called once, last.
  void finish() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace conflux
