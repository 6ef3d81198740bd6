#include "codec/pickle_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "codec/pickle_opcodes.hpp"
#include "base/utf8.hpp"
#include "codec/value_access.hpp"

namespace conflux {

using namespace pickle;  // opcodes

namespace {

// Values read without a known total size are allocated at most this much ahead of the data.
constexpr uint64_t kGrowthChunk = uint64_t{16} << 20;
// A DAG of shared references may expand to at most this many nodes plus 16 per input byte.
constexpr uint64_t kExpansionBase = uint64_t{1} << 20;
constexpr uint64_t kExpansionPerByte = 16;

std::string hex_byte(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02x", b);
  return buf;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Python 2 str repr as written by protocol 0 STRING: 'text' or "text" with backslash escapes.
std::optional<std::string> decode_string_literal(std::string_view s) {
  if (s.size() < 2 || (s[0] != '\'' && s[0] != '"') || s.back() != s[0]) return std::nullopt;
  s = s.substr(1, s.size() - 2);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i >= s.size()) return std::nullopt;
    char c = s[i];
    switch (c) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case '\\': case '\'': case '"': out += c; break;
      case '\n': break;
      case 'x': {
        if (i + 2 >= s.size()) return std::nullopt;
        int hi = hex_digit(s[i + 1]), lo = hex_digit(s[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        break;
      }
      default:
        if (c >= '0' && c <= '7') {
          int v = 0, n = 0;
          while (n < 3 && i < s.size() && s[i] >= '0' && s[i] <= '7') {
            v = v * 8 + (s[i] - '0');
            ++i;
            ++n;
          }
          --i;
          out += static_cast<char>(v & 0xFF);
        } else {
          out += '\\';
          out += c;
        }
    }
  }
  return out;
}

// Protocol 0 UNICODE payload: raw-unicode-escape (Latin-1 bytes plus \uXXXX / \UXXXXXXXX).
std::optional<std::string> decode_raw_unicode_escape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '\\') {
      utf8::append(out, static_cast<unsigned char>(s[i++]));
      continue;
    }
    size_t run = 0;
    while (i + run < s.size() && s[i + run] == '\\') ++run;
    size_t next = i + run;
    bool escape = (run % 2 == 1) && next < s.size() && (s[next] == 'u' || s[next] == 'U');
    for (size_t k = 0; k < run - (escape ? 1 : 0); ++k) out += '\\';
    i = next;
    if (!escape) continue;
    size_t digits = s[next] == 'u' ? 4 : 8;
    if (next + digits >= s.size()) return std::nullopt;
    uint32_t cp = 0;
    for (size_t k = 1; k <= digits; ++k) {
      int d = hex_digit(s[next + k]);
      if (d < 0) return std::nullopt;
      cp = cp * 16 + static_cast<uint32_t>(d);
    }
    if (cp > 0x10FFFF) return std::nullopt;
    utf8::append(out, cp);
    i = next + digits + 1;
  }
  return out;
}

Result<uint64_t> parse_index(const std::string& line) {
  uint64_t v = 0;
  auto r = std::from_chars(line.data(), line.data() + line.size(), v);
  if (r.ec != std::errc() || r.ptr != line.data() + line.size()) {
    return Status::corruption("bad memo index '" + line + "'");
  }
  return v;
}

// The i-th Value held directly by a container, or nullptr past the end.
const Value* child_at(const Value& v, size_t i) {
  switch (v.kind()) {
    case ValueKind::kList:
    case ValueKind::kTuple:
      return i < v.items().size() ? &v.items()[i] : nullptr;
    case ValueKind::kDict: {
      const auto& items = v.as_dict().items();
      if (i >= 2 * items.size()) return nullptr;
      return i % 2 == 0 ? &items[i / 2].first : &items[i / 2].second;
    }
    case ValueKind::kSet:
    case ValueKind::kFrozenSet:
      return i < v.as_set().size() ? &v.as_set().items()[i] : nullptr;
    case ValueKind::kObject: {
      const PyObject& o = v.as_object();
      if (i < o.args.size()) return &o.args[i];
      return i == o.args.size() ? &o.state : nullptr;
    }
    default:
      return nullptr;
  }
}

}  // namespace

