#include "datastore/isal_library.hpp"

#include <dlfcn.h>

#include <mutex>

#include "base/dynamic_library.hpp"

namespace conflux::isal {

namespace {

Api g_api;
bool g_available = false;
std::once_flag g_once;

void load_once() {
  // The soname of Debian's libisal2; never unloaded.
  void* library = dlopen("libisal.so.2", RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) return;
  g_available = resolve_symbol(library, "isal_deflate_stateless_init", &g_api.deflate_stateless_init) &&
                resolve_symbol(library, "isal_deflate_stateless", &g_api.deflate_stateless) &&
                resolve_symbol(library, "isal_inflate_init", &g_api.inflate_init) &&
                resolve_symbol(library, "isal_inflate_stateless", &g_api.inflate_stateless);
}

}  // namespace

bool available() {
  std::call_once(g_once, load_once);
  return g_available;
}

const Api& api() { return g_api; }

}  // namespace conflux::isal
