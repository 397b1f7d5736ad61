// Termination signals (SIGINT, SIGTERM) taken from a signalfd, for cancelling long commands.
#ifndef CSYSTEM_SIGNALS_H
#define CSYSTEM_SIGNALS_H

/// A close-on-exec signalfd for SIGINT and SIGTERM, or -1 with errno. The caller must keep both
/// blocked in every thread (skiff's main does, before any thread exists), or they are not queued.
int csys_termination_signalfd(void);

/// A close-on-exec, non-blocking signalfd for SIGWINCH (kept blocked as the termination signals are), or -1.
int csys_window_signalfd(void);

/// The terminal `fd`'s window size: 0 and rows/columns, or -1 when it is no terminal.
int csys_window_size(int fd, unsigned short *rows, unsigned short *columns);

/// A close-on-exec, non-blocking signalfd for the signals a foreground process started by skiff is sent
/// when skiff gets them (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2: cskiff_supervise's, which
/// skiff's main blocks), or -1.
int csys_forwarded_signalfd(void);

/// Read one signal from a (non-blocking) signalfd: its number, 0 when none is pending, -1 with errno.
int csys_read_signal(int signal_fd);

/// Wait until `signal_fd` has a signal or `stop_fd` is readable (poll, retried on EINTR). Returns the
/// signal's number, 0 when `stop_fd` is readable, -1 with errno on failure.
int csys_wait_signal(int signal_fd, int stop_fd);

/// pipe2(O_CLOEXEC, plus O_NONBLOCK when `nonblocking`): 0, or -1 with errno.
int csys_pipe(int fds[2], int nonblocking);

#endif