PickleReader::PickleReader(ByteSource& source, const ReadOptions& options)
    : source_(source), options_(options), buf_(new char[kBufferSize]) {}

PickleReader::~PickleReader() { dispose(nullptr); }

Result<Value> PickleReader::read() {
  Result<Value> result = run();
  if (!result.ok()) {
    dispose(nullptr);
    return result.status();
  }
  Value value = std::move(result).value();
  NodeMap nodes;
  Status valid = validate(value, nodes);
  if (!valid.ok()) {
    graveyard_.push_back(std::move(value));
    dispose(nullptr);
    return valid;
  }
  dispose(&nodes);
  return value;
}

Result<Value> PickleReader::run() {
  for (;;) {
    CONFLUX_RETURN_IF_ERROR(need(1));
    op_offset_ = offset();
    current_op_ = u8();
    if (current_op_ == kStop) return pop();
    CONFLUX_RETURN_IF_ERROR(step(current_op_));
  }
}

// --- Input ---------------------------------------------------------------------------------------

Status PickleReader::need(size_t n) {
  if (end_ - pos_ >= n) return Status();
  if (pos_ > 0) {
    std::memmove(buf_.get(), buf_.get() + pos_, end_ - pos_);
    consumed_ += pos_;
    end_ -= pos_;
    pos_ = 0;
  }
  while (end_ < n) {
    CONFLUX_ASSIGN_OR_RETURN(size_t got, source_.read(buf_.get() + end_, kBufferSize - end_));
    if (got == 0) return Status::corruption("pickle truncated at byte " + std::to_string(consumed_ + end_));
    end_ += got;
  }
  return Status();
}

uint64_t PickleReader::le(size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<uint8_t>(buf_[pos_ + i])} << (8 * i);
  pos_ += n;
  return v;
}

Status PickleReader::check_available(uint64_t n) {
  std::optional<uint64_t> more = source_.remaining();
  uint64_t buffered = end_ - pos_;
  if (more && n > buffered && n - buffered > *more) {
    return Status::corruption("pickle truncated: " + std::to_string(n) + "-byte payload at byte " +
                              std::to_string(offset()) + " but only " +
                              std::to_string(buffered + *more) + " bytes follow");
  }
  return Status();
}

Status PickleReader::read_into(void* dst, uint64_t n) {
  auto* out = static_cast<char*>(dst);
  uint64_t avail = std::min<uint64_t>(end_ - pos_, n);
  std::memcpy(out, buf_.get() + pos_, avail);
  pos_ += avail;
  if (avail == n) return Status();
  consumed_ += end_;  // the buffer is used up; read the rest straight into place
  pos_ = end_ = 0;
  for (uint64_t done = avail; done < n;) {
    CONFLUX_ASSIGN_OR_RETURN(size_t got, source_.read(out + done, n - done));
    if (got == 0) return Status::corruption("pickle truncated at byte " + std::to_string(consumed_));
    done += got;
    consumed_ += got;
  }
  return Status();
}

Result<std::string> PickleReader::read_payload(uint64_t n) {
  CONFLUX_RETURN_IF_ERROR(check_available(n));
  std::string s;
  try {
    if (n <= kGrowthChunk || source_.remaining()) {
      s.resize(n);
      CONFLUX_RETURN_IF_ERROR(read_into(s.data(), n));
    } else {
      // Unknown input size: allocate as the data arrives, so a corrupt length cannot make us
      // reserve memory the input does not back.
      while (s.size() < n) {
        size_t old = s.size();
        size_t step = static_cast<size_t>(std::min<uint64_t>(n - old, kGrowthChunk));
        s.resize(old + step);
        CONFLUX_RETURN_IF_ERROR(read_into(s.data() + old, step));
      }
    }
  } catch (const std::exception&) {  // bad_alloc / length_error
    return Status::corruption("cannot allocate a " + std::to_string(n) + "-byte pickle payload");
  }
  return s;
}

