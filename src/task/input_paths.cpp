#include "task/input_paths.hpp"

#include <zlib.h>

#include "base/base64.hpp"

namespace conflux {

namespace {

constexpr char kSeparator = ',';
constexpr char kPrefixDelimiter = ':';
constexpr char kZlibMarker = '!';
constexpr size_t kZlibMin = 500;

Result<std::string> zlib_compress(std::string_view in) {
  uLongf size = compressBound(static_cast<uLong>(in.size()));
  std::string out(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(in.data()),
                static_cast<uLong>(in.size()), Z_DEFAULT_COMPRESSION) != Z_OK) {
    return Status::internal("zlib could not compress the input paths");
  }
  out.resize(size);
  return out;
}

Result<std::string> zlib_decompress(std::string_view in) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return Status::internal("zlib: inflateInit failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - zs.avail_out);
    if (rc == Z_BUF_ERROR && zs.avail_in == 0) break;
  }
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::invalid_argument("the compressed input paths are corrupt (zlib)");
  return out;
}

std::vector<std::string> split(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(kSeparator, start);
    if (comma == std::string_view::npos) comma = text.size();
    if (comma > start) out.emplace_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::string compress_input_paths(const std::vector<std::string>& paths) {
  std::string text;
  size_t common = paths.empty() ? 0 : paths.front().size();
  for (const auto& p : paths) {
    size_t k = 0;
    while (k < common && k < p.size() && p[k] == paths.front()[k]) ++k;
    common = k;
  }
  if (paths.size() < 2 || common == 0) {
    for (const auto& p : paths) text += (text.empty() ? "" : ",") + p;
  } else {
    text = paths.front().substr(0, common) + kPrefixDelimiter;
    for (size_t i = 0; i < paths.size(); ++i) {
      if (i) text += kSeparator;
      text.append(paths[i], common);
    }
  }
  if (text.size() < kZlibMin) return text;
  // Twice: the suffixes of a foreach are so regular that a second pass still halves them.
  auto once = zlib_compress(text);
  auto twice = once.ok() ? zlib_compress(*once) : once;
  if (!twice.ok()) return text;  // cannot happen with valid buffers; the long form still works
  return kZlibMarker + base64_encode(*twice);
}

Result<std::vector<std::string>> decompress_input_paths(std::string_view text) {
  std::string decoded;
  if (!text.empty() && text.front() == kZlibMarker) {
    auto bytes = base64_decode(text.substr(1));
    if (!bytes) return Status::invalid_argument("the compressed input paths are not base64");
    CONFLUX_ASSIGN_OR_RETURN(std::string once, zlib_decompress(*bytes));
    CONFLUX_ASSIGN_OR_RETURN(decoded, zlib_decompress(once));
  } else {
    decoded = std::string(text);
  }
  size_t delimiter = decoded.find(kPrefixDelimiter);
  if (delimiter == std::string::npos) return split(decoded);
  if (decoded.find(kPrefixDelimiter, delimiter + 1) != std::string::npos) {
    return Status::invalid_argument("malformed input paths: more than one ':'");
  }
  std::string prefix = decoded.substr(0, delimiter);
  std::vector<std::string> out;
  std::string_view suffixes(decoded);
  suffixes.remove_prefix(delimiter + 1);
  size_t start = 0;
  while (start <= suffixes.size()) {
    size_t comma = suffixes.find(kSeparator, start);
    if (comma == std::string_view::npos) comma = suffixes.size();
    out.push_back(prefix + std::string(suffixes.substr(start, comma - start)));
    start = comma + 1;
  }
  return out;
}

}  // namespace conflux
