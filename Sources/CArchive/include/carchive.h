// libarchive's API, loaded on first use (carchive.c): the archive_* functions Skiff calls are defined
// there and forward to libarchive.so.13 opened with dlopen. Linked directly, libarchive and the ten
// libraries it needs (libxml2, ICU, nettle, the compressors...) were loaded and relocated at every
// start of skiff, twice for a sealed command, though only image commands use them (~1.2 ms of CPU
// per start; issue 15).
#ifndef CARCHIVE_H
#define CARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

#endif
