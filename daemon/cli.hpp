// The command line (CONFIG.md): edgegw [-c FILE] [--log-level L] run | check | credentials DEVICE
// [--time UNIX_MS] [--connid ID] | status [--json], and --version. Exit codes: 0 ok, 78 a
// configuration error (every problem printed as FILE:LINE:COLUMN: message), 1 anything else.
#pragma once

namespace edgegw::daemon {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitConfig = 78;  // EX_CONFIG

int run_cli(int argc, char** argv);

}  // namespace edgegw::daemon
