#include "csystem_signals.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

int csys_termination_signalfd(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int csys_window_signalfd(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGWINCH);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int csys_forwarded_signalfd(void) {
    sigset_t set;
    sigemptyset(&set);
    int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    for (unsigned i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaddset(&set, forwarded[i]);
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int csys_window_size(int fd, unsigned short *rows, unsigned short *columns) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return -1;
    *rows = ws.ws_row;
    *columns = ws.ws_col;
    return 0;
}

int csys_read_signal(int signal_fd) {
    struct signalfd_siginfo si;
    ssize_t n = read(signal_fd, &si, sizeof si);
    if (n == (ssize_t)sizeof si) return (int)si.ssi_signo;
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    return -1;
}

int csys_wait_signal(int signal_fd, int stop_fd) {
    for (;;) {
        struct pollfd fds[2] = {{.fd = signal_fd, .events = POLLIN}, {.fd = stop_fd, .events = POLLIN}};
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (fds[1].revents) return 0;
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo si;
            ssize_t n = read(signal_fd, &si, sizeof si);
            if (n == (ssize_t)sizeof si) return (int)si.ssi_signo;
            if (n < 0 && errno != EAGAIN && errno != EINTR) return -1;
        }
    }
}

int csys_pipe(int fds[2], int nonblocking) {
    return pipe2(fds, O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0));
}
