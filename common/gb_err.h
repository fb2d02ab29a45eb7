/* gb_err: the project's one error convention.
 *
 * Functions that can fail return 0 on success and -1 on failure, and fill a caller-owned
 * gb_err with a human-readable message that names the input (file, line, key or field) and the
 * reason. `kind` tells the CLI which exit status to use: GB_ERR_INPUT (bad user input: exit 2)
 * or GB_ERR_RUNTIME (I/O, resources: exit 1). A NULL gb_err pointer is allowed: the message is
 * then dropped.
 *
 * What cannot happen unless the program itself is wrong (a broken invariant) or cannot go on (a
 * failed growth of state the hot path pre-sized from the workload) is not an error to return:
 * GB_ASSERT and GB_FATAL print the source file, the line and the reason on stderr, as
 *   gamebench: fatal: engine/agg/gb_agg.c:52: out of memory for 2048 aggregator players
 * and abort (a core dump, a stack in the debugger), never a bare abort() nor a silent skip. */
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

/* Prints "gamebench: fatal: FILE:LINE: " and the formatted reason on stderr, then aborts. Use
 * through GB_FATAL and GB_ASSERT, which pass the call's place. */
void gb_fatal_at(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

/* Stops the program with the reason (printf-formatted) and the call's file and line. */
#define GB_FATAL(...) gb_fatal_at(__FILE__, __LINE__, __VA_ARGS__)

/* Stops the program when cond is false, naming the condition and the call's file and line.
 * Always checked (not compiled out under NDEBUG): keep it off the innermost loops. */
#define GB_ASSERT(cond)                                                                            \
  ((cond) ? (void)0 : gb_fatal_at(__FILE__, __LINE__, "assertion failed: %s", #cond))

#endif
