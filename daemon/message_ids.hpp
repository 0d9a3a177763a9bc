// The journal MESSAGE_IDs of edgegw's stable events: fixed 128-bit ids (made once with
// `systemd-id128 new`, never changed or reused) that systemd/edgegw.catalog explains, so that
// `journalctl -x` shows what an event means and what to do, and `journalctl MESSAGE_ID=<id>` finds
// every occurrence whatever the wording of the line. One header so that an id is never
// duplicated; the catalog test checks that every id here has an entry there.
#pragma once

#include <array>
#include <string_view>

namespace edgegw::daemon::log {

struct MessageId {
  std::string_view id;    // 32 lowercase hex digits
  std::string_view name;  // what the event is, for tests and the catalog check
};

inline constexpr MessageId kAuthFailed{"781132fe59014191a9c645dc7e1598c2", "auth failed"};
inline constexpr MessageId kIdentityConflict{"66608799cf2b422cbab2d1b56a660044",
                                             "identity conflict"};
inline constexpr MessageId kClockWait{"43afd39f8acb4f9497bf8fc6f58d2783", "clock wait"};
inline constexpr MessageId kStoreDropping{"5682ed6c110740daa85c1bd03f901890",
                                          "store full, dropping"};
inline constexpr MessageId kStoreQuarantined{"4b5c9ac476634dba997d7fadad6f2922",
                                             "store quarantined"};
inline constexpr MessageId kStoreWalPinned{"3e5ac9199e974ec6a0cfbde738aaba6b", "store wal pinned"};
inline constexpr MessageId kCertificateExpiring{"29890d01ed2e4b6e852a43f0571f0bd3",
                                                "certificate expiring"};
inline constexpr MessageId kConfigRefused{"8d4d89fb47304ae5be23c5c433884929", "config refused"};

inline constexpr std::array kAllMessageIds = {
    kAuthFailed,       kIdentityConflict, kClockWait,           kStoreDropping,
    kStoreQuarantined, kStoreWalPinned,   kCertificateExpiring, kConfigRefused};

}  // namespace edgegw::daemon::log
