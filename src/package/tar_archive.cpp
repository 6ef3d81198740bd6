#include "package/tar_archive.hpp"

#include <algorithm>
#include <cstring>

namespace conflux {

namespace {

constexpr size_t kBlock = kTarBlock;

// Writes `value` as a zero-padded octal field of `width` bytes (the last one a NUL).
void put_octal(char* field, size_t width, uint64_t value) {
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + (value & 7)));
    value >>= 3;
  } while (value);
  if (digits.size() < width - 1) digits.insert(0, width - 1 - digits.size(), '0');
  std::memcpy(field, digits.data(), width - 1);
  field[width - 1] = '\0';
}

Result<uint64_t> get_octal(const char* field, size_t width) {
  uint64_t value = 0;
  size_t i = 0;
  while (i < width && (field[i] == ' ' || field[i] == '\0')) ++i;
  for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i) value = value * 8 + static_cast<uint64_t>(field[i] - '0');
  for (; i < width; ++i) {
    if (field[i] != ' ' && field[i] != '\0') return Status::corruption("tar: bad octal number in a header");
  }
  return value;
}

bool safe_path(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (path.substr(start, slash - start) == "..") return false;
    start = slash + 1;
  }
  return true;
}

}  // namespace

Result<std::string> tar_file_header(std::string_view path, uint64_t size, uint32_t mode, int64_t mtime) {
  if (!safe_path(path) || path.size() > 255) {
    return Status::invalid_argument("tar: cannot store the path '" + std::string(path) + "'");
  }
  if (size >= (uint64_t{1} << 33)) {
    return Status::invalid_argument("tar: '" + std::string(path) + "' is 8 GiB or more, which a ustar header cannot hold");
  }
  char header[kBlock] = {};
  std::string name(path), prefix;
  if (name.size() > 100) {
    // ustar splits a long path at a '/' into prefix (155) and name (100).
    size_t cut = name.rfind('/', 155);
    if (cut == std::string::npos || name.size() - cut - 1 > 100) {
      return Status::invalid_argument("tar: cannot store the path '" + std::string(path) + "'");
    }
    prefix = name.substr(0, cut);
    name = name.substr(cut + 1);
  }
  std::memcpy(header, name.data(), name.size());
  put_octal(header + 100, 8, mode);
  put_octal(header + 108, 8, 0);  // uid
  put_octal(header + 116, 8, 0);  // gid
  put_octal(header + 124, 12, size);
  put_octal(header + 136, 12, static_cast<uint64_t>(mtime));
  std::memset(header + 148, ' ', 8);  // the checksum counts its own field as spaces
  header[156] = '0';                   // regular file
  std::memcpy(header + 257, "ustar", 6);
  std::memcpy(header + 263, "00", 2);
  std::memcpy(header + 345, prefix.data(), prefix.size());
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  put_octal(header + 148, 7, sum);
  header[155] = ' ';
  return std::string(header, kBlock);
}

Result<std::optional<TarHeader>> parse_tar_header(const char* h, uint64_t offset) {
  if (std::all_of(h, h + kBlock, [](char c) { return c == '\0'; })) return std::optional<TarHeader>();
  CONFLUX_ASSIGN_OR_RETURN(uint64_t stored_sum, get_octal(h + 148, 8));
  unsigned sum = 0;
  for (size_t i = 0; i < kBlock; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  if (sum != stored_sum) return Status::corruption("tar: header checksum mismatch at byte " + std::to_string(offset));
  TarHeader out;
  CONFLUX_ASSIGN_OR_RETURN(out.size, get_octal(h + 124, 12));
  CONFLUX_ASSIGN_OR_RETURN(uint64_t mode, get_octal(h + 100, 8));
  out.mode = static_cast<uint32_t>(mode & 07777);
  out.path.assign(h, strnlen(h, 100));
  std::string prefix(h + 345, strnlen(h + 345, 155));
  if (std::memcmp(h + 257, "ustar", 5) == 0 && !prefix.empty()) out.path = prefix + "/" + out.path;
  out.type = h[156];
  if ((out.type == '0' || out.type == '\0') && !safe_path(out.path)) {
    return Status::corruption("tar: refusing the unsafe path '" + out.path + "'");
  }
  return std::optional<TarHeader>(std::move(out));
}

Result<std::string> write_tar(const std::vector<TarEntry>& entries, int64_t mtime) {
  std::string out;
  for (const TarEntry& e : entries) {
    CONFLUX_ASSIGN_OR_RETURN(std::string header, tar_file_header(e.path, e.data.size(), e.mode, mtime));
    out += header;
    out.append(e.data);
    out.append(tar_padding(e.data.size()), '\0');
  }
  out.append(2 * kBlock, '\0');
  return out;
}

Result<std::vector<TarEntry>> read_tar(std::string_view bytes) {
  std::vector<TarEntry> entries;
  size_t pos = 0;
  while (pos + kBlock <= bytes.size()) {
    CONFLUX_ASSIGN_OR_RETURN(std::optional<TarHeader> header, parse_tar_header(bytes.data() + pos, pos));
    if (!header) break;  // end of archive
    pos += kBlock;
    if (pos + header->size > bytes.size()) return Status::corruption("tar: '" + header->path + "' is truncated");
    if (header->type == '0' || header->type == '\0') {
      entries.push_back({header->path, std::string(bytes.substr(pos, header->size)), header->mode});
    } else if (header->type != '5') {
      return Status::corruption("tar: '" + header->path + "' is not a regular file or directory (type '" +
                                std::string(1, header->type) + "')");
    }
    pos += (header->size + kBlock - 1) / kBlock * kBlock;
  }
  return entries;
}

}  // namespace conflux
