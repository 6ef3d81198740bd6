// Router: maps a method and a path to an API handler by metaflow-service's route templates
// ("/flows/{flow_id}/runs/{run_number}"), capturing the {placeholders}. The template is also the
// route's label in metrics.
//
// Thread safety: immutable after construction; match() is safe to call concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "service/api/api.hpp"

namespace conflux::service {

struct RouteMatch {
  ApiHandler handler = nullptr;  // null: no route (see path_known)
  const char* label = "unmatched";
  bool path_known = false;  // the path exists with another method (405)
  std::vector<std::string> params;
};

// Finds the route of `method` `path`. Path segments are matched literally except placeholders.
RouteMatch match_route(std::string_view method, std::string_view path);

}  // namespace conflux::service
