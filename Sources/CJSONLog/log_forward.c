// Docker's syslog, journald, gelf and fluentd logging drivers: each log line also goes to a syslog
// server, the journal, a GELF server (Graylog, Logstash) or a Fluentd forward input, while log.jsonl
// stays as the local copy `logs` reads (Docker's dual logging). The spec is plain data made by Skiff
// (LogForwardSpec): which server, and the fixed parts of every message.
#include "include/cjsonlog.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <sys/random.h>
#include <unistd.h>
#include <zlib.h>

enum { KIND_SYSLOG = 1, KIND_JOURNALD = 2, KIND_GELF = 3, KIND_FLUENTD = 4 };
enum { COMPRESS_GZIP, COMPRESS_ZLIB, COMPRESS_NONE };
// go-gelf's UDP datagram size; a larger message goes in chunks of this size with a 12-byte header.
#define GELF_CHUNK 1420
enum { FORMAT_UNIX, FORMAT_RFC3164, FORMAT_RFC5424, FORMAT_RFC5424_MICRO };

struct cjsonlog_forward {
    int kind;
    int fd;
    char net[16];        // unixgram, unix, udp, tcp, or local (the first syslog socket that answers)
    char address[512];   // a socket path, or HOST:PORT
    int facility;        // syslog: the facility's code, shifted (daemon: 3 << 3)
    int format;
    int pid;
    char hostname[256];
    char tag[512];
    char *fields;        // journald: the fixed "KEY=VALUE\n" lines; fluentd: the record's fixed entries
    size_t fields_len;
    int compression;     // gelf over udp: gzip (Docker's default), zlib or none
    int level;           // gelf: the compression level (1 unless given)
    char *extra;         // gelf: the message's fixed fields, a JSON fragment starting with a comma
    char *big;           // gelf and fluentd: room for a message of a whole escaped line
    size_t big_cap;
    int subsecond;       // fluentd: the time as an EventTime (seconds and nanoseconds)
    int lazy;            // connect when the first line comes, not at open (fluentd-async)
    char message[CJSONLOG_LINE_MAX + 4096];
};

