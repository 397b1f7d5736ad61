// Running from a sealed copy of a binary (CVE-2019-5736; see exe_seal.c), which commands need it, and
// the launcher that `skiff` and `skiff-oci` are (launch.c). Plain C with no dependencies beyond libc,
// so the launchers can be small static programs.
#ifndef CSKIFF_SEAL_H
#define CSKIFF_SEAL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Re-execute the running binary from a copy that cannot be written (a lower-only overlayfs, else a
/// sealed memfd), so that no process cloned into a container exposes the host's binary through
/// /proc/PID/exe (CVE-2019-5736). Returns 0 without exec'ing when already sealed or not root; on
/// failure -1 with a message in `err`. Call first thing in main, before any thread exists.
int cskiff_seal_exe(char *const argv[], char *err, size_t err_len);

/// Execute the binary at `path` (absolute) from a copy that cannot be written, as cskiff_seal_exe
/// does for the running one, with `argv` and the environment (SKIFF_SEALED_FROM set to `path`). Only
/// returns on failure: -1 with a message in `err`.
int cskiff_seal_exec(const char *path, char *const argv[], char *err, size_t err_len);

/// skiff-oci's commands that never put a process into a container (they read state, signal or
/// delete), so they run unsealed; NULL-terminated. Every other command, new ones included, runs sealed.
extern const char *const cskiff_oci_unsealed_commands[];

/// The word skiff-oci's command line is about: the first argument after runc's global flags
/// (`--root DIR`, `--log FILE`, `--log-format F`, `--debug`), or NULL when there is none.
const char *cskiff_oci_command_word(int argc, char *const argv[]);

/// Entry `i` of cskiff_oci_unsealed_commands, NULL past the end (for Swift, which cannot size the array).
const char *cskiff_oci_unsealed_commands_at(int i);

/// Whether skiff-oci's command `word` (NULL: none) runs unsealed.
int cskiff_oci_word_runs_unsealed(const char *word);

/// Whether skiff-oci's command line (argv[0] first) runs unsealed.
int cskiff_oci_runs_unsealed(int argc, char *const argv[]);

/// Whether `word` (NULL: no command, which is help) is in the NULL-terminated `list`.
int cskiff_word_in(const char *word, const char *const list[]);

/// The skiff CLI's commands that run unsealed (see Skiff.commandsOutsideContainers); NULL-terminated.
extern const char *const cskiff_cli_unsealed_commands[];

/// Entry `i` of cskiff_cli_unsealed_commands, NULL past the end.
const char *cskiff_cli_unsealed_commands_at(int i);

/// Whether the skiff CLI's command `word` (NULL: none) runs unsealed.
int cskiff_cli_word_runs_unsealed(const char *word);

/// Whether the skiff CLI's command line (argv[0] first) runs unsealed.
int cskiff_cli_runs_unsealed(int argc, char *const argv[]);

/// For a constructor (see Sources/CSkiff*SealAtLoad): re-execute sealed unless the command word (after
/// the global flags) is in `unsealed`; exits 125 with a message when no sealed copy can be made.
void cskiff_seal_at_load(int argc, char **argv, const char *const unsealed[]);

/// The launcher's main (Sources/skiff-launcher, Sources/skiff-oci-launcher): run `program`, the
/// binary of that name beside the launcher's own, with the same arguments; from a sealed copy
/// (cskiff_seal_exec) when run as root and the command word is not in `unsealed`, else directly.
/// The program is then loaded once per command, and finds itself sealed. Returns only on failure,
/// with the exit status to use (125, 126 or 127) after a message on stderr.
int cskiff_launch(int argc, char **argv, const char *program, const char *const unsealed[]);

#ifdef __cplusplus
}
#endif

#endif