Result<std::string> PickleReader::read_line() {
  std::string line;
  for (;;) {
    if (pos_ == end_) CONFLUX_RETURN_IF_ERROR(need(1));
    const char* start = buf_.get() + pos_;
    const void* nl = std::memchr(start, '\n', end_ - pos_);
    if (nl != nullptr) {
      size_t len = static_cast<size_t>(static_cast<const char*>(nl) - start);
      line.append(start, len);
      pos_ += len + 1;
      return line;
    }
    line.append(start, end_ - pos_);
    pos_ = end_;
  }
}

// --- Machine -------------------------------------------------------------------------------------

Status PickleReader::corrupt(const std::string& message) const {
  return Status::corruption("bad pickle at byte " + std::to_string(op_offset_) + " (opcode " +
                            hex_byte(current_op_) + "): " + message);
}

Status PickleReader::push(Value v) {
  stack_.push_back(std::move(v));
  return Status();
}

Result<Value> PickleReader::pop() {
  size_t fence = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() <= fence) return corrupt("stack underflow");
  Value v = std::move(stack_.back());
  stack_.pop_back();
  return v;
}

Result<Value*> PickleReader::top() {
  size_t fence = marks_.empty() ? 0 : marks_.back();
  if (stack_.size() <= fence) return corrupt("stack underflow");
  return &stack_.back();
}

Result<size_t> PickleReader::pop_mark() {
  if (marks_.empty()) return corrupt("MARK not found");
  size_t k = marks_.back();
  marks_.pop_back();
  return k;
}

Result<std::vector<Value>> PickleReader::pop_to_mark() {
  CONFLUX_ASSIGN_OR_RETURN(size_t k, pop_mark());
  std::vector<Value> items(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(k)),
                           std::make_move_iterator(stack_.end()));
  stack_.resize(k);
  return items;
}

Status PickleReader::memo_put(uint64_t index, const Value& v) {
  if (index < memo_.size()) {
    discard(std::move(memo_[index]));
    memo_[index] = v;
  } else if (index == memo_.size() && sparse_memo_.empty()) {
    memo_.push_back(v);
  } else {
    auto [it, inserted] = sparse_memo_.try_emplace(index, v);
    if (!inserted) {
      discard(std::move(it->second));
      it->second = v;
    }
  }
  return Status();
}

Result<Value> PickleReader::memo_get(uint64_t index) {
  if (index < memo_.size()) return memo_[index];
  auto it = sparse_memo_.find(index);
  if (it == sparse_memo_.end()) return corrupt("memo key " + std::to_string(index) + " not found");
  return it->second;
}

void PickleReader::alias(const Value& v) {
  shared_ = true;
  if (ValueAccess::has_children(v)) aliased_.push_back(v);
}

Status PickleReader::push_text(std::string raw) {
  if (!utf8::is_valid(raw, /*allow_surrogates=*/true)) return corrupt("str payload is not UTF-8");
  return push(Value::str(std::move(raw)));
}

Status PickleReader::push_bytes(uint64_t n, bool allow_large_sink) {
  CONFLUX_RETURN_IF_ERROR(check_available(n));
  LargeBytesSink* sink = options_.large_bytes;
  if (allow_large_sink && sink != nullptr && n >= sink->threshold()) {
    if (void* dst = sink->begin_large_bytes(n)) {
      CONFLUX_RETURN_IF_ERROR(read_into(dst, n));
      Value placeholder = Value::bytes("");
      detached_[ValueAccess::identity(placeholder)] = n;
      detached_values_.push_back(placeholder);
      return push(std::move(placeholder));
    }
  }
  CONFLUX_ASSIGN_OR_RETURN(std::string data, read_payload(n));
  return push(Value::bytes(std::move(data)));
}

Status PickleReader::set_item(Value& dict, Value key, Value value) {
  if (!dict.is_dict()) return corrupt("SETITEM(S) on " + dict.python_type_name());
  if (!pyglobals::is_hashable_bounded(key)) {
    return corrupt("unhashable dict key of type " + key.python_type_name());
  }
  Dict& d = ValueAccess::dict(dict);
  if (Value* existing = d.find(key)) {
    discard(std::move(*existing));
    *existing = std::move(value);
  } else {
    d.set(std::move(key), std::move(value));
  }
  return Status();
}

