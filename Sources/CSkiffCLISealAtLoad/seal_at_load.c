// skiff-main, run without its launcher `skiff` (which execs it already sealed: CSkiffSeal's launch.c),
// seals itself (exe_seal.c) while the dynamic loader runs its constructors, before the Swift runtime and
// main start: sealing from main would cost a whole start of this large Swift binary (~5 ms), thrown away
// at the re-exec. main decides the same way (cskiff_cli_unsealed_commands, read by
// Skiff.commandsOutsideContainers) and finds itself sealed.
#include "cskiff_cli_seal_at_load.h"
#include "cskiff_seal.h"

__attribute__((constructor)) static void seal_at_load(int argc, char **argv, char **envp) {
    (void)envp;
    cskiff_seal_at_load(argc, argv, cskiff_cli_unsealed_commands);
}

int cskiff_cli_seal_at_load_linked(void) { return 1; }
