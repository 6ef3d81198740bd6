// Foreach chunks: a wide foreach's elements, stored a second time in slices of kForeachChunkSize,
// so that each of its tasks decodes one small slice instead of the whole sequence. Decoding the
// whole sequence in every task costs O(n) per task: at 100,000 elements it weighed as much as the
// rest of a trivial task's work.
//
// The split task writes the slices as blobs and lists them in its internal artifact
// `_foreach_chunks`, a tuple (split step, slice size, number of elements, [sha of each slice]).
// A task whose parent has no such artifact (a narrow foreach, a run of an older Conflux or of
// Metaflow) or whose slice cannot be read decodes the whole sequence, as before: the sequence
// stays the source of truth. The artifact is not passed down to later steps; `conflux gc` keeps
// the slices of the runs it keeps. Only local datastores get slices: on an object store a slice
// is one more request per task, which costs about what decoding the sequence saves.
// The elements are stored twice (the sequence and its slices): a wide foreach of large elements
// takes twice their space.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conflux/value.hpp"
#include "datastore/content_addressed_store.hpp"

namespace conflux {

class InputTask;

inline constexpr std::string_view kForeachChunksArtifact = "_foreach_chunks";
inline constexpr int64_t kForeachChunkSize = 1024;
// Narrower foreaches decode their whole sequence in well under a millisecond.
inline constexpr int64_t kChunkedForeachMin = 4096;

// Saves the slices of a foreach's `elements` (all of them, in order) when there are at least
// kChunkedForeachMin; returns the value of _foreach_chunks, or nullopt for a narrow foreach.
Result<std::optional<Value>> save_foreach_chunks(ContentAddressedStore& cas, const std::string& split_step,
                                                 const std::vector<Value>& elements);

struct ForeachElement {
  Value element;
  int64_t count = 0;  // the foreach's number of elements
};

// Element `index` of the foreach split by `parent`, read from its slice; nullopt when `parent` has
// no _foreach_chunks or it or the slice cannot be read or does not hold the element: the caller
// then decodes the whole sequence, which also reports a bad index.
std::optional<ForeachElement> load_chunked_element(ContentAddressedStore& cas, InputTask& parent, int64_t index);

// The blobs a _foreach_chunks value lists.
Result<std::vector<std::string>> foreach_chunk_shas(const Value& chunks);

}  // namespace conflux