Status PickleReader::step(uint8_t op) {
  switch (op) {
    case kProto: {
      CONFLUX_RETURN_IF_ERROR(need(1));
      uint8_t version = u8();
      if (version > kHighestProtocol) {
        return Status::not_supported("unsupported pickle protocol " + std::to_string(version));
      }
      return Status();
    }
    case kFrame:  // frames only help readers that load them whole; we stream regardless
      CONFLUX_RETURN_IF_ERROR(need(8));
      le(8);
      return Status();

    // Scalars.
    case kNone: return push(Value());
    case kNewTrue: return push(Value(true));
    case kNewFalse: return push(Value(false));
    case kBinInt1:
      CONFLUX_RETURN_IF_ERROR(need(1));
      return push(Value(static_cast<int64_t>(u8())));
    case kBinInt2:
      CONFLUX_RETURN_IF_ERROR(need(2));
      return push(Value(static_cast<int64_t>(le(2))));
    case kBinInt:
      CONFLUX_RETURN_IF_ERROR(need(4));
      return push(Value(static_cast<int64_t>(static_cast<int32_t>(le(4)))));
    case kLong1: {
      CONFLUX_RETURN_IF_ERROR(need(1));
      CONFLUX_ASSIGN_OR_RETURN(std::string data, read_payload(u8()));
      return push(Value::int_from_le_bytes(data));
    }
    case kLong4: {
      CONFLUX_RETURN_IF_ERROR(need(4));
      auto n = static_cast<int32_t>(le(4));
      if (n < 0) return corrupt("negative LONG4 byte count");
      CONFLUX_ASSIGN_OR_RETURN(std::string data, read_payload(static_cast<uint64_t>(n)));
      return push(Value::int_from_le_bytes(data));
    }
    case kBinFloat: {
      CONFLUX_RETURN_IF_ERROR(need(8));
      uint64_t bits;
      std::memcpy(&bits, buf_.get() + pos_, 8);
      pos_ += 8;
      return push(Value(std::bit_cast<double>(__builtin_bswap64(bits))));
    }
    case kInt: {
      CONFLUX_ASSIGN_OR_RETURN(std::string line, read_line());
      if (line == "00") return push(Value(false));
      if (line == "01") return push(Value(true));
      int64_t v;
      auto r = std::from_chars(line.data(), line.data() + line.size(), v);
      if (r.ec == std::errc() && r.ptr == line.data() + line.size()) return push(Value(v));
      auto big = Value::int_from_decimal(line);
      if (!big.ok()) return corrupt("bad INT literal: " + big.status().message());
      return push(std::move(*big));
    }
    case kLong: {
      CONFLUX_ASSIGN_OR_RETURN(std::string line, read_line());
      if (!line.empty() && line.back() == 'L') line.pop_back();
      auto v = Value::int_from_decimal(line);
      if (!v.ok()) return corrupt("bad LONG literal: " + v.status().message());
      return push(std::move(*v));
    }
    case kFloat: {
      CONFLUX_ASSIGN_OR_RETURN(std::string line, read_line());
      double v;
      auto r = std::from_chars(line.data(), line.data() + line.size(), v);
      if (r.ec != std::errc() || r.ptr != line.data() + line.size()) {
        return corrupt("bad FLOAT literal '" + line + "'");
      }
      return push(Value(v));
    }

    // Text and bytes.
    case kShortBinUnicode: {
      CONFLUX_RETURN_IF_ERROR(need(1));
      CONFLUX_ASSIGN_OR_RETURN(std::string data, read_payload(u8()));
      return push_text(std::move(data));
    }
    case kBinUnicode: {
      CONFLUX_RETURN_IF_ERROR(need(4));
      CONFLUX_ASSIGN_OR_RETURN(std::string data, read_payload(le(4)));
      return push_text(std::move(data));
    }
    case kBinUnicode8: {
      CONFLUX_RETURN_IF_ERROR(need(8));
      CONFLUX_ASSIGN_OR_RETURN(std::string data, read_payload(le(8)));
      return push_text(std::move(data));
    }
    case kUnicode: {
      CONFLUX_ASSIGN_OR_RETURN(std::string line, read_line());
      auto text = decode_raw_unicode_escape(line);
      if (!text) return corrupt("bad UNICODE literal");
      return push(Value::str(std::move(*text)));
    }
    case kString: {  // Python 2 str; Python 3 decodes it to str (we use Latin-1)
      CONFLUX_ASSIGN_OR_RETURN(std::string line, read_line());
      auto raw = decode_string_literal(line);
      if (!raw) return corrupt("bad STRING literal");
      return push(Value::str(utf8::from_latin1(*raw)));
    }
    case kBinString: {
      CONFLUX_RETURN_IF_ERROR(need(4));
      auto n = static_cast<int32_t>(le(4));
      if (n < 0) return corrupt("negative BINSTRING length");
      CONFLUX_ASSIGN_OR_RETURN(std::string raw, read_payload(static_cast<uint64_t>(n)));
      return push(Value::str(utf8::from_latin1(raw)));
    }
    case kShortBinString: {
      CONFLUX_RETURN_IF_ERROR(need(1));
      CONFLUX_ASSIGN_OR_RETURN(std::string raw, read_payload(u8()));
      return push(Value::str(utf8::from_latin1(raw)));
    }
    case kShortBinBytes:
      CONFLUX_RETURN_IF_ERROR(need(1));
      return push_bytes(u8(), /*allow_large_sink=*/false);
    case kBinBytes:
      CONFLUX_RETURN_IF_ERROR(need(4));
      return push_bytes(le(4), true);
    case kBinBytes8:
    case kByteArray8:  // bytearray is read as bytes
      CONFLUX_RETURN_IF_ERROR(need(8));
      return push_bytes(le(8), true);

    // Containers.
    case kEmptyList: return push(Value::list());
    case kEmptyTuple: return push(Value::tuple());
    case kEmptyDict: return push(Value::dict(Dict()));
    case kEmptySet: return push(Value::set());
    case kMark:
      marks_.push_back(stack_.size());
      return Status();
    case kList: {
      CONFLUX_ASSIGN_OR_RETURN(std::vector<Value> items, pop_to_mark());
      return push(Value::list(std::move(items)));
    }
    case kTuple: {
      CONFLUX_ASSIGN_OR_RETURN(std::vector<Value> items, pop_to_mark());
      return push(Value::tuple(std::move(items)));
    }
    case kTuple1:
    case kTuple2:
    case kTuple3: {
      size_t n = op - kTuple1 + 1;
      size_t fence = marks_.empty() ? 0 : marks_.back();
      if (stack_.size() < fence + n) return corrupt("stack underflow");
      std::vector<Value> items(std::make_move_iterator(stack_.end() - static_cast<std::ptrdiff_t>(n)),
                               std::make_move_iterator(stack_.end()));
      stack_.resize(stack_.size() - n);
      return push(Value::tuple(std::move(items)));
    }
    case kDict: {
      CONFLUX_ASSIGN_OR_RETURN(std::vector<Value> items, pop_to_mark());
      if (items.size() % 2 != 0) return corrupt("odd number of items for DICT");
      Value d = Value::dict(Dict());
      for (size_t i = 0; i < items.size(); i += 2) {
        CONFLUX_RETURN_IF_ERROR(set_item(d, std::move(items[i]), std::move(items[i + 1])));
      }
      return push(std::move(d));
    }
    case kAppend: {
      CONFLUX_ASSIGN_OR_RETURN(Value v, pop());
      CONFLUX_ASSIGN_OR_RETURN(Value * list, top());
      if (!list->is_list()) return corrupt("APPEND to " + list->python_type_name());
      ValueAccess::items(*list).push_back(std::move(v));
      return Status();
    }
    case kAppends: {
      CONFLUX_ASSIGN_OR_RETURN(size_t k, pop_mark());
      if (k == 0) return corrupt("stack underflow");
      Value& list = stack_[k - 1];
      if (!list.is_list()) return corrupt("APPENDS to " + list.python_type_name());
      auto& items = ValueAccess::items(list);
      items.insert(items.end(), std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(k)),
                   std::make_move_iterator(stack_.end()));
      stack_.resize(k);
      return Status();
    }
    case kSetItem: {
      CONFLUX_ASSIGN_OR_RETURN(Value v, pop());
      CONFLUX_ASSIGN_OR_RETURN(Value key, pop());
      CONFLUX_ASSIGN_OR_RETURN(Value * d, top());
      return set_item(*d, std::move(key), std::move(v));
    }
    case kSetItems: {
      CONFLUX_ASSIGN_OR_RETURN(size_t k, pop_mark());
      if (k == 0) return corrupt("stack underflow");
      if ((stack_.size() - k) % 2 != 0) return corrupt("odd number of items for SETITEMS");
      if (!stack_[k - 1].is_dict()) return corrupt("SETITEMS on " + stack_[k - 1].python_type_name());
      for (size_t i = k; i < stack_.size(); i += 2) {
        CONFLUX_RETURN_IF_ERROR(set_item(stack_[k - 1], std::move(stack_[i]), std::move(stack_[i + 1])));
      }
      stack_.resize(k);
      return Status();
    }
    case kAddItems: {
      CONFLUX_ASSIGN_OR_RETURN(size_t k, pop_mark());
      if (k == 0) return corrupt("stack underflow");
      Value& set = stack_[k - 1];
      if (!set.is_set()) return corrupt("ADDITEMS to " + set.python_type_name());
      for (size_t i = k; i < stack_.size(); ++i) {
        if (!pyglobals::is_hashable_bounded(stack_[i])) {
          return corrupt("unhashable set item of type " + stack_[i].python_type_name());
        }
        ValueAccess::set(set).insert(std::move(stack_[i]));
      }
      stack_.resize(k);
      return Status();
    }
    case kFrozenSet: {
      CONFLUX_ASSIGN_OR_RETURN(std::vector<Value> items, pop_to_mark());
      for (const Value& item : items) {
        if (!pyglobals::is_hashable_bounded(item)) {
          return corrupt("unhashable frozenset item of type " + item.python_type_name());
        }
      }
      return push(Value::frozenset(std::move(items)));
    }

    // Stack and memo.
    case kPop: {
      size_t fence = marks_.empty() ? 0 : marks_.back();
      if (!marks_.empty() && stack_.size() == fence) {
        marks_.pop_back();  // POP of a MARK, as CPython allows
        return Status();
      }
      CONFLUX_ASSIGN_OR_RETURN(Value v, pop());
      discard(std::move(v));
      return Status();
    }
    case kPopMark: {
      CONFLUX_ASSIGN_OR_RETURN(std::vector<Value> items, pop_to_mark());
      for (auto& v : items) discard(std::move(v));
      return Status();
    }
    case kDup: {
      CONFLUX_ASSIGN_OR_RETURN(Value * t, top());
      Value copy = *t;
      alias(copy);
      return push(std::move(copy));
    }
    case kGet: {
      CONFLUX_ASSIGN_OR_RETURN(std::string line, read_line());
      CONFLUX_ASSIGN_OR_RETURN(uint64_t index, parse_index(line));
      CONFLUX_ASSIGN_OR_RETURN(Value v, memo_get(index));
      alias(v);
      return push(std::move(v));
    }
    case kBinGet:
    case kLongBinGet: {
      size_t n = op == kBinGet ? 1 : 4;
      CONFLUX_RETURN_IF_ERROR(need(n));
      CONFLUX_ASSIGN_OR_RETURN(Value v, memo_get(le(n)));
      alias(v);
      return push(std::move(v));
    }
    case kPut: {
      CONFLUX_ASSIGN_OR_RETURN(std::string line, read_line());
      CONFLUX_ASSIGN_OR_RETURN(uint64_t index, parse_index(line));
      CONFLUX_ASSIGN_OR_RETURN(Value * t, top());
      return memo_put(index, *t);
    }
    case kBinPut:
    case kLongBinPut: {
      size_t n = op == kBinPut ? 1 : 4;
      CONFLUX_RETURN_IF_ERROR(need(n));
      uint64_t index = le(n);
      CONFLUX_ASSIGN_OR_RETURN(Value * t, top());
      return memo_put(index, *t);
    }
    case kMemoize: {
      CONFLUX_ASSIGN_OR_RETURN(Value * t, top());
      return memo_put(memo_.size() + sparse_memo_.size(), *t);
    }

    // Globals and objects: only the whitelist, and nothing is ever called.
    case kGlobal: {
      CONFLUX_ASSIGN_OR_RETURN(std::string module, read_line());
      CONFLUX_ASSIGN_OR_RETURN(std::string name, read_line());
      CONFLUX_RETURN_IF_ERROR(pyglobals::check_allowed(module, name));
      return push(Value::global(std::move(module), std::move(name)));
    }
    case kStackGlobal: {
      CONFLUX_ASSIGN_OR_RETURN(Value name, pop());
      CONFLUX_ASSIGN_OR_RETURN(Value module, pop());
      if (!module.is_str() || !name.is_str()) return corrupt("STACK_GLOBAL needs two str");
      CONFLUX_RETURN_IF_ERROR(pyglobals::check_allowed(module.as_str(), name.as_str()));
      return push(Value::global(module.as_str(), name.as_str()));
    }
    case kReduce: {
      CONFLUX_ASSIGN_OR_RETURN(Value args, pop());
      CONFLUX_ASSIGN_OR_RETURN(Value callable, pop());
      if (!callable.is_global()) return corrupt("REDUCE on " + callable.python_type_name());
      if (!args.is_tuple()) return corrupt("REDUCE arguments are not a tuple");
      CONFLUX_ASSIGN_OR_RETURN(Value v, pyglobals::reduce(callable, args.items(), detached_));
      discard(std::move(args));
      return push(std::move(v));
    }
    case kNewObj:
    case kNewObjEx: {
      if (op == kNewObjEx) {
        CONFLUX_ASSIGN_OR_RETURN(Value kwargs, pop());
        if (!kwargs.is_dict() || !kwargs.as_dict().empty()) {
          return corrupt("NEWOBJ_EX with keyword arguments is not supported");
        }
      }
      CONFLUX_ASSIGN_OR_RETURN(Value args, pop());
      CONFLUX_ASSIGN_OR_RETURN(Value cls, pop());
      if (!cls.is_global()) return corrupt("NEWOBJ on " + cls.python_type_name());
      if (!args.is_tuple()) return corrupt("NEWOBJ arguments are not a tuple");
      CONFLUX_ASSIGN_OR_RETURN(Value v, pyglobals::newobj(cls, args.items()));
      discard(std::move(args));
      return push(std::move(v));
    }
    case kBuild: {
      CONFLUX_ASSIGN_OR_RETURN(Value state, pop());
      CONFLUX_ASSIGN_OR_RETURN(Value * target, top());
      Status s = pyglobals::build(*target, state, detached_);
      if (!s.ok()) return s.code() == StatusCode::kCorruption ? corrupt(s.message()) : s;
      return Status();
    }
    case kInst: {
      CONFLUX_ASSIGN_OR_RETURN(std::string module, read_line());
      CONFLUX_ASSIGN_OR_RETURN(std::string name, read_line());
      CONFLUX_RETURN_IF_ERROR(pyglobals::check_allowed(module, name));
      CONFLUX_ASSIGN_OR_RETURN(std::vector<Value> args, pop_to_mark());
      CONFLUX_ASSIGN_OR_RETURN(
          Value v, pyglobals::reduce(Value::global(module, name), std::move(args), detached_));
      return push(std::move(v));
    }
    case kObj: {
      CONFLUX_ASSIGN_OR_RETURN(std::vector<Value> items, pop_to_mark());
      if (items.empty() || !items[0].is_global()) return corrupt("OBJ without a class");
      Value cls = items[0];
      items.erase(items.begin());
      CONFLUX_ASSIGN_OR_RETURN(Value v, pyglobals::reduce(cls, std::move(items), detached_));
      return push(std::move(v));
    }
    case kPersId:
    case kBinPersId:
      return Status::not_supported("pickles with persistent IDs cannot be read");
    case kExt1:
    case kExt2:
    case kExt4:
      return Status::not_supported("pickles using the copyreg extension registry cannot be read");
    case kNextBuffer:
    case kReadOnlyBuffer:
      return Status::not_supported("pickles with out-of-band buffers (protocol 5) cannot be read");
    default:
      return corrupt("invalid opcode");
  }
}

