// File descriptors below FD_SETSIZE (1024) for libmodbus. libmodbus 3.1.6 waits for every response
// with select(), and FD_SET on an fd >= 1024 writes past the fd_set: memory corruption (or a
// fortify abort). A gateway with thousands of cloud sessions has thousands of fds open, so a socket
// or serial port opened late would land above 1024.
//
// The cure: at startup, before the sessions open, reserve a few low fds as placeholders
// (/dev/null). A bus takes one slot for its lifetime and moves each new socket or serial fd onto it
// with dup3() (atomically replacing the placeholder); closing puts a placeholder back, so the low
// number is never released to whoever opens a file next.
#pragma once

namespace edgegw::southbound {

inline constexpr int kSelectFdLimit = 1024;  // FD_SETSIZE on glibc

// Reserves `count` more low placeholder fds (fewer if the low range is already full). Call early,
// once per bus or a few spare; returns how many are reserved in total.
int reserve_low_fds(int count);

// A reserved slot (< 1024) for the caller's exclusive use, or -1 if none is left and no free fd
// below 1024 could be reserved now.
int take_low_fd();

// Gives back a slot obtained from take_low_fd(); it must hold a placeholder (see release below).
void return_low_fd(int slot);

// Moves `fd` onto `slot` (closing the placeholder there, and `fd`); returns slot, or -1 on error.
int move_to_low_fd(int fd, int slot);

// Closes whatever `slot` holds by putting a placeholder there instead.
void release_to_placeholder(int slot);

}  // namespace edgegw::southbound