static void say(char *err, size_t errlen, const char *fmt, ...) {
    if (!err || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int connect_unix(const char *path, int type) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

// HOST:PORT ([V6]:PORT) over udp or tcp, the first address that connects.
static int connect_inet(const char *address, int type, char *err, size_t errlen) {
    char host[512];
    const char *colon = strrchr(address, ':');
    if (!colon || colon == address) {
        say(err, errlen, "%s: expected HOST:PORT", address);
        return -1;
    }
    size_t hl = (size_t)(colon - address);
    if (address[0] == '[' && hl >= 2 && address[hl - 1] == ']') {
        memcpy(host, address + 1, hl - 2);
        host[hl - 2] = 0;
    } else {
        memcpy(host, address, hl);
        host[hl] = 0;
    }
    struct addrinfo hints = {.ai_socktype = type}, *res = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0) {
        say(err, errlen, "lookup %s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, e = 0;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) { e = errno; continue; }
        if (connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            e = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) say(err, errlen, "dial %s %s: %s", type == SOCK_STREAM ? "tcp" : "udp", address, strerror(e));
    return fd;
}

static int forward_connect(struct cjsonlog_forward *f, char *err, size_t errlen) {
    int fd = -1;
    if (strcmp(f->net, "local") == 0) {
        // As Docker's syslog driver without syslog-address: the host's syslog socket, datagram first.
        static const char *paths[] = {"/dev/log", "/var/run/syslog", "/var/run/log"};
        for (int t = 0; t < 2 && fd < 0; t++)
            for (int i = 0; i < 3 && fd < 0; i++) fd = connect_unix(paths[i], t == 0 ? SOCK_DGRAM : SOCK_STREAM);
        if (fd < 0) say(err, errlen, "Unix syslog delivery error (no syslog socket at /dev/log)");
    } else if (strcmp(f->net, "unixgram") == 0 || strcmp(f->net, "unix") == 0) {
        fd = connect_unix(f->address, strcmp(f->net, "unix") == 0 ? SOCK_STREAM : SOCK_DGRAM);
        if (fd < 0) say(err, errlen, "dial %s %s: %s", f->net, f->address, strerror(errno));
    } else if (strcmp(f->net, "udp") == 0 || strcmp(f->net, "tcp") == 0) {
        fd = connect_inet(f->address, strcmp(f->net, "tcp") == 0 ? SOCK_STREAM : SOCK_DGRAM, err, errlen);
    } else {
        say(err, errlen, "unknown network %s", f->net);
    }
    if (fd >= 0) {
        // A server that stops reading must not hold the container's output for ever.
        struct timeval tv = {.tv_sec = 5};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    f->fd = fd;
    return fd >= 0 ? 0 : -1;
}

static int add_field(struct cjsonlog_forward *f, const char *line, size_t len) {
    char *grown = realloc(f->fields, f->fields_len + len + 1);
    if (!grown) return -1;
    f->fields = grown;
    memcpy(f->fields + f->fields_len, line, len);
    f->fields[f->fields_len + len] = '\n';
    f->fields_len += len + 1;
    return 0;
}

struct cjsonlog_forward *cjsonlog_forward_open(const char *spec, char *err, size_t errlen) {
    struct cjsonlog_forward *f = calloc(1, sizeof *f);
    if (!f) {
        say(err, errlen, "out of memory");
        return NULL;
    }
    f->fd = -1;
    f->facility = 3 << 3;
    f->level = 1;
    f->pid = (int)getpid();
    for (const char *p = spec; p && *p;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *space = memchr(p, ' ', len);
        size_t kl = space ? (size_t)(space - p) : len;
        const char *v = space ? space + 1 : p + len;
        size_t vl = len - (size_t)(v - p);
#define KEY(k) (kl == sizeof(k) - 1 && memcmp(p, k, kl) == 0)
#define COPY(dst)                                              \
    do {                                                       \
        size_t n = vl < sizeof(dst) - 1 ? vl : sizeof(dst) - 1; \
        memcpy(dst, v, n);                                     \
        dst[n] = 0;                                            \
    } while (0)
        if (KEY("kind")) {
            if (vl == 8 && memcmp(v, "journald", 8) == 0) f->kind = KIND_JOURNALD;
            else if (vl == 6 && memcmp(v, "syslog", 6) == 0) f->kind = KIND_SYSLOG;
            else if (vl == 4 && memcmp(v, "gelf", 4) == 0) f->kind = KIND_GELF;
            else if (vl == 7 && memcmp(v, "fluentd", 7) == 0) f->kind = KIND_FLUENTD;
        }
        else if (KEY("net")) COPY(f->net);
        else if (KEY("address")) COPY(f->address);
        else if (KEY("hostname")) COPY(f->hostname);
        else if (KEY("tag")) COPY(f->tag);
        else if (KEY("facility")) f->facility = atoi(v) << 3;
        else if (KEY("format")) {
            if (vl == 7 && memcmp(v, "rfc3164", 7) == 0) f->format = FORMAT_RFC3164;
            else if (vl == 7 && memcmp(v, "rfc5424", 7) == 0) f->format = FORMAT_RFC5424;
            else if (vl == 12 && memcmp(v, "rfc5424micro", 12) == 0) f->format = FORMAT_RFC5424_MICRO;
            else f->format = FORMAT_UNIX;
        } else if (KEY("compression")) {
            f->compression = vl == 4 && memcmp(v, "zlib", 4) == 0 ? COMPRESS_ZLIB
                             : vl == 4 && memcmp(v, "none", 4) == 0 ? COMPRESS_NONE
                                                                    : COMPRESS_GZIP;
        } else if (KEY("level")) f->level = atoi(v);
        else if (KEY("subsecond")) f->subsecond = atoi(v);
        else if (KEY("lazy")) f->lazy = atoi(v);
        else if (KEY("extra")) {
            free(f->extra);
            f->extra = strndup(v, vl);
        } else if (KEY("field")) {
            if (add_field(f, v, vl) != 0) {
                say(err, errlen, "out of memory");
                cjsonlog_forward_close(f);
                return NULL;
            }
        }
#undef KEY
#undef COPY
        p = end ? end + 1 : p + len;
    }
    if (f->kind == 0) {
        say(err, errlen, "no logging driver in the forwarding spec");
        cjsonlog_forward_close(f);
        return NULL;
    }
    if (f->kind == KIND_GELF || f->kind == KIND_FLUENTD) {
        // Two halves: the message, and (gelf over udp) its compressed form.
        f->big_cap = 2 * (CJSONLOG_LINE_MAX * 6 + f->fields_len + (f->extra ? strlen(f->extra) : 0) + 4096);
        f->big = malloc(f->big_cap);
        if (!f->big) {
            say(err, errlen, "out of memory");
            cjsonlog_forward_close(f);
            return NULL;
        }
    }
    if (!f->lazy && forward_connect(f, err, errlen) != 0) {
        cjsonlog_forward_close(f);
        return NULL;
    }
    return f;
}

void cjsonlog_forward_close(struct cjsonlog_forward *f) {
    if (!f) return;
    if (f->fd >= 0) close(f->fd);
    free(f->fields);
    free(f->extra);
    free(f->big);
    free(f);
}

// Go's time.Stamp ("Jan _2 15:04:05") or RFC 3339 (seconds or microseconds), in local time as Docker's.
static size_t stamp(int format, char *out, size_t cap) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tmv;
    localtime_r(&ts.tv_sec, &tmv);
    static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (format == FORMAT_UNIX || format == FORMAT_RFC3164)
        return (size_t)snprintf(out, cap, "%s %2d %02d:%02d:%02d", months[tmv.tm_mon], tmv.tm_mday, tmv.tm_hour,
                                tmv.tm_min, tmv.tm_sec);
    size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tmv);
    if (format == FORMAT_RFC5424_MICRO) n += (size_t)snprintf(out + n, cap - n, ".%06ld", ts.tv_nsec / 1000);
    long off = tmv.tm_gmtoff;
    if (off == 0) n += (size_t)snprintf(out + n, cap - n, "Z");
    else {
        char sign = off < 0 ? '-' : '+';
        if (off < 0) off = -off;
        n += (size_t)snprintf(out + n, cap - n, "%c%02ld:%02ld", sign, off / 3600, (off % 3600) / 60);
    }
    return n;
}

static size_t syslog_message(struct cjsonlog_forward *f, int stream, const char *line, size_t len) {
    // The severity: info for stdout, err for stderr (Docker's Info and Err).
    int pri = f->facility | (stream == 2 ? 3 : 6);
    char ts[64];
    stamp(f->format, ts, sizeof ts);
    char *m = f->message;
    size_t cap = sizeof f->message, n;
    switch (f->format) {
    case FORMAT_RFC3164:
        n = (size_t)snprintf(m, cap, "<%d>%s %s %s[%d]: ", pri, ts, f->hostname, f->tag, f->pid);
        break;
    case FORMAT_RFC5424:
    case FORMAT_RFC5424_MICRO:
        n = (size_t)snprintf(m, cap, "<%d>1 %s %s %s %d %s - ", pri, ts, f->hostname, f->tag, f->pid, f->tag);
        break;
    default:
        n = (size_t)snprintf(m, cap, "<%d>%s %s[%d]: ", pri, ts, f->tag, f->pid);
    }
    if (n >= cap) n = cap - 1;
    if (len > cap - n - 1) len = cap - n - 1;
    memcpy(m + n, line, len);
    n += len;
    m[n++] = '\n';
    return n;
}

static size_t journal_message(struct cjsonlog_forward *f, int stream, const char *line, size_t len, int partial) {
    char *m = f->message;
    size_t cap = sizeof f->message, n = 0;
    n += (size_t)snprintf(m, cap, "PRIORITY=%d\n", stream == 2 ? 3 : 6);
    if (partial) n += (size_t)snprintf(m + n, cap - n, "CONTAINER_PARTIAL_MESSAGE=true\n");
    // The journal's binary form: a value of any bytes, with its length.
    memcpy(m + n, "MESSAGE\n", 8);
    n += 8;
    uint64_t l = len;
    for (int i = 0; i < 8; i++) m[n++] = (char)((l >> (8 * i)) & 0xff);
    memcpy(m + n, line, len);
    n += len;
    m[n++] = '\n';
    return n;
}

// A GELF 1.1 message (go-gelf's, as Docker's gelf driver fills it): host, the line, the time in
// seconds with milliseconds, level 6 (stdout) or 3 (stderr), then the container's fields.
static size_t gelf_json(struct cjsonlog_forward *f, int stream, const char *line, size_t len, char *out) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    size_t n = 0;
    static const char head[] = "{\"version\":\"1.1\",\"host\":\"", mid[] = "\",\"short_message\":\"";
    memcpy(out, head, sizeof head - 1);
    n = sizeof head - 1;
    n += cjsonlog_escape(out + n, f->hostname, strlen(f->hostname));
    memcpy(out + n, mid, sizeof mid - 1);
    n += sizeof mid - 1;
    n += cjsonlog_escape(out + n, line, len);
    n += (size_t)sprintf(out + n, "\",\"timestamp\":%lld.%03ld,\"level\":%d", (long long)ts.tv_sec,
                         ts.tv_nsec / 1000000, stream == 2 ? 3 : 6);
    if (f->extra) {
        size_t el = strlen(f->extra);
        memcpy(out + n, f->extra, el);
        n += el;
    }
    out[n++] = '}';
    return n;
}

// gzip or zlib of `in` into `out` (room for `cap`); 0 when it does not fit.
static size_t deflate_to(const char *in, size_t len, int gzip, int level, unsigned char *out, size_t cap) {
    z_stream z = {0};
    if (deflateInit2(&z, level, Z_DEFLATED, gzip ? 31 : 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) return 0;
    z.next_in = (unsigned char *)in;
    z.avail_in = (unsigned)len;
    z.next_out = out;
    z.avail_out = (unsigned)cap;
    int rc = deflate(&z, Z_FINISH);
    size_t n = cap - z.avail_out;
    deflateEnd(&z);
    return rc == Z_STREAM_END ? n : 0;
}

// One message, connecting first if need be; when the server went away (restarted, closed the
// connection), once more on a new connection.
static void send_retrying(struct cjsonlog_forward *f, struct iovec *iov, int count) {
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)count};
    for (int attempt = 0; attempt < 2; attempt++) {
        if (f->fd < 0 && forward_connect(f, NULL, 0) != 0) return;
        ssize_t w;
        do { w = sendmsg(f->fd, &msg, MSG_NOSIGNAL); } while (w < 0 && errno == EINTR);
        if (w >= 0) return;
        close(f->fd);
        f->fd = -1;
    }
}

