#include "service/json_writer.hpp"

#include "base/py_json.hpp"

namespace conflux::service {

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_) out_ += ", ";
  first_ = false;
}

void JsonWriter::key(std::string_view k) {
  separate();
  py_json_string(out_, k);
  out_ += ": ";
  after_key_ = true;
}

void JsonWriter::string(std::string_view s) {
  separate();
  py_json_string(out_, s);
}

void JsonWriter::number(int64_t n) {
  separate();
  out_ += std::to_string(n);
}

void JsonWriter::null() {
  separate();
  out_ += "null";
}

void JsonWriter::boolean(bool b) {
  separate();
  out_ += b ? "true" : "false";
}

void JsonWriter::raw(std::string_view json) {
  separate();
  out_ += json;
}

}  // namespace conflux::service
