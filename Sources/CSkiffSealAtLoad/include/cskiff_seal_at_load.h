#ifndef CSKIFF_SEAL_AT_LOAD_H
#define CSKIFF_SEAL_AT_LOAD_H

/// Linked only into skiff-oci: its constructor re-executes the binary sealed (cskiff_seal_exe) before
/// any Swift code runs, for every command that is not in cskiff_oci_unsealed_commands. Returns 1 when
/// this process runs sealed or needs no seal (a reference that keeps the constructor linked).
int cskiff_seal_at_load_done(void);

#endif