static void gelf_send(struct cjsonlog_forward *f, int stream, const char *line, size_t len) {
    size_t half = f->big_cap / 2;
    char *json = f->big;
    size_t n = gelf_json(f, stream, line, len, json);
    if (strcmp(f->net, "tcp") == 0) {
        // GELF over TCP: the JSON as it is, ended by a NUL byte.
        json[n++] = 0;
        struct iovec iov = {json, n};
        send_retrying(f, &iov, 1);
        return;
    }
    unsigned char *packed = (unsigned char *)f->big + half;
    size_t plen = n;
    if (f->compression == COMPRESS_NONE || n > half) memcpy(packed, json, plen = n < half ? n : half);
    else if (!(plen = deflate_to(json, n, f->compression == COMPRESS_GZIP, f->level, packed, half))) return;
    if (f->fd < 0 && forward_connect(f, NULL, 0) != 0) return;
    if (plen <= GELF_CHUNK) {
        send(f->fd, packed, plen, MSG_NOSIGNAL);
        return;
    }
    // Chunked: 0x1e 0x0f, an 8-byte message ID, the chunk's number and the count, then its bytes.
    size_t each = GELF_CHUNK - 12, count = (plen + each - 1) / each;
    if (count > 128) return;
    unsigned char id[8];
    if (getrandom(id, sizeof id, 0) != sizeof id) memset(id, 0, sizeof id);
    for (size_t i = 0; i < count; i++) {
        unsigned char head[12] = {0x1e, 0x0f};
        memcpy(head + 2, id, 8);
        head[10] = (unsigned char)i;
        head[11] = (unsigned char)count;
        size_t off = i * each, take = plen - off < each ? plen - off : each;
        struct iovec iov[2] = {{head, 12}, {packed + off, take}};
        struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2};
        sendmsg(f->fd, &msg, MSG_NOSIGNAL);
    }
}

