#include "transfer/tar_stream.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace conflux::transfer {

namespace {

Status io_error(const std::filesystem::path& path, const std::string& what) {
  return Status::io_error(what + " '" + path.string() + "': " + std::strerror(errno));
}

// Counts what goes through, so add() can check the size it announced.
class CountingSink final : public ByteSink {
 public:
  explicit CountingSink(std::FILE* file) : file_(file) {}
  void write(const void* data, size_t n) override {
    if (!status_.ok()) return;
    if (std::fwrite(data, 1, n, file_) != n) status_ = Status::io_error(std::string("write: ") + std::strerror(errno));
    written_ += n;
  }
  Status status() const override { return status_; }
  uint64_t written() const { return written_; }

 private:
  std::FILE* file_;
  uint64_t written_ = 0;
  Status status_;
};

}  // namespace

Status copy_stream(ByteSource& in, ByteSink& out) {
  std::string buf(1 << 20, '\0');
  while (true) {
    CONFLUX_ASSIGN_OR_RETURN(size_t n, in.read(buf.data(), buf.size()));
    if (n == 0) return out.status();
    out.write(buf.data(), n);
  }
}

Result<std::unique_ptr<TarFileWriter>> TarFileWriter::create(const std::filesystem::path& path) {
  std::filesystem::path partial = path;
  partial += ".partial";
  std::FILE* f = std::fopen(partial.c_str(), "wb");
  if (f == nullptr) return io_error(partial, "cannot create");
  return std::unique_ptr<TarFileWriter>(new TarFileWriter(path, f));
}

TarFileWriter::TarFileWriter(std::filesystem::path path, std::FILE* file)
    : path_(std::move(path)), partial_(path_), file_(file) {
  partial_ += ".partial";
}

TarFileWriter::~TarFileWriter() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::error_code ec;
    std::filesystem::remove(partial_, ec);
  }
}

Status TarFileWriter::add(std::string_view path, uint64_t size, const std::function<Status(ByteSink&)>& fill) {
  if (file_ == nullptr) return Status::failed_precondition("the bundle is already finished");
  CONFLUX_ASSIGN_OR_RETURN(std::string header, tar_file_header(path, size, 0644, 0));
  if (std::fwrite(header.data(), 1, header.size(), file_) != header.size()) return io_error(partial_, "cannot write");
  CountingSink sink(file_);
  CONFLUX_RETURN_IF_ERROR(fill(sink));
  CONFLUX_RETURN_IF_ERROR(sink.status());
  if (sink.written() != size) {
    return Status::failed_precondition("'" + std::string(path) + "' changed while it was exported: " +
                                       std::to_string(sink.written()) + " bytes instead of " + std::to_string(size));
  }
  static const char zeros[kTarBlock] = {};
  size_t pad = tar_padding(size);
  if (std::fwrite(zeros, 1, pad, file_) != pad) return io_error(partial_, "cannot write");
  return Status();
}

Status TarFileWriter::add(std::string_view path, std::string_view bytes) {
  return add(path, bytes.size(), [&](ByteSink& out) {
    out.write(bytes.data(), bytes.size());
    return Status();
  });
}

Status TarFileWriter::finish() {
  if (file_ == nullptr) return Status::failed_precondition("the bundle is already finished");
  static const char zeros[2 * kTarBlock] = {};
  bool ok = std::fwrite(zeros, 1, sizeof zeros, file_) == sizeof zeros;
  ok = std::fflush(file_) == 0 && ok;
  ok = ::fsync(fileno(file_)) == 0 && ok;
  int closed = std::fclose(file_);
  file_ = nullptr;
  if (!ok || closed != 0) {
    std::error_code ec;
    std::filesystem::remove(partial_, ec);
    return io_error(partial_, "cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(partial_, path_, ec);
  if (ec) return Status::io_error("cannot rename '" + partial_.string() + "' to '" + path_.string() + "': " + ec.message());
  return Status();
}

// The bytes of one entry; reports truncation.
class TarFileReader::EntrySource final : public ByteSource {
 public:
  EntrySource(std::FILE* file, const std::filesystem::path& path, std::string name, uint64_t size)
      : file_(file), path_(path), name_(std::move(name)), left_(size) {}
  Result<size_t> read(void* buf, size_t n) override {
    if (left_ == 0) return size_t{0};
    size_t want = static_cast<size_t>(std::min<uint64_t>(n, left_));
    size_t got = std::fread(buf, 1, want, file_);
    if (got == 0) {
      if (std::ferror(file_)) return Status::io_error("reading '" + path_.string() + "': " + std::strerror(errno));
      return Status::corruption("the bundle '" + path_.string() + "' is truncated: it ends inside '" + name_ + "'");
    }
    left_ -= got;
    return got;
  }
  uint64_t left() const { return left_; }

 private:
  std::FILE* file_;
  const std::filesystem::path& path_;
  std::string name_;
  uint64_t left_;
};

Result<std::unique_ptr<TarFileReader>> TarFileReader::open(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return io_error(path, "cannot open");
  return std::unique_ptr<TarFileReader>(new TarFileReader(path, f));
}

TarFileReader::TarFileReader(std::filesystem::path path, std::FILE* file) : path_(std::move(path)), file_(file) {}

TarFileReader::~TarFileReader() { std::fclose(file_); }

Result<std::optional<TarHeader>> TarFileReader::next() {
  if (entry_) {
    // Skip what was not read, then the padding.
    const uint64_t pad = tar_padding(offset_);  // offset_ is already past the data
    const uint64_t skip = entry_->left() + pad;
    if (skip > 0 && ::fseeko(file_, static_cast<off_t>(skip), SEEK_CUR) != 0) return io_error(path_, "cannot seek in");
    offset_ += pad;
    entry_.reset();
  }
  char block[kTarBlock];
  size_t got = std::fread(block, 1, kTarBlock, file_);
  if (got != kTarBlock) {
    if (std::ferror(file_)) return io_error(path_, "cannot read");
    return Status::corruption("the bundle '" + path_.string() + "' is truncated: it ends after " +
                              std::to_string(offset_ + got) + " bytes, without tar's end blocks");
  }
  CONFLUX_ASSIGN_OR_RETURN(std::optional<TarHeader> header, parse_tar_header(block, offset_));
  offset_ += kTarBlock;
  if (!header) return header;
  entry_ = std::make_unique<EntrySource>(file_, path_, header->path, header->size);
  offset_ += header->size;
  return header;
}

ByteSource& TarFileReader::data() { return *entry_; }

Result<std::string> TarFileReader::read_all() {
  std::string out;
  char buf[65536];
  while (true) {
    CONFLUX_ASSIGN_OR_RETURN(size_t n, entry_->read(buf, sizeof buf));
    if (n == 0) return out;
    out.append(buf, n);
  }
}

}  // namespace conflux::transfer
