#ifndef CSKIFF_OCI_SEAL_AT_LOAD_H
#define CSKIFF_OCI_SEAL_AT_LOAD_H

/// Linked only into skiff-oci; see seal_at_load.c. Referenced from main so the constructor is linked.
int cskiff_oci_seal_at_load_linked(void);

#endif
