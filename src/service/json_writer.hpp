// JsonWriter: builds JSON text byte-compatible with Python's json.dumps defaults (", " and ": "
// separators, non-ASCII escaped as \uXXXX), which is what metaflow-service sends, through the
// same helpers as the datastore's files (base/py_json.hpp). Writing records straight to text
// (instead of through a DOM) keeps large listings fast.
//
// Thread safety: a writer is used by one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/py_json.hpp"

namespace conflux::service {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}
  void begin_object() { separate(); out_ += '{'; first_ = true; }
  void end_object() { out_ += '}'; first_ = false; }
  void begin_array() { separate(); out_ += '['; first_ = true; }
  void end_array() { out_ += ']'; first_ = false; }
  // Inside an object: the key of the next value.
  void key(std::string_view k);
  void string(std::string_view s);
  void number(int64_t n);
  void null();
  void boolean(bool b);
  void optional_string(const std::optional<std::string>& s) { s ? string(*s) : null(); }
  void optional_number(const std::optional<int64_t>& n) { n ? number(*n) : null(); }
  // Already-encoded JSON text (stored tags).
  void raw(std::string_view json);

 private:
  void separate();
  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace conflux::service
