#include "codec/pickle_writer.hpp"

#include <bit>
#include <cstring>

#include "codec/big_int.hpp"
#include "codec/pickle_opcodes.hpp"
#include "base/utf8.hpp"

namespace conflux {

using namespace pickle;  // opcodes

PickleWriter::PickleWriter(ByteSink& sink) : sink_(sink) { buf_.reserve(kFrameSizeTarget + 4096); }

void PickleWriter::begin() {
  put(kProto);
  put(4);
  framing_ = true;  // PROTO itself is never framed
}

Status PickleWriter::write_value(const Value& v) { return write(v, 0); }

Status PickleWriter::finish() {
  put(kStop);
  commit_frame();
  flush();
  return sink_.status();
}

// --- Framing ------------------------------------------------------------------------------------

void PickleWriter::put_u32(uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  put_raw(b, 4);
}

void PickleWriter::put_u64(uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  put_raw(b, 8);
}

void PickleWriter::open_frame() {
  frame_start_ = buf_.size();
  buf_.append(kFrameHeaderSize, '\0');  // patched by commit_frame()
}

void PickleWriter::commit_frame() {
  if (frame_start_ == kNoFrame) return;
  size_t len = buf_.size() - frame_start_ - kFrameHeaderSize;
  if (len >= kFrameSizeMin) {
    buf_[frame_start_] = static_cast<char>(kFrame);
    for (int i = 0; i < 8; ++i) {
      buf_[frame_start_ + 1 + i] = static_cast<char>((static_cast<uint64_t>(len) >> (8 * i)) & 0xFF);
    }
  } else {
    buf_.erase(frame_start_, kFrameHeaderSize);
  }
  frame_start_ = kNoFrame;
}

void PickleWriter::flush() {
  if (buf_.empty()) return;
  sink_.write(buf_.data(), buf_.size());
  buf_.clear();
}

void PickleWriter::opcode_boundary() {
  if (frame_start_ != kNoFrame && buf_.size() - frame_start_ - kFrameHeaderSize >= kFrameSizeTarget) {
    commit_frame();
    flush();
  }
}

void PickleWriter::write_large(std::string_view header, const void* payload, uint64_t n) {
  commit_frame();
  bool framing = framing_;
  framing_ = false;
  put_raw(header.data(), header.size());
  flush();
  sink_.write(payload, n);
  framing_ = framing;
}

// --- Scalars ------------------------------------------------------------------------------------

void PickleWriter::memoize() {
  put(kMemoize);
  ++memo_count_;
}

void PickleWriter::write_get(uint64_t index) {
  if (index < 256) {
    put(kBinGet);
    put(static_cast<uint8_t>(index));
  } else {
    put(kLongBinGet);
    put_u32(static_cast<uint32_t>(index));
  }
}

void PickleWriter::write_int(int64_t i) {
  if (i >= 0 && i <= 0xFF) {
    put(kBinInt1);
    put(static_cast<uint8_t>(i));
  } else if (i >= 0 && i <= 0xFFFF) {
    put(kBinInt2);
    put(static_cast<uint8_t>(i & 0xFF));
    put(static_cast<uint8_t>(i >> 8));
  } else if (i >= INT32_MIN && i <= INT32_MAX) {
    put(kBinInt);
    put_u32(static_cast<uint32_t>(static_cast<int32_t>(i)));
  } else {
    char le[8];
    for (int k = 0; k < 8; ++k) le[k] = static_cast<char>((static_cast<uint64_t>(i) >> (8 * k)) & 0xFF);
    write_long(big_int::normalize(std::string_view(le, 8)));
  }
}

void PickleWriter::write_long(std::string_view le) {
  if (le.size() <= 0xFF) {
    put(kLong1);
    put(static_cast<uint8_t>(le.size()));
  } else {
    put(kLong4);
    put_u32(static_cast<uint32_t>(le.size()));
  }
  put_raw(le.data(), le.size());
}

void PickleWriter::write_float(double f) {
  put(kBinFloat);
  uint64_t bits = __builtin_bswap64(std::bit_cast<uint64_t>(f));  // big-endian on the wire
  put_raw(&bits, 8);
}

void PickleWriter::write_text(std::string_view s) {
  char header[9];
  size_t header_len;
  uint64_t n = s.size();
  if (n <= 0xFF) {
    header[0] = static_cast<char>(kShortBinUnicode);
    header[1] = static_cast<char>(n);
    header_len = 2;
  } else if (n <= 0xFFFFFFFFu) {
    header[0] = static_cast<char>(kBinUnicode);
    for (int i = 0; i < 4; ++i) header[1 + i] = static_cast<char>((n >> (8 * i)) & 0xFF);
    header_len = 5;
  } else {
    header[0] = static_cast<char>(kBinUnicode8);
    for (int i = 0; i < 8; ++i) header[1 + i] = static_cast<char>((n >> (8 * i)) & 0xFF);
    header_len = 9;
  }
  if (n >= kFrameSizeTarget) {
    write_large(std::string_view(header, header_len), s.data(), n);
  } else {
    put_raw(header, header_len);
    put_raw(s.data(), n);
  }
  memoize();
}

void PickleWriter::write_binary(const void* data, uint64_t n) {
  char header[9];
  size_t header_len;
  if (n <= 0xFF) {
    header[0] = static_cast<char>(kShortBinBytes);
    header[1] = static_cast<char>(n);
    header_len = 2;
  } else if (n <= 0xFFFFFFFFu) {
    header[0] = static_cast<char>(kBinBytes);
    for (int i = 0; i < 4; ++i) header[1 + i] = static_cast<char>((n >> (8 * i)) & 0xFF);
    header_len = 5;
  } else {
    header[0] = static_cast<char>(kBinBytes8);
    for (int i = 0; i < 8; ++i) header[1 + i] = static_cast<char>((n >> (8 * i)) & 0xFF);
    header_len = 9;
  }
  if (n >= kFrameSizeTarget) {
    write_large(std::string_view(header, header_len), data, n);
  } else {
    put_raw(header, header_len);
    put_raw(data, n);
  }
  memoize();
}

void PickleWriter::write_name(const std::string& s) {
  auto it = name_memo_.find(s);
  if (it != name_memo_.end()) {
    write_get(it->second);
    return;
  }
  write_text(s);
  name_memo_.emplace(s, memo_count_ - 1);
}

void PickleWriter::write_global(const std::string& module, const std::string& name) {
  auto key = std::make_pair(module, name);
  auto it = global_memo_.find(key);
  if (it != global_memo_.end()) {
    write_get(it->second);
    return;
  }
  write_name(module);
  write_name(name);
  put(kStackGlobal);
  memoize();
  global_memo_.emplace(std::move(key), memo_count_ - 1);
}

// --- Containers and objects ---------------------------------------------------------------------

Status PickleWriter::write_tuple_items(const std::vector<Value>& items, int depth) {
  size_t n = items.size();
  if (n == 0) {
    put(kEmptyTuple);  // the empty tuple is a singleton: CPython does not memoize it
    return Status();
  }
  if (n > 3) put(kMark);
  for (const Value& item : items) CONFLUX_RETURN_IF_ERROR(write(item, depth + 1));
  static constexpr uint8_t kSmallTuple[] = {kTuple1, kTuple2, kTuple3};
  put(n <= 3 ? kSmallTuple[n - 1] : uint8_t{kTuple});
  memoize();
  return Status();
}

Status PickleWriter::write(const Value& v, int depth) {
  bool container = v.is_list() || v.is_tuple() || v.is_dict() || v.is_set() || v.is_frozenset() ||
                   v.is_object();
  if (container && depth >= kMaxValueDepth) {
    return Status::invalid_argument("value nests deeper than " + std::to_string(kMaxValueDepth) +
                                    " levels");
  }
  opcode_boundary();
  switch (v.kind()) {
    case ValueKind::kNone:
      put(kNone);
      return Status();
    case ValueKind::kBool:
      put(v.as_bool() ? kNewTrue : kNewFalse);
      return Status();
    case ValueKind::kInt:
      write_int(v.as_int());
      return Status();
    case ValueKind::kBigInt:
      write_long(v.big_int_bytes());
      return Status();
    case ValueKind::kFloat:
      write_float(v.as_float());
      return Status();
    case ValueKind::kStr:
      // CPython encodes with 'surrogatepass', so lone surrogates are allowed.
      if (!utf8::is_valid(v.as_str(), /*allow_surrogates=*/true)) {
        return Status::invalid_argument("str is not valid UTF-8 (use conflux::Bytes for binary data)");
      }
      write_text(v.as_str());
      return Status();
    case ValueKind::kBytes:
      write_binary(v.as_bytes().data(), v.as_bytes().size());
      return Status();
    case ValueKind::kList: {
      put(kEmptyList);
      memoize();
      const auto& items = v.items();
      if (items.size() == 1) {
        CONFLUX_RETURN_IF_ERROR(write(items[0], depth + 1));
        put(kAppend);
        return Status();
      }
      size_t total = 0;
      while (total < items.size()) {
        put(kMark);
        for (size_t k = 0; k < kBatchSize && total < items.size(); ++k, ++total) {
          CONFLUX_RETURN_IF_ERROR(write(items[total], depth + 1));
        }
        put(kAppends);
      }
      return Status();
    }
    case ValueKind::kTuple:
      return write_tuple_items(v.items(), depth);
    case ValueKind::kDict: {
      put(kEmptyDict);
      memoize();
      const auto& items = v.as_dict().items();
      for (const auto& item : items) {
        if (!item.first.is_hashable()) {
          return Status::invalid_argument("unhashable dict key of type " + item.first.python_type_name());
        }
      }
      if (items.size() == 1) {
        CONFLUX_RETURN_IF_ERROR(write(items[0].first, depth + 1));
        CONFLUX_RETURN_IF_ERROR(write(items[0].second, depth + 1));
        put(kSetItem);
        return Status();
      }
      if (items.empty()) return Status();
      // Like CPython's batch_dict_exact: a full last batch is followed by an empty one.
      size_t total = 0, in_batch;
      do {
        put(kMark);
        for (in_batch = 0; in_batch < kBatchSize && total < items.size(); ++in_batch, ++total) {
          CONFLUX_RETURN_IF_ERROR(write(items[total].first, depth + 1));
          CONFLUX_RETURN_IF_ERROR(write(items[total].second, depth + 1));
        }
        put(kSetItems);
      } while (in_batch == kBatchSize);
      return Status();
    }
    case ValueKind::kSet: {
      put(kEmptySet);
      memoize();
      const auto& items = v.as_set().items();
      if (items.empty()) return Status();
      size_t total = 0, in_batch;
      do {
        put(kMark);
        for (in_batch = 0; in_batch < kBatchSize && total < items.size(); ++in_batch, ++total) {
          if (!items[total].is_hashable()) {
            return Status::invalid_argument("unhashable set item of type " +
                                            items[total].python_type_name());
          }
          CONFLUX_RETURN_IF_ERROR(write(items[total], depth + 1));
        }
        put(kAddItems);
      } while (in_batch == kBatchSize);
      return Status();
    }
    case ValueKind::kFrozenSet: {
      put(kMark);
      for (const Value& item : v.as_set()) {
        if (!item.is_hashable()) {
          return Status::invalid_argument("unhashable frozenset item of type " + item.python_type_name());
        }
        CONFLUX_RETURN_IF_ERROR(write(item, depth + 1));
      }
      put(kFrozenSet);
      memoize();
      return Status();
    }
    case ValueKind::kNdArray: {
      const NdArray& a = v.as_ndarray();
      auto dtype = ndarray::lookup(a.dtype);
      if (!dtype) return Status::invalid_argument("unsupported numpy dtype '" + a.dtype + "'");
      if (a.detached) {
        return Status::invalid_argument(
            "cannot pickle an ndarray whose data was delivered to a LargeBytesSink");
      }
      auto count = ndarray::element_count(a.shape);
      if (!count.ok() || a.data.size() != *count * dtype->itemsize) {
        return Status::invalid_argument("ndarray data size does not match its shape and dtype");
      }
      write_ndarray(*dtype, a.shape, a.data.data(), a.data.size());
      return Status();
    }
    case ValueKind::kObject: {
      const PyObject& o = v.as_object();
      write_global(o.module, o.name);
      CONFLUX_RETURN_IF_ERROR(write_tuple_items(o.args, depth));
      put(o.construct == PyObject::Construct::kNewObj ? kNewObj : kReduce);
      memoize();
      if (!o.state.is_none()) {
        CONFLUX_RETURN_IF_ERROR(write(o.state, depth + 1));
        put(kBuild);
      }
      return Status();
    }
    case ValueKind::kGlobal:
      write_global(v.as_object().module, v.as_object().name);
      return Status();
  }
  return Status::internal("unknown value kind");
}

void PickleWriter::write_ndarray(const ndarray::DtypeInfo& dtype, std::span<const int64_t> shape,
                                 const void* data, uint64_t nbytes) {
  opcode_boundary();
  // numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')
  write_global("numpy.core.multiarray", "_reconstruct");
  write_global("numpy", "ndarray");
  write_int(0);
  put(kTuple1);
  memoize();
  write_binary("b", 1);
  put(kTuple3);
  memoize();
  put(kReduce);
  memoize();
  // .__setstate__((1, shape, dtype, is_fortran, data))
  put(kMark);
  write_int(1);
  if (shape.empty()) {
    put(kEmptyTuple);
  } else {
    if (shape.size() > 3) put(kMark);
    for (int64_t dim : shape) write_int(dim);
    static constexpr uint8_t kSmallTuple[] = {kTuple1, kTuple2, kTuple3};
    put(shape.size() <= 3 ? kSmallTuple[shape.size() - 1] : uint8_t{kTuple});
    memoize();
  }
  // numpy.dtype(code, False, True) with state (3, byteorder, None, None, None, -1, -1, 0)
  write_global("numpy", "dtype");
  write_text(dtype.code);
  put(kNewFalse);
  put(kNewTrue);
  put(kTuple3);
  memoize();
  put(kReduce);
  memoize();
  put(kMark);
  write_int(3);
  write_text(dtype.itemsize == 1 ? "|" : "<");
  put(kNone);
  put(kNone);
  put(kNone);
  write_int(-1);
  write_int(-1);
  write_int(0);
  put(kTuple);
  memoize();
  put(kBuild);
  put(kNewFalse);  // C order
  write_binary(data, nbytes);
  put(kTuple);
  memoize();
  put(kBuild);
}

}  // namespace conflux
