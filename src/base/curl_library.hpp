// libcurl, loaded when the first S3 or metadata-service request is sent instead of when every
// process starts.
//
// Linking libcurl costs each process about 2 ms before main() (its dependency tree is some 30
// shared libraries: TLS, Kerberos, LDAP, SSH, ...), and a flow binary starts one process per
// task, many of which never talk to S3 or a service. So the S3 client and the metadata service
// client reach libcurl through this table, filled by dlopen("libcurl.so.4") the first time it is
// needed.
//
// Thread safety: load() may be called from any thread; api() after load() succeeded.
#pragma once

#include <curl/curl.h>

#include "conflux/status.hpp"

namespace conflux::curl {

struct Api {
  CURLcode (*global_init)(long flags);
  CURL* (*easy_init)();
  CURLcode (*easy_setopt)(CURL* handle, CURLoption option, ...);
  CURLcode (*easy_perform)(CURL* handle);
  CURLcode (*easy_getinfo)(CURL* handle, CURLINFO info, ...);
  void (*easy_reset)(CURL* handle);
  void (*easy_cleanup)(CURL* handle);
  const char* (*easy_strerror)(CURLcode code);
  curl_slist* (*slist_append)(curl_slist* list, const char* text);
  void (*slist_free_all)(curl_slist* list);
};

// Loads libcurl and runs its global initialization, once per process. The error (every call
// returns it) names the library and says which package provides it.
Status load();

// REQUIRES: load() succeeded.
const Api& api();

}  // namespace conflux::curl
