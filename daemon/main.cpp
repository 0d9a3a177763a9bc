#include <malloc.h>

#include "daemon/cli.hpp"

int main(int argc, char** argv) {
  // glibc raises its mmap threshold to the largest block freed so far: after the first 4 MB status
  // file of 10,000 devices, such buffers come from the heap and their pages stay resident between
  // rewrites (~0.8 KiB per device). A fixed threshold maps and unmaps them.
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  return edgegw::daemon::run_cli(argc, argv);
}
