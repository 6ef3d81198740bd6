#include "task/foreach_chunks.hpp"

#include <algorithm>

#include "conflux/codec.hpp"
#include "task/input_task.hpp"

namespace conflux {

namespace {

// The parts of a _foreach_chunks value, checked.
struct ChunkList {
  std::string split_step;
  int64_t chunk_size = 0;
  int64_t count = 0;
  std::vector<std::string> shas;
};

Result<ChunkList> parse_chunks(const Value& chunks) {
  auto bad = [] { return Status::corruption("_foreach_chunks is not (step, slice size, count, [sha, ...])"); };
  if (!chunks.is_tuple() || chunks.items().size() != 4) return bad();
  const auto& parts = chunks.items();
  if (!parts[0].is_str() || !parts[1].is_int() || !parts[2].is_int() || !parts[3].is_list()) return bad();
  ChunkList out{parts[0].as_str(), parts[1].as_int(), parts[2].as_int(), {}};
  if (out.chunk_size <= 0 || out.count <= 0) return bad();
  for (const Value& sha : parts[3].items()) {
    if (!sha.is_str()) return bad();
    out.shas.push_back(sha.as_str());
  }
  if (static_cast<int64_t>(out.shas.size()) != (out.count + out.chunk_size - 1) / out.chunk_size) return bad();
  return out;
}

}  // namespace

Result<std::optional<Value>> save_foreach_chunks(ContentAddressedStore& cas, const std::string& split_step,
                                                 const std::vector<Value>& elements) {
  const int64_t count = static_cast<int64_t>(elements.size());
  if (count < kChunkedForeachMin) return std::optional<Value>();
  std::vector<Value> shas;
  for (int64_t begin = 0; begin < count; begin += kForeachChunkSize) {
    int64_t end = std::min(count, begin + kForeachChunkSize);
    Value slice = Value::list(std::vector<Value>(elements.begin() + begin, elements.begin() + end));
    auto saved = cas.save([&slice](ByteSink& sink) { return write_pickle(slice, sink); });
    if (!saved.ok()) return saved.status().with_context("cannot save the foreach's elements from " + std::to_string(begin));
    shas.emplace_back(saved->sha);
  }
  return std::optional<Value>(
      Value::tuple({Value(split_step), Value(kForeachChunkSize), Value(count), Value::list(std::move(shas))}));
}

std::optional<ForeachElement> load_chunked_element(ContentAddressedStore& cas, InputTask& parent, int64_t index) {
  if (!parent.has(kForeachChunksArtifact)) return std::nullopt;
  Result<Value> value = parent.value(kForeachChunksArtifact);
  if (!value.ok()) return std::nullopt;
  Result<ChunkList> chunks = parse_chunks(*value);
  // Defensive: slices that another split step wrote are not this foreach's.
  if (!chunks.ok() || chunks->split_step != parent.step()) return std::nullopt;
  if (index < 0 || index >= chunks->count) return std::nullopt;
  Result<std::string> bytes = cas.load_all(chunks->shas[static_cast<size_t>(index / chunks->chunk_size)]);
  if (!bytes.ok()) return std::nullopt;  // e.g. swept by a gc that did not know slices
  Result<Value> slice = read_pickle_from_string(*bytes);
  size_t offset = static_cast<size_t>(index % chunks->chunk_size);
  if (!slice.ok() || !slice->is_list() || offset >= slice->items().size()) return std::nullopt;
  return ForeachElement{slice->items()[offset], chunks->count};
}

Result<std::vector<std::string>> foreach_chunk_shas(const Value& chunks) {
  CONFLUX_ASSIGN_OR_RETURN(ChunkList list, parse_chunks(chunks));
  return list.shas;
}

}  // namespace conflux