// --- End of reading ------------------------------------------------------------------------------

Status PickleReader::validate(const Value& result, NodeMap& nodes) {
  struct Frame {
    const Value* v;
    size_t next = 0;
    int height = 0;
    uint64_t expanded = 1;
  };
  const uint64_t max_expanded = kExpansionBase + kExpansionPerByte * offset();
  std::vector<Frame> frames;

  // Visits a value: leaves report immediately; containers are pushed (or reused if shared).
  auto visit = [&](const Value* v, int* height, uint64_t* expanded) -> Status {
    *height = 0;
    *expanded = 1;
    if (v->is_ndarray() && v->as_ndarray().dtype.empty()) {
      return Status::corruption("bad pickle: numpy array without its state");
    }
    if (!ValueAccess::has_children(*v)) return Status();
    if (shared_) {
      auto it = nodes.find(ValueAccess::identity(*v));
      if (it != nodes.end()) {
        if (!it->second.done) {
          return Status::not_supported("pickle contains a self-referencing structure");
        }
        *height = it->second.height;
        *expanded = it->second.expanded;
        return Status();
      }
      nodes.emplace(ValueAccess::identity(*v), NodeInfo{});
    }
    if (frames.size() >= static_cast<size_t>(kMaxValueDepth)) {
      return Status::not_supported("pickle nests deeper than " + std::to_string(kMaxValueDepth) +
                                   " levels");
    }
    frames.push_back(Frame{v});
    *height = -1;  // pending
    return Status();
  };

  int h;
  uint64_t e;
  CONFLUX_RETURN_IF_ERROR(visit(&result, &h, &e));
  while (!frames.empty()) {
    Frame& f = frames.back();
    const Value* child = child_at(*f.v, f.next++);
    if (child != nullptr) {
      size_t depth_before = frames.size();
      CONFLUX_RETURN_IF_ERROR(visit(child, &h, &e));
      if (frames.size() == depth_before) {  // a leaf or an already-validated shared node
        Frame& parent = frames.back();
        parent.height = std::max(parent.height, h + 1);
        parent.expanded = std::min(max_expanded + 1, parent.expanded + e);
      }
      continue;
    }
    Frame done = f;
    frames.pop_back();
    if (shared_) {
      if (done.expanded > max_expanded) {
        return Status::not_supported("pickle's shared references expand to too many objects");
      }
      NodeInfo& info = nodes[ValueAccess::identity(*done.v)];
      info.done = true;
      info.height = done.height;
      info.expanded = done.expanded;
    }
    if (!frames.empty()) {
      Frame& parent = frames.back();
      parent.height = std::max(parent.height, done.height + 1);
      parent.expanded = std::min(max_expanded + 1, parent.expanded + done.expanded);
    }
  }
  return Status();
}

void PickleReader::dispose(const NodeMap* keep) {
  std::vector<Value> pending;
  for (Value& a : aliased_) {
    if (keep == nullptr || keep->count(ValueAccess::identity(a)) == 0) {
      ValueAccess::take_children(a, pending);
    }
  }
  aliased_.clear();
  auto drain = [&](std::vector<Value>& from) {
    for (auto& v : from) pending.push_back(std::move(v));
    from.clear();
  };
  drain(stack_);
  drain(memo_);
  drain(graveyard_);
  drain(detached_values_);
  for (auto& [index, v] : sparse_memo_) pending.push_back(std::move(v));
  sparse_memo_.clear();
  marks_.clear();
  // Take containers apart iteratively: destroying a deep chain recursively could overflow the
  // stack. Payloads still shared (e.g. with the result) are only released.
  while (!pending.empty()) {
    Value v = std::move(pending.back());
    pending.pop_back();
    if (ValueAccess::has_children(v) && ValueAccess::use_count(v) == 1) {
      ValueAccess::take_children(v, pending);
    }
  }
}

}  // namespace conflux
