#include "base/curl_library.hpp"

#include <dlfcn.h>

#include <mutex>
#include <string>

#include "base/dynamic_library.hpp"

namespace conflux::curl {

namespace {

Api g_api;
Status g_status;
std::once_flag g_once;

template <class F>
void resolve(void* library, const char* name, F* out, std::string* missing) {
  if (!resolve_symbol(library, name, out)) *missing += (missing->empty() ? "" : ", ") + std::string(name);
}

void load_once() {
  // The soname of Debian's libcurl4 (and every libcurl since 7.16); never unloaded.
  void* library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    g_status = Status::failed_precondition(std::string("S3 and the metadata service need libcurl, which cannot be loaded (") +
                                           dlerror() + "); install it (Debian: apt-get install libcurl4)");
    return;
  }
  std::string missing;
  resolve(library, "curl_global_init", &g_api.global_init, &missing);
  resolve(library, "curl_easy_init", &g_api.easy_init, &missing);
  resolve(library, "curl_easy_setopt", &g_api.easy_setopt, &missing);
  resolve(library, "curl_easy_perform", &g_api.easy_perform, &missing);
  resolve(library, "curl_easy_getinfo", &g_api.easy_getinfo, &missing);
  resolve(library, "curl_easy_reset", &g_api.easy_reset, &missing);
  resolve(library, "curl_easy_cleanup", &g_api.easy_cleanup, &missing);
  resolve(library, "curl_easy_strerror", &g_api.easy_strerror, &missing);
  resolve(library, "curl_slist_append", &g_api.slist_append, &missing);
  resolve(library, "curl_slist_free_all", &g_api.slist_free_all, &missing);
  if (!missing.empty()) {
    g_status = Status::failed_precondition("the libcurl.so.4 found lacks " + missing + " (too old a libcurl)");
    return;
  }
  if (CURLcode rc = g_api.global_init(CURL_GLOBAL_DEFAULT); rc != CURLE_OK) {
    g_status = Status::internal(std::string("libcurl failed to initialize: ") + g_api.easy_strerror(rc));
  }
}

}  // namespace

Status load() {
  std::call_once(g_once, load_once);
  return g_status;
}

const Api& api() { return g_api; }

}  // namespace conflux::curl
