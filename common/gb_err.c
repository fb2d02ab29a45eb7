#include "gb_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gb_err_set(gb_err *err, gb_err_kind kind, const char *fmt, ...) {
  if (!err)
    return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  err->kind = kind;
  return -1;
}

int gb_err_prefix(gb_err *err, const char *fmt, ...) {
  if (!err)
    return -1;
  char prefix[GB_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  /* Truncation is acceptable here: messages are bounded by GB_ERR_MSG_MAX. */
  size_t plen = strnlen(prefix, sizeof err->msg - 1);
  size_t mlen = strnlen(err->msg, sizeof err->msg);
  if (plen + mlen > sizeof err->msg - 1)
    mlen = sizeof err->msg - 1 - plen;
  memmove(err->msg + plen, err->msg, mlen);
  memcpy(err->msg, prefix, plen);
  err->msg[plen + mlen] = '\0';
  if (err->kind == GB_ERR_NONE)
    err->kind = GB_ERR_RUNTIME;
  return -1;
}

void gb_err_clear(gb_err *err) {
  if (!err)
    return;
  err->kind = GB_ERR_NONE;
  err->msg[0] = '\0';
}

void gb_fatal_at(const char *file, int line, const char *fmt, ...) {
  char reason[GB_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  /* One write, so that the line is not interleaved with other threads' output. */
  fprintf(stderr, "gamebench: fatal: %s:%d: %s\n", file, line, reason);
  fflush(stderr);
  abort(); /* the one place that aborts: after saying where and why */
}
