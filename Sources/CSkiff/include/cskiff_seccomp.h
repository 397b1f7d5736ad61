// Compiling a seccomp filter to BPF with libseccomp, as plain data.
//
// Swift decides everything: which action a rule takes, which errno it returns, which syscall names
// and architectures are in the filter, how spec strings map to the enums below. This C code only
// feeds libseccomp and exports the program: it holds no policy. It runs in the parent, before
// clone(), so it may allocate; the child only gets the finished `struct sock_filter[]`
// (cskiff_spawn.seccomp_filter).
//
// libseccomp itself is not part of this header, so Swift never sees it.
#ifndef CSKIFF_SECCOMP_H
#define CSKIFF_SECCOMP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// What a matching rule (or the default) does. `value` of the rule/filter carries the errno for
/// ERRNO and the message value for TRACE; it is ignored otherwise.
enum cskiff_seccomp_action {
    CSKIFF_SECCOMP_ACT_ALLOW = 0,
    CSKIFF_SECCOMP_ACT_ERRNO = 1,
    CSKIFF_SECCOMP_ACT_KILL_THREAD = 2,
    CSKIFF_SECCOMP_ACT_KILL_PROCESS = 3,
    CSKIFF_SECCOMP_ACT_TRAP = 4,
    CSKIFF_SECCOMP_ACT_TRACE = 5,
    CSKIFF_SECCOMP_ACT_LOG = 6,
    CSKIFF_SECCOMP_ACT_NOTIFY = 7  // the process waits for a seccomp agent (linux.seccomp.listenerPath)
};

/// How an argument is compared (libseccomp's SCMP_CMP_*). For MASKED_EQ, `value` is the mask and
/// `value_two` the value the masked argument must equal.
enum cskiff_seccomp_op {
    CSKIFF_SECCOMP_CMP_NE = 1,
    CSKIFF_SECCOMP_CMP_LT = 2,
    CSKIFF_SECCOMP_CMP_LE = 3,
    CSKIFF_SECCOMP_CMP_EQ = 4,
    CSKIFF_SECCOMP_CMP_GE = 5,
    CSKIFF_SECCOMP_CMP_GT = 6,
    CSKIFF_SECCOMP_CMP_MASKED_EQ = 7
};

#define CSKIFF_SECCOMP_MAX_ARGS 6

struct cskiff_seccomp_arg {
    uint32_t index;              // 0..5
    uint32_t op;                 // enum cskiff_seccomp_op
    uint64_t value;
    uint64_t value_two;
};

/// One syscall name and what it does. All comparisons of one rule must hold together (AND).
struct cskiff_seccomp_rule {
    const char *name;            // e.g. "clone"
    uint32_t action;             // enum cskiff_seccomp_action
    uint32_t value;              // errno for ERRNO, message for TRACE
    uint32_t n_args;             // 0..CSKIFF_SECCOMP_MAX_ARGS
    struct cskiff_seccomp_arg args[CSKIFF_SECCOMP_MAX_ARGS];
};

struct cskiff_seccomp_filter {
    uint32_t default_action;     // enum cskiff_seccomp_action
    uint32_t default_value;      // errno for ERRNO, message for TRACE
    // libseccomp architecture names ("x86_64", "x86", "x32", "aarch64", "arm", ...), resolved with
    // seccomp_arch_resolve_name. The native architecture is always in the filter.
    const char *const *arches;
    int n_arches;
    const struct cskiff_seccomp_rule *rules;
    int n_rules;
    int optimize;                // SCMP_FLTATR_CTL_OPTIMIZE: 0 = libseccomp's default, 1 = linear, 2 = binary tree
};

struct cskiff_seccomp_result {
    void *bpf;                   // malloc'd struct sock_filter[]; release with cskiff_seccomp_free
    size_t bpf_len;              // in bytes (8 per instruction)
    int n_skipped;               // rule names libseccomp does not know, left out of the filter
};

struct cskiff_seccomp_error {
    int err;                     // positive errno (0 when the failure has none)
    int rule;                    // index of the rule at fault, or -1
    int arch;                    // index of the architecture at fault, or -1
    char message[256];           // names the libseccomp call and the syscall/architecture
};

/// Build the filter and export it as BPF. Returns 0 and fills `out`, or -1 and fills `error`.
/// If `skipped` is not NULL it must hold `filter->n_rules` bytes: skipped[i] is set to 1 when rule i
/// was left out because libseccomp does not know its syscall name (0 otherwise). A rule whose action
/// equals the default action is left out as well (libseccomp refuses it), without counting as skipped.
int cskiff_seccomp_compile(const struct cskiff_seccomp_filter *filter, struct cskiff_seccomp_result *out,
                           unsigned char *skipped, struct cskiff_seccomp_error *error);

/// Release the program of a result (safe on a zeroed result).
void cskiff_seccomp_free(struct cskiff_seccomp_result *result);

/// The version of the libseccomp linked in, as "major.minor.micro" (part of the cache key).
void cskiff_seccomp_version(char *buf, size_t len);

/// Hand a seccomp notify fd to the agent listening on the unix socket `path`: connect, then send
/// `state` (the container process state JSON) with `fd` as SCM_RIGHTS in one message. 0, or -1 with
/// errno and `*connected` saying whether the connect had succeeded.
int cskiff_seccomp_send_to_agent(const char *path, const void *state, size_t state_len, int fd, int *connected);

#ifdef __cplusplus
}
#endif

#endif
