#include "task/foreach_values.hpp"

#include <cstring>

namespace conflux {

namespace {

Status not_iterable(const Value& v) {
  return Status::invalid_argument("a foreach needs a list, tuple, array or string, not " + v.python_type_name());
}

}  // namespace

Result<int64_t> foreach_length(const Value& sequence) {
  if (sequence.is_list() || sequence.is_tuple()) return static_cast<int64_t>(sequence.items().size());
  if (sequence.is_ndarray()) {
    const NdArray& a = sequence.as_ndarray();
    if (a.shape.size() != 1) return Status::invalid_argument("a foreach over a numpy array needs a 1-D array");
    return a.shape[0];
  }
  if (sequence.is_str()) {
    // Python iterates a str by code point.
    int64_t n = 0;
    for (unsigned char c : sequence.as_str()) n += (c & 0xC0) != 0x80;
    return n;
  }
  return not_iterable(sequence);
}

Result<Value> foreach_element(const Value& sequence, int64_t index) {
  CONFLUX_ASSIGN_OR_RETURN(int64_t n, foreach_length(sequence));
  if (index < 0 || index >= n) {
    return Status::invalid_argument("foreach index " + std::to_string(index) + " is out of range (" +
                                    std::to_string(n) + " elements)");
  }
  if (sequence.is_list() || sequence.is_tuple()) return sequence.items()[index];
  if (sequence.is_str()) {
    const std::string& s = sequence.as_str();
    int64_t seen = -1;
    for (size_t i = 0; i < s.size(); ++i) {
      if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && ++seen == index) {
        size_t j = i + 1;
        while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
        return Value(s.substr(i, j - i));
      }
    }
  }
  const NdArray& a = sequence.as_ndarray();
  size_t size = a.itemsize();
  const char* p = a.data.data() + static_cast<size_t>(index) * size;
  const std::string& d = a.dtype;
  auto load = [&](auto zero) {
    decltype(zero) v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  };
  if (d == "<f8") return Value(load(double{}));
  if (d == "<f4") return Value(load(float{}));
  if (d == "<i8") return Value(load(int64_t{}));
  if (d == "<i4") return Value(load(int32_t{}));
  if (d == "<i2") return Value(load(int16_t{}));
  if (d == "|i1") return Value(load(int8_t{}));
  if (d == "<u8") return Value(load(uint64_t{}));
  if (d == "<u4") return Value(load(uint32_t{}));
  if (d == "<u2") return Value(load(uint16_t{}));
  if (d == "|u1") return Value(load(uint8_t{}));
  if (d == "|b1") return Value(load(uint8_t{}) != 0);
  return Status::not_supported("a foreach over a numpy array of dtype " + d);
}

std::string foreach_value_text(const Value& value) {
  std::string text;
  if (value.is_str()) {
    text = value.as_str();
  } else if (value.is_bool()) {
    text = value.as_bool() ? "True" : "False";
  } else if (value.is_integer()) {
    text = value.int_to_string();
  } else {
    text = value.python_repr();
  }
  if (text.size() > kMaxForeachValueChars) text = text.substr(0, kMaxForeachValueChars);
  return text;
}

Result<std::vector<ForeachFrame>> frames_from_value(const Value& frames) {
  std::vector<ForeachFrame> out;
  if (!frames.is_list()) return Status::corruption("_foreach_stack is not a list");
  for (const Value& f : frames.items()) {
    if (!f.is_object() || f.as_object().args.size() != 5) {
      return Status::corruption("_foreach_stack holds something that is not a ForeachFrame");
    }
    const auto& a = f.as_object().args;
    ForeachFrame frame;
    frame.step = a[0].is_str() ? a[0].as_str() : "";
    frame.var = a[1].is_str() ? a[1].as_str() : "";
    frame.num_splits = a[2].is_int() ? a[2].as_int() : 0;
    frame.index = a[3].is_int() ? a[3].as_int() : 0;
    frame.value = foreach_value_text(a[4]);
    out.push_back(std::move(frame));
  }
  return out;
}

}  // namespace conflux
