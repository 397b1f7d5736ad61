// A small blocking HTTP client on libcurl, loaded with dlopen at first use. Linking libcurl (and the
// TLS, Kerberos, LDAP… libraries it pulls in) into `skiff` would cost every command ~8 ms at start-up,
// `skiff oci run` included; only pull, push and login need HTTP, so only they pay for loading it.
#ifndef CCURL_H
#define CCURL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Called with each response header line ("Name: value\r\n", also the status line) and with each chunk
/// of the body. Return `len` to go on, anything else to abort the transfer.
typedef size_t (*ccurl_data_fn)(const char *data, size_t len, void *context);

struct ccurl_request {
    const char *url;
    const char *method;             // GET, HEAD, PUT, POST, PATCH, DELETE
    const char *const *headers;     // "Name: value"
    int n_headers;
    const void *body;               // an in-memory body, or
    size_t body_len;
    int body_fd;                    // a file body read from this fd (-1: none)
    int64_t body_fd_size;
    int verify_tls;
    int follow_redirects;           // GETs of blobs are redirected to storage
    int (*cancelled)(void);         // polled during the transfer (about once a second while it is idle,
                                    // more often while data flows); nonzero aborts it. NULL: never.
};

struct ccurl_response {
    long status;                    // 0 when no response arrived
    char error[512];                // why, when ccurl_perform returned -1
    int failure;                    // what kind of failure: enum ccurl_failure
};

/// Why no response arrived, in the terms a user acts on.
enum ccurl_failure { CCURL_FAILURE_OTHER = 0, CCURL_FAILURE_DNS = 1, CCURL_FAILURE_CONNECT = 2,
                     CCURL_FAILURE_TIMEOUT = 3, CCURL_FAILURE_TLS = 4 };

/// Load libcurl (once). Returns 0, or -1 with a reason in `error`.
int ccurl_load(char *error, size_t error_len);

/// A reusable connection handle (keeps connections alive between requests); NULL if libcurl is missing.
void *ccurl_handle_new(void);
void ccurl_handle_free(void *handle);

/// Perform one request on `handle`. Returns 0 when a response arrived (any status), -1 otherwise.
int ccurl_perform(void *handle, const struct ccurl_request *request, ccurl_data_fn on_header,
                  ccurl_data_fn on_body, void *context, struct ccurl_response *response);

#ifdef __cplusplus
}
#endif

#endif
