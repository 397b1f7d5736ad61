// The module's umbrella header: every header Swift sees, named once, so that adding one here is a
// change the module cache notices (an umbrella directory's new files are not).
#include "cskiff_bpf.h"
#include "cskiff_seccomp.h"
#include "cskiff_spawn.h"
