#include "conflux/byte_stream.hpp"

#include <algorithm>
#include <cstring>

namespace conflux {

Result<size_t> StringViewSource::read(void* buf, size_t n) {
  size_t k = std::min(n, data_.size() - pos_);
  std::memcpy(buf, data_.data() + pos_, k);
  pos_ += k;
  return k;
}

}  // namespace conflux
