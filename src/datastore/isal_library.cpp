#include "datastore/isal_library.hpp"

#include <dlfcn.h>

#include <mutex>

namespace conflux::isal {

namespace {

Api g_api;
bool g_available = false;
std::once_flag g_once;

template <class F>
bool resolve(void* library, const char* name, F* out) {
  void* symbol = dlsym(library, name);
  *out = reinterpret_cast<F>(symbol);
  return symbol != nullptr;
}

void load_once() {
  // The soname of Debian's libisal2; never unloaded.
  void* library = dlopen("libisal.so.2", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) return;
  g_available = resolve(library, "isal_deflate_stateless_init", &g_api.deflate_stateless_init) &&
                resolve(library, "isal_deflate_stateless", &g_api.deflate_stateless) &&
                resolve(library, "isal_inflate_init", &g_api.inflate_init) &&
                resolve(library, "isal_inflate_stateless", &g_api.inflate_stateless);
}

}  // namespace

bool available() {
  std::call_once(g_once, load_once);
  return g_available;
}

const Api& api() { return g_api; }

}  // namespace conflux::isal
