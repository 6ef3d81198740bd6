#include "task/foreach_chunks.hpp"

#include <algorithm>

#include "conflux/codec.hpp"
#include "task/foreach_values.hpp"

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
                                                 const Value& sequence, int64_t num_splits) {
  if (num_splits < kChunkedForeachMin) return std::optional<Value>();
  std::vector<Value> shas;
  for (int64_t begin = 0; begin < num_splits; begin += kForeachChunkSize) {
    int64_t end = std::min(num_splits, begin + kForeachChunkSize);
    std::vector<Value> slice;
    slice.reserve(static_cast<size_t>(end - begin));
    for (int64_t i = begin; i < end; ++i) {
      CONFLUX_ASSIGN_OR_RETURN(Value element, foreach_element(sequence, i));
      slice.push_back(std::move(element));
    }
    Value list = Value::list(std::move(slice));
    auto saved = cas.save([&list](ByteSink& sink) { return write_pickle(list, sink); });
    if (!saved.ok()) return saved.status().with_context("cannot save the foreach's elements " + std::to_string(begin));
    shas.emplace_back(saved->sha);
  }
  return std::optional<Value>(
      Value::tuple({Value(split_step), Value(kForeachChunkSize), Value(num_splits), Value::list(std::move(shas))}));
}

Result<std::optional<ForeachElement>> load_chunked_element(ContentAddressedStore& cas, InputTask& parent,
                                                           int64_t index) {
  if (!parent.has(kForeachChunksArtifact)) return std::optional<ForeachElement>();
  Result<Value> value = parent.value(kForeachChunksArtifact);
  if (!value.ok()) return std::optional<ForeachElement>();
  Result<ChunkList> chunks = parse_chunks(*value);
  // Written by another split step (an older version passed it down): not this foreach's.
  if (!chunks.ok() || chunks->split_step != parent.step()) return std::optional<ForeachElement>();
  if (index < 0 || index >= chunks->count) {
    return Status::invalid_argument("foreach index " + std::to_string(index) + " is out of range (" +
                                    std::to_string(chunks->count) + " elements)");
  }
  const std::string& sha = chunks->shas[static_cast<size_t>(index / chunks->chunk_size)];
  Result<std::string> bytes = cas.load_all(sha);
  if (!bytes.ok()) {
    // Swept (e.g. by a gc that predates slices): the whole sequence still has the element.
    if (bytes.status().is_not_found()) return std::optional<ForeachElement>();
    return bytes.status().with_context("cannot read the foreach's elements from " + parent.pathspec());
  }
  CONFLUX_ASSIGN_OR_RETURN(Value slice, read_pickle_from_string(*bytes));
  size_t offset = static_cast<size_t>(index % chunks->chunk_size);
  if (!slice.is_list() || offset >= slice.items().size()) {
    return Status::corruption("the foreach's elements in blob " + sha + " of " + parent.pathspec() +
                              " do not hold element " + std::to_string(index));
  }
  return std::optional<ForeachElement>(ForeachElement{slice.items()[offset], chunks->count});
}

Result<std::vector<std::string>> foreach_chunk_shas(const Value& chunks) {
  CONFLUX_ASSIGN_OR_RETURN(ChunkList list, parse_chunks(chunks));
  return list.shas;
}

}  // namespace conflux
