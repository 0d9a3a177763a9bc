// daemon_sessions_bench --status-ticks: what the daemon's once-a-second status work costs with
// nothing changing, at several device counts (issue 18). See status_ticks.cpp.
#pragma once

#include <string>

namespace edgegw::bench {

// `counts`: "1000,5000,10000". Prints `figure | ours | peer | ratio` lines; returns the exit code.
int status_ticks(const std::string& counts);

}  // namespace edgegw::bench
