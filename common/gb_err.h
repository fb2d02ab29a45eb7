/* gb_err: the project's one error convention.
 *
 * Functions that can fail return 0 on success and -1 on failure, and fill a caller-owned
 * gb_err with a human-readable message that names the input (file, line, key or field) and the
 * reason. `kind` tells the CLI which exit status to use: GB_ERR_INPUT (bad user input: exit 2)
 * or GB_ERR_RUNTIME (I/O, resources: exit 1). A NULL gb_err pointer is allowed: the message is
 * then dropped. */
#ifndef GB_ERR_H
#define GB_ERR_H

#include <stddef.h>

enum { GB_ERR_MSG_MAX = 1024 };

typedef enum gb_err_kind { GB_ERR_NONE = 0, GB_ERR_INPUT = 2, GB_ERR_RUNTIME = 1 } gb_err_kind;

typedef struct gb_err {
  gb_err_kind kind;
  char msg[GB_ERR_MSG_MAX];
} gb_err;

/* Sets err (if non-NULL) to kind and the printf-formatted message; always returns -1 so that
 * callers can write `return gb_err_set(err, GB_ERR_INPUT, "...")`. */
int gb_err_set(gb_err *err, gb_err_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the existing message with the formatted context ("file.yaml: " + msg); returns -1. */
int gb_err_prefix(gb_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Clears err to "no error". */
void gb_err_clear(gb_err *err);

#endif
