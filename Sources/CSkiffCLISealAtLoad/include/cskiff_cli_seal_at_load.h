#ifndef CSKIFF_CLI_SEAL_AT_LOAD_H
#define CSKIFF_CLI_SEAL_AT_LOAD_H

/// Linked only into skiff; see seal_at_load.c. Referenced from main so the constructor is linked.
int cskiff_cli_seal_at_load_linked(void);

#endif
