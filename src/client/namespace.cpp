// Namespace and Metaflow's default namespace rule (util.resolve_identity).
#include <algorithm>

#include "conflux/client.hpp"

namespace conflux {

Namespace Namespace::user(std::string_view username) {
  return of("user:" + std::string(username));
}

Namespace Namespace::of(std::string tag) {
  Namespace ns;
  ns.tag_ = std::move(tag);
  return ns;
}

bool Namespace::contains(const std::vector<std::string>& tags) const {
  if (!tag_) return true;
  return std::find(tags.begin(), tags.end(), *tag_) != tags.end();
}

Namespace default_namespace(std::string_view username,
                            std::optional<std::string_view> production_token) {
  if (production_token && !production_token->empty()) {
    return Namespace::of("production:" + std::string(*production_token));
  }
  return Namespace::user(username);
}

}  // namespace conflux
