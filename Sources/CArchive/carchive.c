// The archive_* functions Skiff calls (carchive.h), each forwarding to libarchive, which is opened
// with dlopen the first time one is called. Without libarchive an image command stops with the
// loader's message and status 127, as the binary did when it was linked to it; nothing else needs it.
#include "carchive.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// F: a function that returns a value; V: one that returns nothing. Signatures as <archive.h> declares
// them (the compiler checks each definition against its declaration).
#define CARCHIVE_FUNCTIONS(F, V) \
    F(time_t, archive_entry_atime, (struct archive_entry *a0), (a0)) \
    F(int, archive_entry_atime_is_set, (struct archive_entry *a0), (a0)) \
    F(long, archive_entry_atime_nsec, (struct archive_entry *a0), (a0)) \
    F(struct archive_entry *, archive_entry_clear, (struct archive_entry *a0), (a0)) \
    F(mode_t, archive_entry_filetype, (struct archive_entry *a0), (a0)) \
    V(void, archive_entry_free, (struct archive_entry *a0), (a0)) \
    F(la_int64_t, archive_entry_gid, (struct archive_entry *a0), (a0)) \
    F(const char *, archive_entry_hardlink, (struct archive_entry *a0), (a0)) \
    F(time_t, archive_entry_mtime, (struct archive_entry *a0), (a0)) \
    F(int, archive_entry_mtime_is_set, (struct archive_entry *a0), (a0)) \
    F(long, archive_entry_mtime_nsec, (struct archive_entry *a0), (a0)) \
    F(struct archive_entry *, archive_entry_new, (void), ()) \
    F(const char *, archive_entry_pathname, (struct archive_entry *a0), (a0)) \
    F(const char *, archive_entry_pathname_utf8, (struct archive_entry *a0), (a0)) \
    F(mode_t, archive_entry_perm, (struct archive_entry *a0), (a0)) \
    F(dev_t, archive_entry_rdevmajor, (struct archive_entry *a0), (a0)) \
    F(dev_t, archive_entry_rdevminor, (struct archive_entry *a0), (a0)) \
    V(void, archive_entry_set_filetype, (struct archive_entry *a0, unsigned int a1), (a0, a1)) \
    V(void, archive_entry_set_gid, (struct archive_entry *a0, la_int64_t a1), (a0, a1)) \
    V(void, archive_entry_set_hardlink, (struct archive_entry *a0, const char *a1), (a0, a1)) \
    V(void, archive_entry_set_mtime, (struct archive_entry *a0, time_t a1, long a2), (a0, a1, a2)) \
    V(void, archive_entry_set_pathname, (struct archive_entry *a0, const char *a1), (a0, a1)) \
    V(void, archive_entry_set_perm, (struct archive_entry *a0, mode_t a1), (a0, a1)) \
    V(void, archive_entry_set_rdevmajor, (struct archive_entry *a0, dev_t a1), (a0, a1)) \
    V(void, archive_entry_set_rdevminor, (struct archive_entry *a0, dev_t a1), (a0, a1)) \
    V(void, archive_entry_set_size, (struct archive_entry *a0, la_int64_t a1), (a0, a1)) \
    V(void, archive_entry_set_symlink, (struct archive_entry *a0, const char *a1), (a0, a1)) \
    V(void, archive_entry_set_uid, (struct archive_entry *a0, la_int64_t a1), (a0, a1)) \
    F(la_int64_t, archive_entry_size, (struct archive_entry *a0), (a0)) \
    F(const char *, archive_entry_symlink, (struct archive_entry *a0), (a0)) \
    F(const char *, archive_entry_symlink_utf8, (struct archive_entry *a0), (a0)) \
    F(la_int64_t, archive_entry_uid, (struct archive_entry *a0), (a0)) \
    V(void, archive_entry_xattr_add_entry, (struct archive_entry *a0, const char *a1, const void *a2, size_t a3), (a0, a1, a2, a3)) \
    F(int, archive_entry_xattr_count, (struct archive_entry *a0), (a0)) \
    F(int, archive_entry_xattr_next, (struct archive_entry *a0, const char * *a1, const void * *a2, size_t *a3), (a0, a1, a2, a3)) \
    F(int, archive_entry_xattr_reset, (struct archive_entry *a0), (a0)) \
    F(int, archive_errno, (struct archive *a0), (a0)) \
    F(const char *, archive_error_string, (struct archive *a0), (a0)) \
    F(la_int64_t, archive_filter_bytes, (struct archive *a0, int a1), (a0, a1)) \
    F(const char *, archive_filter_name, (struct archive *a0, int a1), (a0, a1)) \
    F(int, archive_read_data_block, (struct archive *a0, const void * *a1, size_t *a2, la_int64_t *a3), (a0, a1, a2, a3)) \
    F(int, archive_read_free, (struct archive *a0), (a0)) \
    F(struct archive *, archive_read_new, (void), ()) \
    F(int, archive_read_next_header, (struct archive *a0, struct archive_entry * *a1), (a0, a1)) \
    F(int, archive_read_open, (struct archive *a0, void *a1, archive_open_callback *a2, archive_read_callback *a3, archive_close_callback *a4), (a0, a1, a2, a3, a4)) \
    F(int, archive_read_open_fd, (struct archive *a0, int a1, size_t a2), (a0, a1, a2)) \
    F(int, archive_read_open_filename, (struct archive *a0, const char *a1, size_t a2), (a0, a1, a2)) \
    F(int, archive_read_support_filter_all, (struct archive *a0), (a0)) \
    F(int, archive_read_support_filter_bzip2, (struct archive *a0), (a0)) \
    F(int, archive_read_support_filter_gzip, (struct archive *a0), (a0)) \
    F(int, archive_read_support_filter_xz, (struct archive *a0), (a0)) \
    F(int, archive_read_support_filter_zstd, (struct archive *a0), (a0)) \
    F(int, archive_read_support_format_gnutar, (struct archive *a0), (a0)) \
    F(int, archive_read_support_format_raw, (struct archive *a0), (a0)) \
    F(int, archive_read_support_format_tar, (struct archive *a0), (a0)) \
    F(int, archive_write_add_filter_gzip, (struct archive *a0), (a0)) \
    F(int, archive_write_close, (struct archive *a0), (a0)) \
    F(la_ssize_t, archive_write_data, (struct archive *a0, const void *a1, size_t a2), (a0, a1, a2)) \
    F(int, archive_write_free, (struct archive *a0), (a0)) \
    F(int, archive_write_header, (struct archive *a0, struct archive_entry *a1), (a0, a1)) \
    F(struct archive *, archive_write_new, (void), ()) \
    F(int, archive_write_open, (struct archive *a0, void *a1, archive_open_callback *a2, archive_write_callback *a3, archive_close_callback *a4), (a0, a1, a2, a3, a4)) \
    F(int, archive_write_open_fd, (struct archive *a0, int a1), (a0, a1)) \
    F(int, archive_write_set_bytes_in_last_block, (struct archive *a0, int a1), (a0, a1)) \
    F(int, archive_write_set_bytes_per_block, (struct archive *a0, int a1), (a0, a1)) \
    F(int, archive_write_set_filter_option, (struct archive *a0, const char *a1, const char *a2, const char *a3), (a0, a1, a2, a3)) \
    F(int, archive_write_set_format_pax_restricted, (struct archive *a0), (a0)) \
    F(int, archive_write_set_format_raw, (struct archive *a0), (a0))

static struct {
#define FIELD(ret, name, params, args) ret (*name) params;
    CARCHIVE_FUNCTIONS(FIELD, FIELD)
#undef FIELD
} api;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void fail(const char *what) {
    char line[512];
    int n = snprintf(line, sizeof line, "skiff: %s (apt-get install libarchive13)\n", what);
    if (n > 0) (void)!write(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    _exit(127);
}

static void load(void) {
    void *lib = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen("libarchive.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        char what[400];
        snprintf(what, sizeof what, "cannot load libarchive: %s", dlerror());
        fail(what);
    }
#define SYM(ret, name, params, args)                                 \
    *(void **)(&api.name) = dlsym(lib, #name);                       \
    if (!api.name) fail("libarchive.so.13 lacks " #name);
    CARCHIVE_FUNCTIONS(SYM, SYM)
#undef SYM
}

#define DEFINE_F(ret, name, params, args)  \
    ret name params {                      \
        pthread_once(&load_once, load);    \
        return api.name args;              \
    }
#define DEFINE_V(ret, name, params, args)  \
    ret name params {                      \
        pthread_once(&load_once, load);    \
        api.name args;                     \
    }
CARCHIVE_FUNCTIONS(DEFINE_F, DEFINE_V)
