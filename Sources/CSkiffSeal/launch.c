// The launcher: what `skiff` and `skiff-oci` are. The programs proper (`skiff-main`, `skiff-oci-main`)
// are large Swift binaries; sealing one from its own load-time constructor meant the dynamic loader had
// mapped and relocated it (and its libraries) once for nothing before the sealed re-exec loaded it
// again, about a fifth of a `skiff exec`. The launcher is small and static: it makes the sealed copy
// of the program (exe_seal.c) and execs it, so the program is loaded once. A command that never puts a
// process into a container execs the program directly.
//
// The launcher itself is never the executable of a process in a container: it only ever execs.
#include "cskiff_seal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void say(const char *launcher, const char *what, const char *detail) {
    char line[PATH_MAX + 700];
    int n = snprintf(line, sizeof line, "%s: %s%s%s\n", launcher, what, detail ? ": " : "", detail ? detail : "");
    if (n > 0) (void)!write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

int cskiff_launch(int argc, char **argv, const char *program, const char *const unsealed[]) {
    const char *name = argc > 0 && argv[0] ? argv[0] : "skiff";
    const char *base = strrchr(name, '/');
    name = base ? base + 1 : name;

    // The program beside the launcher's own file (symbolic links resolved, as /proc/self/exe is).
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0) {
        say(name, "cannot find its own binary (readlink /proc/self/exe)", strerror(n < 0 ? errno : ENOENT));
        return 127;
    }
    path[n] = 0;
    char *slash = strrchr(path, '/');
    if (!slash || (size_t)(slash + 1 - path) + strlen(program) >= sizeof path) {
        say(name, "cannot find its own directory", path);
        return 127;
    }
    strcpy(slash + 1, program);

    if (argc >= 1 && geteuid() == 0 && !cskiff_word_in(cskiff_oci_command_word(argc, argv), unsealed)) {
        char message[PATH_MAX + 200] = {0};
        if (access(path, X_OK) == 0) {
            cskiff_seal_exec(path, argv, message, sizeof message);
            say(name, "refusing to run from a writable binary", message);
            return 125;
        }
    } else {
        execv(path, argv);
    }
    int e = errno;
    char detail[PATH_MAX + 120];
    snprintf(detail, sizeof detail, "%s: %s (it is installed beside %s; Scripts/install puts both there)", path,
             strerror(e), name);
    say(name, "cannot run the program", detail);
    return e == ENOENT ? 127 : 126;
}