// MessagePack, as much of it as a Fluentd forward message needs.
static size_t mp_str(unsigned char *o, const char *s, size_t len) {
    size_t n = 0;
    if (len < 32) o[n++] = (unsigned char)(0xa0 | len);
    else if (len < 256) { o[n++] = 0xd9; o[n++] = (unsigned char)len; }
    else if (len < 65536) { o[n++] = 0xda; o[n++] = (unsigned char)(len >> 8); o[n++] = (unsigned char)len; }
    else {
        o[n++] = 0xdb;
        for (int i = 3; i >= 0; i--) o[n++] = (unsigned char)(len >> (8 * i));
    }
    memcpy(o + n, s, len);
    return n + len;
}

// The forward protocol's message mode: [tag, time, {container_id, container_name, source, log, ...}].
static size_t fluentd_message(struct cjsonlog_forward *f, int stream, const char *line, size_t len, int partial) {
    unsigned char *o = (unsigned char *)f->big;
    size_t n = 0;
    o[n++] = 0x93;
    n += mp_str(o + n, f->tag, strlen(f->tag));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (f->subsecond) {
        // EventTime: extension type 0, seconds and nanoseconds as two big-endian 32-bit numbers.
        o[n++] = 0xd7;
        o[n++] = 0;
        for (int i = 3; i >= 0; i--) o[n++] = (unsigned char)((unsigned long long)ts.tv_sec >> (8 * i));
        for (int i = 3; i >= 0; i--) o[n++] = (unsigned char)((unsigned long)ts.tv_nsec >> (8 * i));
    } else {
        o[n++] = 0xd3;
        for (int i = 7; i >= 0; i--) o[n++] = (unsigned char)((unsigned long long)ts.tv_sec >> (8 * i));
    }
    size_t entries = 2 + (size_t)partial;
    for (size_t i = 0; i < f->fields_len; i++) entries += f->fields[i] == '\n';
    o[n++] = 0xde;
    o[n++] = (unsigned char)(entries >> 8);
    o[n++] = (unsigned char)entries;
    for (const char *p = f->fields, *end = f->fields + f->fields_len; p && p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eq = memchr(p, '=', (size_t)(nl - p));
        if (!eq) eq = nl;
        n += mp_str(o + n, p, (size_t)(eq - p));
        n += mp_str(o + n, eq < nl ? eq + 1 : nl, eq < nl ? (size_t)(nl - eq - 1) : 0);
        p = nl + 1;
    }
    n += mp_str(o + n, "source", 6);
    n += mp_str(o + n, stream == 2 ? "stderr" : "stdout", 6);
    n += mp_str(o + n, "log", 3);
    n += mp_str(o + n, line, len);
    if (partial) {
        n += mp_str(o + n, "partial_message", 15);
        n += mp_str(o + n, "true", 4);
    }
    return n;
}

void cjsonlog_forward_send(struct cjsonlog_forward *f, int stream, const char *data, size_t len) {
    if (!f) return;
    int partial = !(len > 0 && data[len - 1] == '\n');
    if (!partial) len--;
    if (len == 0) return;  // Docker sends no empty line
    if (len > CJSONLOG_LINE_MAX) len = CJSONLOG_LINE_MAX;
    if (f->kind == KIND_GELF) {
        gelf_send(f, stream, data, len);
        return;
    }
    struct iovec iov[2];
    int count = 1;
    if (f->kind == KIND_FLUENTD) {
        iov[0] = (struct iovec){f->big, fluentd_message(f, stream, data, len, partial)};
    } else if (f->kind == KIND_JOURNALD) {
        iov[0] = (struct iovec){f->fields, f->fields_len};
        iov[1] = (struct iovec){f->message, journal_message(f, stream, data, len, partial)};
        count = 2;
    } else {
        iov[0] = (struct iovec){f->message, syslog_message(f, stream, data, len)};
    }
    send_retrying(f, iov, count);
}
