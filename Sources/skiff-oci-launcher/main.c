// `skiff-oci`: the launcher of skiff-oci-main, the OCI runtime proper (see Sources/CSkiffSeal/launch.c).
// Which commands run sealed is the one list both consult, cskiff_oci_unsealed_commands.
#include "cskiff_seal.h"

int main(int argc, char **argv) { return cskiff_launch(argc, argv, "skiff-oci-main", cskiff_oci_unsealed_commands); }
