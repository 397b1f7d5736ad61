// A container's json-file log (Docker's format), written by the monitor (a detached container) and by
// the CLI (an attached run): one writer, so both keep the same lines, file names and rotation.
//
//     {"log":"hi\n","stream":"stdout","attrs":{"a":"1"},"time":"2026-01-02T03:04:05.123456789Z"}
//
// Output is split at newlines; a line longer than CJSONLOG_LINE_MAX bytes is logged in pieces (Docker's
// partial entries), and an unfinished last line when the stream ends. "attrs" only with --log-opt
// labels/env/tag. Files: log.jsonl, rotated to log.jsonl.1 ... log.jsonl.(max_files - 1); with
// compress (--log-opt compress=true) the rotated files are gzipped, log.jsonl.1.gz ..., as Docker's.
#ifndef CJSONLOG_H
#define CJSONLOG_H

#include <stddef.h>

#define CJSONLOG_LINE_MAX 16384
#define CJSONLOG_PENDING 32768

struct cjsonlog_forward;

struct cjsonlog {
    int dir_fd;
    int fd;
    long long size;
    long long max_size;
    int max_files;
    int compress;
    const char *attrs;
    // Where each line also goes (the syslog, journald, gelf and fluentd drivers), or NULL; set after cjsonlog_open.
    struct cjsonlog_forward *forward;
    size_t partial_len[2];
    char partial[2][CJSONLOG_LINE_MAX];
    char entry[CJSONLOG_LINE_MAX * 6 + 128];
    // Whole entries not yet written: what one cjsonlog_write made, written at its end in one go.
    size_t pending_len;
    char pending[CJSONLOG_PENDING];
    // The time's text up to the seconds, kept for the second it names.
    long long time_sec;
    size_t time_prefix_len;
    char time_prefix[32];
};

/// Open (append to) `log.jsonl` in `dir_fd` (AT_FDCWD: the current directory). `max_size` 0: never
/// rotated; `max_files` < 1 counts as 1; `compress`: rotated files are gzipped. `attrs`: a JSON object's
/// text, kept by pointer (it must outlive the log), or NULL. Returns 0, or -1 with errno (the log then
/// writes nothing).
int cjsonlog_open(struct cjsonlog *log, int dir_fd, long long max_size, int max_files, int compress,
                  const char *attrs);

/// The whole of a gzipped rotated file (`path`), decompressed into a malloc'd buffer (*out, *len; the
/// caller frees it). Returns 0, or -1.
int cjsonlog_read_gzip(const char *path, char **out, size_t *len);

/// Log what a stream (1: stdout, 2: stderr) printed; its complete lines are in the file on return.
void cjsonlog_write(struct cjsonlog *log, int stream, const char *buf, size_t len);

/// Write the unfinished lines (the streams ended).
void cjsonlog_flush(struct cjsonlog *log);

/// Flush, then close the file (not `dir_fd`).
void cjsonlog_close(struct cjsonlog *log);

/// A connection to a syslog server, the journal, a GELF server or Fluentd from `spec`, lines of
/// "KEY VALUE": `kind` syslog, journald, gelf or fluentd; `net` unixgram, unix, udp, tcp, or local (the
/// host's syslog socket); `address` a socket path or HOST:PORT; for syslog `facility` (0 to 23), `format`
/// (unix, rfc3164, rfc5424, rfc5424micro), `hostname` and `tag`; for the journal and Fluentd each `field`
/// KEY=VALUE every entry carries; for gelf `compression` (gzip, zlib, none), `level`, `hostname` and
/// `extra` (the message's fixed JSON fields, from a comma); for Fluentd `tag`, `subsecond` and `lazy` (1:
/// connect at the first line). NULL when it cannot connect, with the reason in `err`.
struct cjsonlog_forward *cjsonlog_forward_open(const char *spec, char *err, size_t errlen);

/// Send one line of a stream (1: stdout, 2: stderr), with its newline or without (a partial line).
/// A failed send reconnects once; a line that still cannot go is dropped (log.jsonl has it).
void cjsonlog_forward_send(struct cjsonlog_forward *f, int stream, const char *data, size_t len);

/// Close the connection and free `f` (NULL: nothing).
void cjsonlog_forward_close(struct cjsonlog_forward *f);

/// A pipe, both ends close-on-exec from the start (pipe2, which Swift's Glibc module lacks).
int cjsonlog_pipe(int fds[2]);

/// The relay of an attached run: copy `out_from` to `out_to` and `err_from` to `err_to` (a source < 0
/// is absent; a destination < 0 is not printed), logging both as stdout and stderr, until every source
/// reaches end of file. A destination that fails (a closed pipe) has its source closed, so the writer
/// gets EPIPE as if it had written there itself. Closes the sources; flushes the log.
void cjsonlog_relay(struct cjsonlog *log, int out_from, int out_to, int err_from, int err_to);

/// `len` bytes of `data` as the inside of a JSON string (quotes, controls and invalid UTF-8 escaped as
/// Go's encoder does) into `out`, which has room for 6 × len; the length written.
size_t cjsonlog_escape(char *out, const char *data, size_t len);

/// Write all `len` bytes of `buf` to `fd`, retrying after EINTR and short writes; gives up on an error.
void cjsonlog_write_all(int fd, const void *buf, size_t len);

#endif
