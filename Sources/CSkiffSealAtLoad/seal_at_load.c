// skiff-oci seals itself while the dynamic loader runs its constructors, before the Swift runtime
// and main start. Sealing from main (OCIMain.sealExecutable) costs a whole start of the Swift binary
// that is thrown away at the re-exec: 2-3 ms of every `skiff-oci run`, `create` and `exec`. The
// decision is the same as main's (cskiff_oci_runs_unsealed), and main still checks: a command sealed
// here finds itself sealed there.
#include "cskiff_seal_at_load.h"
#include "cskiff_spawn.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int done;

__attribute__((constructor)) static void seal_at_load(int argc, char **argv, char **envp) {
    (void)envp;
    done = 1;
    if (argc < 1 || !argv || cskiff_oci_runs_unsealed(argc, argv)) return;
    char message[512] = {0};
    if (cskiff_seal_exe(argv, message, sizeof message) == 0) return;  // already sealed, or not root
    char line[600];
    int n = snprintf(line, sizeof line, "skiff: refusing to run from a writable binary: %s\n", message);
    if (n > 0) (void)!write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    _exit(125);
}

int cskiff_seal_at_load_done(void) { return done; }
