// Terminals and the attached foreground loop: a pty pair, passing its master over a console socket,
// and forwarding signals, window size and bytes between the user's terminal and the container.
#include "csystem_fdpass.h"
#include "include/cskiff_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

void cskiff_set_window_size(int fd, unsigned short rows, unsigned short cols) {
    if (!rows || !cols) return;
    struct winsize ws = {.ws_row = rows, .ws_col = cols};
    ioctl(fd, TIOCSWINSZ, &ws);
}

ssize_t cskiff_send_fd_with(int sock, int fd, const void *payload, size_t len) {
    return csys_send_fd_with(sock, fd, payload, len);
}

int cskiff_send_fd_on(int sock, int fd) {
    // runc sends the terminal's name as the payload; callers such as conmon only use the fd.
    static const char payload[] = "/dev/ptmx";
    return cskiff_send_fd_with(sock, fd, payload, sizeof payload - 1) < 0 ? -1 : 0;
}

int cskiff_recv_fd(int sock) {
    char payload[256];
    int fd;
    ssize_t n = csys_recv_fd_with(sock, payload, sizeof payload, &fd);
    if (n <= 0) {
        if (n == 0) errno = 0;
        return -1;
    }
    if (fd < 0) errno = EBADMSG;
    return fd;
}

int cskiff_send_fd(const char *socket_path, int fd) {
    int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (sock < 0) return -1;
    struct sockaddr_un addr;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    if (strlen(socket_path) >= sizeof addr.sun_path) {
        close(sock);
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(addr.sun_path, socket_path);
    if (connect(sock, (struct sockaddr *)&addr, sizeof addr) != 0) {
        int e = errno;
        close(sock);
        errno = e;
        return -1;
    }
    int rc = cskiff_send_fd_on(sock, fd);
    int e = errno;
    close(sock);
    errno = e;
    return rc;
}

static void forwarded_signals(sigset_t *set) {
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
    sigaddset(set, SIGQUIT);
    sigaddset(set, SIGUSR1);
    sigaddset(set, SIGUSR2);
    sigaddset(set, SIGWINCH);
}

void cskiff_block_signals(void) {
    sigset_t set;
    forwarded_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static int copy_once(int from, int to) {
    char buf[8192];
    ssize_t n = read(from, buf, sizeof buf);
    if (n <= 0) return n < 0 && (errno == EINTR || errno == EAGAIN) ? 1 : 0;
    ssize_t off = 0;
    while (off < n) {
        ssize_t w = write(to, buf + off, (size_t)(n - off));
        if (w < 0) {
            if (errno == EINTR) continue;
            return 0;
        }
        off += w;
    }
    return 1;
}

static void copy_window_size(int from, int to) {
    struct winsize ws;
    if (ioctl(from, TIOCGWINSZ, &ws) == 0) ioctl(to, TIOCSWINSZ, &ws);
}

int cskiff_supervise(int pidfd, int console_master, int *exit_code, int *signal) {
    return cskiff_supervise_cancellable(pidfd, console_master, -1, STDOUT_FILENO, 1, exit_code, signal);
}

int cskiff_supervise_cancellable(int pidfd, int console_master, int cancel_fd, int console_out, int relay_input,
                                 int *exit_code, int *signal) {
    // With a cancel fd the caller owns SIGINT/SIGTERM (they cancel it): none is taken or forwarded here.
    int sfd = -1;
    if (cancel_fd < 0) {
        sigset_t set;
        forwarded_signals(&set);
        sfd = signalfd(-1, &set, SFD_CLOEXEC);
        if (sfd < 0) return -1;
    }

    struct termios saved;
    int raw = 0;
    // Without input (`run -t` without -i) the caller's terminal stays as it is, so Ctrl-C still reaches
    // skiff as SIGINT and is forwarded, as with Docker's client.
    if (console_master >= 0 && relay_input && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0) {
        struct termios t = saved;
        cfmakeraw(&t);
        if (tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0) raw = 1;
    }
    if (console_master >= 0) copy_window_size(STDIN_FILENO, console_master);

    int stdin_open = console_master >= 0 && relay_input;
    int master_open = console_master >= 0;
    for (;;) {
        struct pollfd fds[5] = {
            {.fd = pidfd, .events = POLLIN},
            {.fd = sfd, .events = POLLIN},
            {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN},
            {.fd = master_open ? console_master : -1, .events = POLLIN},
            {.fd = cancel_fd, .events = POLLIN},
        };
        if (poll(fds, 5, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[4].revents) {
            // Cancelled: the container dies now (its init is its pid namespace's, so all of it goes);
            // the loop goes on until the pidfd reports the exit.
            syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
            cancel_fd = -1;
        }
        if (fds[1].revents & POLLIN) {
            struct signalfd_siginfo si;
            if (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                if ((int)si.ssi_signo == SIGWINCH) {
                    if (console_master >= 0) copy_window_size(STDIN_FILENO, console_master);
                } else {
                    syscall(SYS_pidfd_send_signal, pidfd, (int)si.ssi_signo, NULL, 0);
                }
            }
        }
        if (fds[3].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (!copy_once(console_master, console_out)) master_open = 0;
        }
        if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
            if (!copy_once(STDIN_FILENO, console_master)) stdin_open = 0;
        }
        if (fds[0].revents & POLLIN) {
            // Drain what the container printed last before reporting its exit.
            while (master_open) {
                struct pollfd p = {.fd = console_master, .events = POLLIN};
                if (poll(&p, 1, 0) <= 0 || !copy_once(console_master, console_out)) break;
            }
            break;
        }
    }
    if (raw) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    if (sfd >= 0) close(sfd);
    return cskiff_wait(pidfd, exit_code, signal);
}
