// The json-file log writer shared by skiff-monitor and the CLI's attached runs (see cjsonlog.h).
#include "include/cjsonlog.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

void cjsonlog_write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

static void open_file(struct cjsonlog *log, int truncate) {
    log->fd = openat(log->dir_fd, "log.jsonl", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0640);
    struct stat st;
    log->size = (log->fd >= 0 && fstat(log->fd, &st) == 0) ? st.st_size : 0;
}

int cjsonlog_open(struct cjsonlog *log, int dir_fd, long long max_size, int max_files, int compress,
                  const char *attrs) {
    log->dir_fd = dir_fd;
    log->compress = compress;
    log->max_size = max_size > 0 ? max_size : 0;
    log->max_files = max_files > 0 ? max_files : 1;
    log->attrs = attrs && attrs[0] ? attrs : NULL;
    log->forward = NULL;
    log->partial_len[0] = log->partial_len[1] = 0;
    log->pending_len = 0;
    log->time_sec = -1;
    open_file(log, 0);
    return log->fd >= 0 ? 0 : -1;
}

// Gzip `from` into `to` (through a temporary name, so a reader never sees half a file), then remove `from`.
static void gzip_file(int dir_fd, const char *from, const char *to) {
    int in = openat(dir_fd, from, O_RDONLY | O_CLOEXEC);
    if (in < 0) return;
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%s.tmp", to);
    int out = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    gzFile gz = out >= 0 ? gzdopen(out, "wb") : NULL;
    if (!gz) {
        if (out >= 0) close(out);
        close(in);
        return;
    }
    char buf[65536];
    ssize_t n;
    int ok = 1;
    while ((n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR) continue;
            ok = 0;
            break;
        }
        if (gzwrite(gz, buf, (unsigned)n) != (int)n) { ok = 0; break; }
    }
    close(in);
    if (gzclose(gz) != Z_OK) ok = 0;
    if (ok && renameat(dir_fd, tmp, dir_fd, to) == 0) unlinkat(dir_fd, from, 0);
    else unlinkat(dir_fd, tmp, 0);
}

static void write_pending(struct cjsonlog *log) {
    if (log->pending_len && log->fd >= 0) cjsonlog_write_all(log->fd, log->pending, log->pending_len);
    log->pending_len = 0;
}

static void rotate(struct cjsonlog *log) {
    write_pending(log);
    if (log->fd >= 0) close(log->fd);
    log->fd = -1;
    char from[32], to[32];
    const char *ext = log->compress ? ".gz" : "";
    for (int i = log->max_files - 1; i >= 1; i--) {
        if (i == 1) snprintf(from, sizeof from, "log.jsonl");
        else snprintf(from, sizeof from, "log.jsonl.%d%s", i - 1, ext);
        snprintf(to, sizeof to, "log.jsonl.%d%s", i, i == 1 ? "" : ext);
        renameat(log->dir_fd, from, log->dir_fd, to);
    }
    // Docker compresses the file just rotated out; the older ones already are.
    if (log->compress && log->max_files > 1) gzip_file(log->dir_fd, "log.jsonl.1", "log.jsonl.1.gz");
    open_file(log, 1);
}

int cjsonlog_read_gzip(const char *path, char **out, size_t *len) {
    gzFile gz = gzopen(path, "rb");
    if (!gz) return -1;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) break;
        if (n == cap) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) { free(buf); buf = NULL; break; }
            buf = bigger;
            cap *= 2;
        }
        int got = gzread(gz, buf + n, (unsigned)(cap - n));
        if (got < 0) { free(buf); buf = NULL; break; }
        if (got == 0) break;
        n += (size_t)got;
    }
    gzclose(gz);
    if (!buf) return -1;
    *out = buf;
    *len = n;
    return 0;
}

// RFC 3339 with nanoseconds, UTC (Go's RFC3339Nano as json-file writes it, every digit kept).
static size_t rfc3339(struct cjsonlog *log, char *out) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if ((long long)ts.tv_sec != log->time_sec) {
        struct tm tmv;
        gmtime_r(&ts.tv_sec, &tmv);
        log->time_prefix_len = strftime(log->time_prefix, sizeof log->time_prefix, "%Y-%m-%dT%H:%M:%S", &tmv);
        log->time_sec = (long long)ts.tv_sec;
    }
    size_t n = log->time_prefix_len;
    memcpy(out, log->time_prefix, n);
    out[n++] = '.';
    long ns = ts.tv_nsec;
    for (int i = 8; i >= 0; i--) {
        out[n + (size_t)i] = (char)('0' + ns % 10);
        ns /= 10;
    }
    n += 9;
    out[n++] = 'Z';
    return n;
}

// Length of a valid UTF-8 sequence at p (at most n bytes), or 0.
static int utf8_len(const unsigned char *p, size_t n) {
    int len;
    if (p[0] < 0x80) return 1;
    else if ((p[0] & 0xE0) == 0xC0 && p[0] >= 0xC2) len = 2;
    else if ((p[0] & 0xF0) == 0xE0) len = 3;
    else if ((p[0] & 0xF8) == 0xF0 && p[0] <= 0xF4) len = 4;
    else return 0;
    if ((size_t)len > n) return 0;
    for (int i = 1; i < len; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    return len;
}

size_t cjsonlog_escape(char *out, const char *data, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)data[i];
        if (c == '"' || c == '\\') { out[n++] = '\\'; out[n++] = (char)c; i++; }
        else if (c == '\n') { out[n++] = '\\'; out[n++] = 'n'; i++; }
        else if (c == '\r') { out[n++] = '\\'; out[n++] = 'r'; i++; }
        else if (c == '\t') { out[n++] = '\\'; out[n++] = 't'; i++; }
        else if (c < 0x20 || c == 0x7f) { n += (size_t)sprintf(out + n, "\\u%04x", c); i++; }
        else if (c < 0x80) { out[n++] = (char)c; i++; }
        else {
            int l = utf8_len((const unsigned char *)data + i, len - i);
            if (l == 0) { memcpy(out + n, "\\ufffd", 6); n += 6; i++; }
            else { memcpy(out + n, data + i, (size_t)l); n += (size_t)l; i += (size_t)l; }
        }
    }
    return n;
}

