#include <cstdio>

#include "daemon/version.hpp"

int main() {
  std::printf("edgegw %.*s\n", static_cast<int>(edgegw::daemon::version().size()),
              edgegw::daemon::version().data());
  return 0;
}
