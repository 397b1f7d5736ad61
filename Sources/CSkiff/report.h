// Internal to CSkiff: building report messages in the child without malloc or stdio.
#ifndef CSKIFF_REPORT_H
#define CSKIFF_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "include/cskiff_spawn.h"

struct msg {
    char buf[500];
    size_t len;
};

void msg_init(struct msg *m);
void msg_str(struct msg *m, const char *s);
void msg_u64(struct msg *m, uint64_t v);
void msg_hex(struct msg *m, uint64_t v);

/// Write one record (atomic: smaller than PIPE_BUF). Errors are ignored: the parent sees EOF.
void report_send(int fd, int kind, int step, int err, const char *detail);

#endif
