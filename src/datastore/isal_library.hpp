// Intel's ISA-L deflate (libisal.so.2), loaded the first time a large blob is compressed or
// decompressed instead of when every process starts.
//
// ISA-L's igzip writes deflate streams any inflater reads (Python's gzip included), about 4x
// faster than zlib at a comparable ratio and decodes them about 2x faster, which is what makes
// gzip'ing artifacts of hundreds of MiB affordable. Most tasks never hold such an artifact, so the
// library is not linked: a task that does loads it here. Where it is missing, callers fall back to
// zlib: same format, only slower.
//
// Thread safety: available() may be called from any thread; api() after it returned true.
#pragma once

#include <isa-l/igzip_lib.h>

namespace conflux::isal {

struct Api {
  void (*deflate_stateless_init)(isal_zstream* stream);
  int (*deflate_stateless)(isal_zstream* stream);
  void (*inflate_init)(inflate_state* state);
  int (*inflate_stateless)(inflate_state* state);
};

// True when libisal.so.2 loaded and has every function above (tried once per process).
bool available();

// REQUIRES: available().
const Api& api();

}  // namespace conflux::isal
