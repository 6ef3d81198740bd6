// ClientObject: the accessors every client object shares.
#include <algorithm>

#include "client/client_state.hpp"

namespace conflux {

const std::string& ClientObject::id() const {
  switch (core_.path.depth) {
    case 2: return core_.path.run_id;
    case 3: return core_.path.step;
    case 4: return core_.path.task_id;
    case 5: return core_.path.artifact;
    default: return core_.path.flow;
  }
}

bool ClientObject::has_tag(std::string_view tag) const {
  return std::binary_search(core_.tags.begin(), core_.tags.end(), tag);
}

const Namespace& ClientObject::current_namespace() const {
  static const Namespace kGlobal;
  return core_.state ? core_.state->ns : kGlobal;
}

}  // namespace conflux
