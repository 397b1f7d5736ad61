// libseccomp driven from plain data: see include/cskiff_seccomp.h. No policy lives here; every
// decision (actions, errnos, names, architectures) arrives filled in by Swift.
#include "cskiff_seccomp.h"

#include <errno.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(struct cskiff_seccomp_error *error, int err, int rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct cskiff_seccomp_error *error, int err, int rule, const char *fmt, ...) {
    if (error != NULL) {
        va_list ap;
        error->err = err;
        error->rule = rule;
        error->arch = -1;
        va_start(ap, fmt);
        vsnprintf(error->message, sizeof error->message, fmt, ap);
        va_end(ap);
    }
    return -1;
}

// Map an action to libseccomp's encoding. Returns 0, or -1 for a value outside the enum.
static int to_scmp_action(uint32_t action, uint32_t value, uint32_t *out) {
    switch (action) {
    case CSKIFF_SECCOMP_ACT_ALLOW: *out = SCMP_ACT_ALLOW; return 0;
    case CSKIFF_SECCOMP_ACT_ERRNO: *out = SCMP_ACT_ERRNO(value); return 0;
    case CSKIFF_SECCOMP_ACT_KILL_THREAD: *out = SCMP_ACT_KILL_THREAD; return 0;
    case CSKIFF_SECCOMP_ACT_KILL_PROCESS: *out = SCMP_ACT_KILL_PROCESS; return 0;
    case CSKIFF_SECCOMP_ACT_TRAP: *out = SCMP_ACT_TRAP; return 0;
    case CSKIFF_SECCOMP_ACT_TRACE: *out = SCMP_ACT_TRACE(value); return 0;
    case CSKIFF_SECCOMP_ACT_LOG: *out = SCMP_ACT_LOG; return 0;
    case CSKIFF_SECCOMP_ACT_NOTIFY: *out = SCMP_ACT_NOTIFY; return 0;
    default: return -1;
    }
}

static int to_scmp_op(uint32_t op, enum scmp_compare *out) {
    switch (op) {
    case CSKIFF_SECCOMP_CMP_NE: *out = SCMP_CMP_NE; return 0;
    case CSKIFF_SECCOMP_CMP_LT: *out = SCMP_CMP_LT; return 0;
    case CSKIFF_SECCOMP_CMP_LE: *out = SCMP_CMP_LE; return 0;
    case CSKIFF_SECCOMP_CMP_EQ: *out = SCMP_CMP_EQ; return 0;
    case CSKIFF_SECCOMP_CMP_GE: *out = SCMP_CMP_GE; return 0;
    case CSKIFF_SECCOMP_CMP_GT: *out = SCMP_CMP_GT; return 0;
    case CSKIFF_SECCOMP_CMP_MASKED_EQ: *out = SCMP_CMP_MASKED_EQ; return 0;
    default: return -1;
    }
}

// Write the filter's BPF into a memfd (libseccomp 2.5 has no export-to-memory) and read it back
// into a malloc'd buffer.
static int export_bpf(scmp_filter_ctx ctx, struct cskiff_seccomp_result *out, struct cskiff_seccomp_error *error) {
    int fd = memfd_create("cskiff-seccomp-bpf", MFD_CLOEXEC);
    if (fd < 0) return fail(error, errno, -1, "memfd_create for the seccomp program: %s", strerror(errno));

    int rc = seccomp_export_bpf(ctx, fd);
    if (rc < 0) {
        close(fd);
        return fail(error, -rc, -1, "seccomp_export_bpf: %s", strerror(-rc));
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return fail(error, e, -1, "fstat of the seccomp program memfd: %s", strerror(e));
    }
    size_t len = (size_t)st.st_size;
    unsigned char *buf = malloc(len > 0 ? len : 1);
    if (buf == NULL) {
        close(fd);
        return fail(error, ENOMEM, -1, "allocating %zu bytes for the seccomp program", len);
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, buf + done, len - done, (off_t)done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            free(buf);
            close(fd);
            return fail(error, e, -1, "reading the seccomp program back from its memfd: %s", strerror(e));
        }
        done += (size_t)n;
    }
    close(fd);
    out->bpf = buf;
    out->bpf_len = len;
    return 0;
}

