// Foreach chunks: a wide foreach's elements, stored a second time in slices of kForeachChunkSize,
// so that each of its tasks decodes one small slice instead of the whole sequence. Decoding the
// whole sequence in every task costs O(n) per task: at 100,000 elements it weighed as much as the
// rest of a trivial task's work.
//
// The split task writes the slices as blobs and lists them in its internal artifact
// `_foreach_chunks`, a tuple (split step, slice size, number of elements, [sha of each slice]).
// A task whose parent has no such artifact (a narrow foreach, a run of an older Conflux or of
// Metaflow) or whose slice cannot be read decodes the whole sequence, as before. The artifact is
// not passed down to later steps; `conflux gc` keeps the slices of the runs it keeps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conflux/value.hpp"
#include "datastore/content_addressed_store.hpp"
#include "task/input_task.hpp"

namespace conflux {

inline constexpr std::string_view kForeachChunksArtifact = "_foreach_chunks";
inline constexpr int64_t kForeachChunkSize = 1024;
// Narrower foreaches decode their whole sequence in well under a millisecond.
inline constexpr int64_t kChunkedForeachMin = 4096;

// Saves the slices of `sequence` (a foreach artifact of `num_splits` elements) when it has at least
// kChunkedForeachMin of them; returns the value of _foreach_chunks, or nullopt for a narrow one.
Result<std::optional<Value>> save_foreach_chunks(ContentAddressedStore& cas, const std::string& split_step,
                                                 const Value& sequence, int64_t num_splits);

struct ForeachElement {
  Value element;
  int64_t count = 0;  // the foreach's number of elements
};

// Element `index` of the foreach split by `parent`, read from its slice; nullopt when `parent` has
// no usable _foreach_chunks (the caller then decodes the whole sequence). A slice that does not
// hold the element is an error (corruption).
Result<std::optional<ForeachElement>> load_chunked_element(ContentAddressedStore& cas, InputTask& parent,
                                                           int64_t index);

// The blobs a _foreach_chunks value lists.
Result<std::vector<std::string>> foreach_chunk_shas(const Value& chunks);

}  // namespace conflux