static void write_entry(struct cjsonlog *log, int stream, const char *data, size_t len) {
    cjsonlog_forward_send(log->forward, stream, data, len);
    if (log->fd < 0) return;
    char *entry = log->entry;
    size_t n = 0;
    memcpy(entry, "{\"log\":\"", 8);
    n = 8 + cjsonlog_escape(entry + 8, data, len);
    n += (size_t)snprintf(entry + n, sizeof log->entry - n, "\",\"stream\":\"%s\"", stream == 2 ? "stderr" : "stdout");
    // Docker's order: log, stream, attrs, time.
    char tail[96];
    size_t t = (size_t)snprintf(tail, sizeof tail, ",\"time\":\"");
    t += rfc3339(log, tail + t);
    t += (size_t)snprintf(tail + t, sizeof tail - t, "\"}\n");
    struct iovec iov[4] = {{entry, n}, {(void *)",\"attrs\":", 0}, {(void *)log->attrs, 0}, {tail, t}};
    if (log->attrs) {
        iov[1].iov_len = 9;
        iov[2].iov_len = strlen(log->attrs);
    }
    size_t total = n + iov[1].iov_len + iov[2].iov_len + t;
    if (log->max_size > 0 && log->size > 0 && log->size + (long long)total > log->max_size) rotate(log);
    if (log->fd < 0) return;
    log->size += (long long)total;
    // Whole entries gather in `pending` (one write per cjsonlog_write, O_APPEND): a reader never sees
    // half of one unless the disk is full.
    if (log->pending_len + total > sizeof log->pending) write_pending(log);
    if (total <= sizeof log->pending) {
        for (int k = 0; k < 4; k++) {
            if (iov[k].iov_len) memcpy(log->pending + log->pending_len, iov[k].iov_base, iov[k].iov_len);
            log->pending_len += iov[k].iov_len;
        }
        return;
    }
    // Larger than `pending` (a long line of escapes): on its own.
    ssize_t w;
    do { w = writev(log->fd, iov, 4); } while (w < 0 && errno == EINTR);
    if (w >= 0 && (size_t)w < total) {
        // A short write: the rest, piece by piece.
        size_t done = (size_t)w;
        for (int k = 0; k < 4; k++) {
            if (done >= iov[k].iov_len) { done -= iov[k].iov_len; continue; }
            cjsonlog_write_all(log->fd, (const char *)iov[k].iov_base + done, iov[k].iov_len - done);
            done = 0;
        }
    }
}

void cjsonlog_write(struct cjsonlog *log, int stream, const char *buf, size_t len) {
    int s = stream == 2 ? 1 : 0;
    char *partial = log->partial[s];
    while (len > 0) {
        const char *nl = memchr(buf, '\n', len);
        size_t take = nl ? (size_t)(nl - buf) + 1 : len;
        size_t room = CJSONLOG_LINE_MAX - log->partial_len[s];
        if (take > room) take = room;
        memcpy(partial + log->partial_len[s], buf, take);
        log->partial_len[s] += take;
        buf += take;
        len -= take;
        if (partial[log->partial_len[s] - 1] == '\n' || log->partial_len[s] == CJSONLOG_LINE_MAX) {
            write_entry(log, stream, partial, log->partial_len[s]);
            log->partial_len[s] = 0;
        }
    }
    write_pending(log);
}

void cjsonlog_flush(struct cjsonlog *log) {
    for (int s = 0; s < 2; s++) {
        if (log->partial_len[s]) write_entry(log, s + 1, log->partial[s], log->partial_len[s]);
        log->partial_len[s] = 0;
    }
    write_pending(log);
}

void cjsonlog_close(struct cjsonlog *log) {
    cjsonlog_flush(log);
    if (log->fd >= 0) close(log->fd);
    log->fd = -1;
}

int cjsonlog_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

// Everything, or false (the destination failed: a closed pipe, with SIGPIPE ignored). A destination
// left non-blocking (by a shell sharing the terminal) is waited for, not given up on.
static int print(int fd, const char *p, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd w = {.fd = fd, .events = POLLOUT};
            poll(&w, 1, -1);
            continue;
        }
        if (n <= 0) return 0;
        p += n;
        len -= (size_t)n;
    }
    return 1;
}

void cjsonlog_relay(struct cjsonlog *log, int out_from, int out_to, int err_from, int err_to) {
    int from[2] = {out_from, err_from};
    int to[2] = {out_to, err_to};
    char buf[65536];
    while (from[0] >= 0 || from[1] >= 0) {
        struct pollfd p[2] = {{.fd = from[0], .events = POLLIN}, {.fd = from[1], .events = POLLIN}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (from[i] < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) continue;
            ssize_t n = read(from[i], buf, sizeof buf);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            int gone = 0;
            if (n > 0) {
                if (to[i] >= 0 && !print(to[i], buf, (size_t)n)) gone = 1;
                cjsonlog_write(log, i + 1, buf, (size_t)n);
            }
            if (gone) n = 0;
            if (n <= 0) {
                close(from[i]);
                from[i] = -1;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (from[i] >= 0) close(from[i]);
    cjsonlog_flush(log);
}
