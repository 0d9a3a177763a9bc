#include "cloud/topic_access.hpp"

namespace edgegw::cloud {

bool topic_allowed(const Identity& identity, std::string_view topic) {
  if (identity.platform == Platform::observer) return true;
  for (const auto& root : identity.topic_roots) {
    if (topic == root) return true;
    if (topic.size() > root.size() && topic.substr(0, root.size()) == root &&
        topic[root.size()] == '/') {
      return true;
    }
  }
  return false;
}

}  // namespace edgegw::cloud
