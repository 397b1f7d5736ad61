// `skiff`: the launcher of skiff-main, the CLI proper (see Sources/CSkiffSeal/launch.c). Which commands
// run sealed is the one list both consult, cskiff_cli_unsealed_commands.
#include "cskiff_seal.h"

int main(int argc, char **argv) { return cskiff_launch(argc, argv, "skiff-main", cskiff_cli_unsealed_commands); }
