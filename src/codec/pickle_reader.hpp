// PickleReader: a safe, streaming unpickler producing conflux::Value.
//
// It implements the pickle virtual machine for protocols 0-5 (stack, marks, memo) over a
// ByteSource, buffering 64 KiB at a time, but it never executes anything: the only Python globals
// it accepts are the whitelist in python_globals.hpp, and REDUCE/NEWOBJ/BUILD on them build
// Values. Every length, index and stack access is checked, so corrupt input yields a Corruption
// status, never a crash:
//   * declared lengths are checked against ByteSource::remaining() before allocating, and grow
//     incrementally when the size is unknown;
//   * nesting is limited to kMaxValueDepth, and values the reader discards are taken apart
//     iteratively, so neither validation nor destruction recurses deeply;
//   * shared references (memo GET, DUP) are preserved as shared payloads; self-referencing
//     structures are refused, and so are DAGs that would expand to absurd sizes.
// Large bytes payloads can be diverted to a LargeBytesSink (codec.hpp).
//
// The reader consumes input in chunks, so it may read past the pickle's STOP opcode.
// Not thread-safe; one reader per pickle.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "codec/python_globals.hpp"
#include "conflux/byte_stream.hpp"
#include "conflux/codec.hpp"
#include "conflux/status.hpp"
#include "conflux/value.hpp"

namespace conflux {

class PickleReader {
 public:
  PickleReader(ByteSource& source, const ReadOptions& options);
  ~PickleReader();
  PickleReader(const PickleReader&) = delete;
  PickleReader& operator=(const PickleReader&) = delete;

  // Reads one pickle. Call once.
  Result<Value> read();

 private:
  Result<Value> run();
  Status step(uint8_t op);

  // Input.
  Status need(size_t n);            // at least n (<= buffer size) bytes buffered
  Status read_into(void* dst, uint64_t n);
  Result<std::string> read_payload(uint64_t n);
  Result<std::string> read_line();
  Status check_available(uint64_t n);  // fails fast if fewer than n bytes can follow
  uint8_t u8() { return static_cast<uint8_t>(buf_[pos_++]); }
  uint64_t le(size_t n);            // REQUIRES: need(n)
  uint64_t offset() const { return consumed_ + pos_; }

  // Machine.
  Status corrupt(const std::string& message) const;
  Status push(Value v);
  Result<Value> pop();
  Result<Value*> top();
  Result<size_t> pop_mark();
  Result<std::vector<Value>> pop_to_mark();
  Status memo_put(uint64_t index, const Value& v);
  Result<Value> memo_get(uint64_t index);
  void discard(Value v) { graveyard_.push_back(std::move(v)); }
  Status push_bytes(uint64_t n, bool allow_large_sink);
  Status push_text(std::string raw);

  Status set_item(Value& dict, Value key, Value value);
  void alias(const Value& v);

  // End of reading.
  struct NodeInfo {
    bool done = false;
    int height = 0;
    uint64_t expanded = 0;
  };
  using NodeMap = std::unordered_map<const void*, NodeInfo>;
  // Checks nesting depth, self-references and (with sharing) expanded size of the result;
  // fills `nodes` with its containers when `shared_`.
  Status validate(const Value& result, NodeMap& nodes);
  // Releases everything the reader holds without deep recursion. Aliased containers that are
  // not in `keep` (the result's containers; null on failure) are emptied to break cycles.
  void dispose(const NodeMap* keep);

  static constexpr size_t kBufferSize = 64 * 1024;

  ByteSource& source_;
  ReadOptions options_;
  std::unique_ptr<char[]> buf_;
  size_t pos_ = 0, end_ = 0;
  uint64_t consumed_ = 0;  // input bytes before buf_[0]
  uint64_t op_offset_ = 0;
  uint8_t current_op_ = 0;

  std::vector<Value> stack_;
  std::vector<size_t> marks_;
  std::vector<Value> memo_;
  std::unordered_map<uint64_t, Value> sparse_memo_;
  pyglobals::DetachedPayloads detached_;
  std::vector<Value> detached_values_;  // kept alive so their identities stay unique
  // Values dropped while reading, destroyed iteratively at the end.
  std::vector<Value> graveyard_;
  // Containers handed out again by GET/DUP: every reference cycle passes through one of them.
  std::vector<Value> aliased_;
  bool shared_ = false;
  bool done_ = false;
};

}  // namespace conflux
