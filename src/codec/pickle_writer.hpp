// PickleWriter: streams a protocol 4 pickle to a ByteSink.
//
// The output mimics CPython's C pickler (Modules/_pickle.c) closely enough that simple values
// come out byte-identical to pickle.dumps(x, protocol=4): the same opcode choices, a MEMOIZE
// after every object CPython memoizes (the memo is never read back except for repeated class
// names, which CPython also fetches with BINGET), batches of 1000 for APPENDS/SETITEMS/ADDITEMS,
// and the same framing: opcodes are collected into frames of about 64 KiB (small pickles: one
// frame, or none below 4 bytes), while bytes/str payloads of 64 KiB or more are written outside
// frames straight from the caller's memory to the sink, with no copy.
//
// Only the current frame is buffered, so memory stays O(64 KiB) however large the pickle.
// Not thread-safe; one writer per pickle.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "codec/ndarray.hpp"
#include "conflux/byte_stream.hpp"
#include "conflux/status.hpp"
#include "conflux/value.hpp"

namespace conflux {

class PickleWriter {
 public:
  explicit PickleWriter(ByteSink& sink);
  PickleWriter(const PickleWriter&) = delete;
  PickleWriter& operator=(const PickleWriter&) = delete;

  // Writes the PROTO 4 header. Call once, first.
  void begin();
  // Writes `v` (normally the single top-level value). Fails with InvalidArgument on values
  // Python could not load (see write_pickle in codec.hpp); the output is then unusable.
  Status write_value(const Value& v);
  // Writes a numpy array the way numpy's ndarray.__reduce__ pickles it; `data` (C order,
  // little-endian, `nbytes` bytes) is handed to the sink directly when large.
  void write_ndarray(const ndarray::DtypeInfo& dtype, std::span<const int64_t> shape,
                     const void* data, uint64_t nbytes);
  // Writes STOP, commits the last frame and flushes. Returns the sink's status.
  Status finish();

 private:
  Status write(const Value& v, int depth);
  Status write_tuple_items(const std::vector<Value>& items, int depth);
  void write_int(int64_t i);
  void write_long(std::string_view le);
  void write_float(double f);
  void write_text(std::string_view utf8);
  void write_binary(const void* data, uint64_t n);
  void write_global(const std::string& module, const std::string& name);
  void write_name(const std::string& s);
  void write_get(uint64_t index);
  void memoize();

  // Low level: everything goes through put()/put_raw(), which open a frame when needed.
  void put(uint8_t op) {
    if (framing_ && frame_start_ == kNoFrame) open_frame();
    buf_.push_back(static_cast<char>(op));
  }
  void put_raw(const void* p, size_t n) {
    if (framing_ && frame_start_ == kNoFrame) open_frame();
    buf_.append(static_cast<const char*>(p), n);
  }
  void put_u32(uint32_t v);
  void put_u64(uint64_t v);
  void open_frame();
  void commit_frame();
  void flush();
  // Called before each object: ends the frame once it reached the target size.
  void opcode_boundary();
  // Header in the buffer, then the payload straight to the sink, outside any frame.
  void write_large(std::string_view header, const void* payload, uint64_t n);

  static constexpr size_t kNoFrame = SIZE_MAX;

  ByteSink& sink_;
  std::string buf_;
  bool framing_ = false;
  size_t frame_start_ = kNoFrame;
  uint64_t memo_count_ = 0;
  // Memo indices of classes and of their module/name strings, which CPython writes once and
  // then fetches with BINGET (they are the same interned objects each time).
  std::map<std::pair<std::string, std::string>, uint64_t> global_memo_;
  std::map<std::string, uint64_t, std::less<>> name_memo_;
};

}  // namespace conflux
