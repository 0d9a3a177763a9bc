#include "daemon/cli.hpp"

int main(int argc, char** argv) {
  return edgegw::daemon::run_cli(argc, argv);
}
