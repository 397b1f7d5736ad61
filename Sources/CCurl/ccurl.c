#include "ccurl.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} api;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_error[256];
static int loaded;

static void load(void) {
    const char *names[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl.so"};
    void *lib = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !lib; i++) lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        snprintf(load_error, sizeof load_error, "cannot load libcurl (apt-get install libcurl4): %s", dlerror());
        return;
    }
#define SYM(field, name)                                                                          \
    do {                                                                                          \
        *(void **)(&api.field) = dlsym(lib, name);                                                \
        if (!api.field) {                                                                         \
            snprintf(load_error, sizeof load_error, "libcurl lacks %s", name);                    \
            return;                                                                               \
        }                                                                                         \
    } while (0)
    SYM(global_init, "curl_global_init");
    SYM(easy_init, "curl_easy_init");
    SYM(easy_cleanup, "curl_easy_cleanup");
    SYM(easy_reset, "curl_easy_reset");
    SYM(easy_setopt, "curl_easy_setopt");
    SYM(easy_perform, "curl_easy_perform");
    SYM(easy_getinfo, "curl_easy_getinfo");
    SYM(easy_strerror, "curl_easy_strerror");
    SYM(slist_append, "curl_slist_append");
    SYM(slist_free_all, "curl_slist_free_all");
#undef SYM
    if (api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "curl_global_init failed");
        return;
    }
    loaded = 1;
}

int ccurl_load(char *error, size_t error_len) {
    pthread_once(&load_once, load);
    if (loaded) return 0;
    if (error && error_len) snprintf(error, error_len, "%s", load_error);
    return -1;
}

void *ccurl_handle_new(void) {
    if (ccurl_load(NULL, 0) != 0) return NULL;
    return api.easy_init();
}

void ccurl_handle_free(void *handle) {
    if (handle && loaded) api.easy_cleanup(handle);
}

struct upload {
    const struct ccurl_request *request;
    size_t offset;
};

static size_t read_body(char *buffer, size_t size, size_t nitems, void *userdata) {
    struct upload *u = userdata;
    size_t want = size * nitems;
    if (u->request->body_fd >= 0) {
        ssize_t n;
        do {
            n = read(u->request->body_fd, buffer, want);
        } while (n < 0 && errno == EINTR);
        return n < 0 ? CURL_READFUNC_ABORT : (size_t)n;
    }
    size_t left = u->request->body_len - u->offset;
    size_t n = left < want ? left : want;
    memcpy(buffer, (const char *)u->request->body + u->offset, n);
    u->offset += n;
    return n;
}

struct sinks {
    ccurl_data_fn on_header, on_body;
    void *context;
};

static size_t header_cb(char *data, size_t size, size_t nitems, void *userdata) {
    struct sinks *s = userdata;
    return s->on_header ? s->on_header(data, size * nitems, s->context) : size * nitems;
}

static size_t body_cb(char *data, size_t size, size_t nitems, void *userdata) {
    struct sinks *s = userdata;
    return s->on_body ? s->on_body(data, size * nitems, s->context) : size * nitems;
}

static int xferinfo_cb(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
    const struct ccurl_request *r = userdata;
    return r->cancelled() ? 1 : 0;
}

static int failure_kind(CURLcode rc) {
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return CCURL_FAILURE_DNS;
    case CURLE_COULDNT_CONNECT: return CCURL_FAILURE_CONNECT;
    case CURLE_OPERATION_TIMEDOUT: return CCURL_FAILURE_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: return CCURL_FAILURE_TLS;
    default: return CCURL_FAILURE_OTHER;
    }
}

int ccurl_perform(void *handle, const struct ccurl_request *r, ccurl_data_fn on_header, ccurl_data_fn on_body,
                  void *context, struct ccurl_response *response) {
    memset(response, 0, sizeof *response);
    if (!handle) {
        snprintf(response->error, sizeof response->error, "%s", load_error[0] ? load_error : "libcurl not loaded");
        return -1;
    }
    CURL *c = handle;
    api.easy_reset(c);
    struct curl_slist *headers = NULL;
    for (int i = 0; i < r->n_headers; i++) headers = api.slist_append(headers, r->headers[i]);
    // libcurl adds "Expect: 100-continue" to uploads; registries do not need the extra round trip.
    headers = api.slist_append(headers, "Expect:");

    struct upload up = {.request = r, .offset = 0};
    struct sinks sinks = {.on_header = on_header, .on_body = on_body, .context = context};
    api.easy_setopt(c, CURLOPT_URL, r->url);
    api.easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    api.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    api.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    api.easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 120L);
    api.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, r->verify_tls ? 1L : 0L);
    api.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, r->verify_tls ? 2L : 0L);
    api.easy_setopt(c, CURLOPT_FOLLOWLOCATION, r->follow_redirects ? 1L : 0L);
    api.easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
    api.easy_setopt(c, CURLOPT_HEADERDATA, &sinks);
    api.easy_setopt(c, CURLOPT_WRITEFUNCTION, body_cb);
    api.easy_setopt(c, CURLOPT_WRITEDATA, &sinks);
    api.easy_setopt(c, CURLOPT_ACCEPT_ENCODING, NULL);
    if (r->cancelled) {
        api.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        api.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
        api.easy_setopt(c, CURLOPT_XFERINFODATA, (void *)r);
    }

    int has_body = r->body_fd >= 0 || r->body != NULL;
    const char *m = r->method ? r->method : "GET";
    if (strcmp(m, "HEAD") == 0) {
        api.easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (has_body) {
        api.easy_setopt(c, CURLOPT_UPLOAD, 1L);
        api.easy_setopt(c, CURLOPT_READFUNCTION, read_body);
        api.easy_setopt(c, CURLOPT_READDATA, &up);
        curl_off_t size = r->body_fd >= 0 ? (curl_off_t)r->body_fd_size : (curl_off_t)r->body_len;
        api.easy_setopt(c, CURLOPT_INFILESIZE_LARGE, size);
        if (strcmp(m, "PUT") != 0) api.easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
    } else if (strcmp(m, "POST") == 0) {
        api.easy_setopt(c, CURLOPT_POST, 1L);
        api.easy_setopt(c, CURLOPT_POSTFIELDS, "");
        api.easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
    } else if (strcmp(m, "GET") != 0) {
        api.easy_setopt(c, CURLOPT_CUSTOMREQUEST, m);
    }

    CURLcode rc = api.easy_perform(c);
    api.slist_free_all(headers);
    long status = 0;
    api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    response->status = status;
    if (rc != CURLE_OK) {
        snprintf(response->error, sizeof response->error, "%s", api.easy_strerror(rc));
        response->failure = failure_kind(rc);
        return -1;
    }
    return 0;
}
