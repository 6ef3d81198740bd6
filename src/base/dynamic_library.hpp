// Looking up functions in a library loaded with dlopen (libcurl, ISA-L, libcrypto: libraries that
// only some processes need, loaded when first needed instead of linked).
#pragma once

#include <dlfcn.h>

namespace conflux {

// Stores symbol `name` of `library` in `*out` as a typed function pointer; false if it is absent.
template <class F>
bool resolve_symbol(void* library, const char* name, F* out) {
  void* symbol = dlsym(library, name);
  *out = reinterpret_cast<F>(symbol);
  return symbol != nullptr;
}

}  // namespace conflux