static int add_rule(scmp_filter_ctx ctx, const struct cskiff_seccomp_rule *rule, int index, uint32_t default_action,
                    unsigned char *skipped, int *n_skipped, struct cskiff_seccomp_error *error) {
    const char *name = rule->name != NULL ? rule->name : "(null)";
    uint32_t action;
    if (to_scmp_action(rule->action, rule->value, &action) != 0)
        return fail(error, EINVAL, index, "seccomp rule for %s: unknown action code %u", name, rule->action);
    if (rule->n_args > CSKIFF_SECCOMP_MAX_ARGS)
        return fail(error, EINVAL, index, "seccomp rule for %s: %u argument comparisons, at most %d are possible",
                    name, rule->n_args, CSKIFF_SECCOMP_MAX_ARGS);

    struct scmp_arg_cmp cmps[CSKIFF_SECCOMP_MAX_ARGS];
    memset(cmps, 0, sizeof cmps);
    for (uint32_t i = 0; i < rule->n_args; i++) {
        const struct cskiff_seccomp_arg *a = &rule->args[i];
        if (a->index >= CSKIFF_SECCOMP_MAX_ARGS)
            return fail(error, EINVAL, index, "seccomp rule for %s: argument index %u is out of range 0-5", name,
                        a->index);
        if (to_scmp_op(a->op, &cmps[i].op) != 0)
            return fail(error, EINVAL, index, "seccomp rule for %s: unknown comparison code %u", name, a->op);
        cmps[i].arg = a->index;
        cmps[i].datum_a = a->value;
        cmps[i].datum_b = a->value_two;
    }

    int nr = rule->name != NULL ? seccomp_syscall_resolve_name(rule->name) : __NR_SCMP_ERROR;
    if (nr == __NR_SCMP_ERROR) {
        if (skipped != NULL) skipped[index] = 1;
        (*n_skipped)++;
        return 0;
    }
    // libseccomp refuses a rule that does what the default does; it changes nothing anyway.
    if (action == default_action) return 0;

    // Not the _exact variant: libseccomp may rewrite a rule for multiplexed syscalls (socketcall,
    // ipc) or leave it out on an architecture that lacks the syscall.
    int rc = seccomp_rule_add_array(ctx, action, nr, rule->n_args, cmps);
    if (rc < 0)
        return fail(error, -rc, index, "seccomp_rule_add for syscall %s (%u argument comparisons): %s", name,
                    rule->n_args, strerror(-rc));
    return 0;
}

int cskiff_seccomp_compile(const struct cskiff_seccomp_filter *filter, struct cskiff_seccomp_result *out,
                           unsigned char *skipped, struct cskiff_seccomp_error *error) {
    if (error != NULL) {
        error->err = 0;
        error->rule = -1;
        error->arch = -1;
        error->message[0] = '\0';
    }
    if (filter == NULL || out == NULL) return fail(error, EINVAL, -1, "cskiff_seccomp_compile: no filter or result");
    memset(out, 0, sizeof *out);
    if (skipped != NULL && filter->n_rules > 0) memset(skipped, 0, (size_t)filter->n_rules);

    uint32_t default_action;
    if (to_scmp_action(filter->default_action, filter->default_value, &default_action) != 0)
        return fail(error, EINVAL, -1, "seccomp default action: unknown action code %u", filter->default_action);

    scmp_filter_ctx ctx = seccomp_init(default_action);
    if (ctx == NULL) return fail(error, EINVAL, -1, "seccomp_init: libseccomp refused the default action");

    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    if (rc < 0) {
        fail(error, -rc, -1, "seccomp_attr_set(SCMP_FLTATR_CTL_NNP, 0): %s", strerror(-rc));
        goto out_fail;
    }
    if (filter->optimize > 0) {
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, (uint32_t)filter->optimize);
        if (rc < 0) {
            fail(error, -rc, -1, "seccomp_attr_set(SCMP_FLTATR_CTL_OPTIMIZE, %d): %s", filter->optimize,
                 strerror(-rc));
            goto out_fail;
        }
    }

    for (int i = 0; i < filter->n_arches; i++) {
        const char *name = filter->arches[i] != NULL ? filter->arches[i] : "(null)";
        uint32_t token = filter->arches[i] != NULL ? seccomp_arch_resolve_name(filter->arches[i]) : 0;
        if (token == 0) {
            fail(error, EINVAL, -1, "seccomp_arch_resolve_name: libseccomp does not know architecture %s", name);
            if (error != NULL) error->arch = i;
            goto out_fail;
        }
        rc = seccomp_arch_add(ctx, token);
        if (rc < 0 && rc != -EEXIST) {
            fail(error, -rc, -1, "seccomp_arch_add for architecture %s: %s", name, strerror(-rc));
            if (error != NULL) error->arch = i;
            goto out_fail;
        }
    }

    int n_skipped = 0;
    for (int i = 0; i < filter->n_rules; i++) {
        if (add_rule(ctx, &filter->rules[i], i, default_action, skipped, &n_skipped, error) != 0) goto out_fail;
    }

    if (export_bpf(ctx, out, error) != 0) goto out_fail;
    out->n_skipped = n_skipped;
    seccomp_release(ctx);
    return 0;

out_fail:
    seccomp_release(ctx);
    return -1;
}

void cskiff_seccomp_free(struct cskiff_seccomp_result *result) {
    if (result == NULL) return;
    free(result->bpf);
    result->bpf = NULL;
    result->bpf_len = 0;
}

void cskiff_seccomp_version(char *buf, size_t len) {
    const struct scmp_version *v = seccomp_version();
    if (buf == NULL || len == 0) return;
    if (v == NULL) {
        snprintf(buf, len, "unknown");
        return;
    }
    snprintf(buf, len, "%u.%u.%u", v->major, v->minor, v->micro);
}
