/* gb_eval_log: an interaction log read from CSV (through libcsv) into a users × items matrix,
 * the input of `gamebench eval`.
 *
 * Formats:
 *   steam-200k  the public Steam user-behaviour data set's play rows: a header
 *               "user-id,game-title,value," (the trailing empty column optional), then
 *               user-id,game-title,value[,anything]: value is hours played. Titles may hold
 *               quoted commas; the fourth column is ignored (the data set has a stray "1").
 *   generic     a header "user,item" or "user,item,weight", then rows with that many fields;
 *               without a weight column every weight is 1.
 * A weight must be a finite decimal number >= 0 ("C" locale); users and items are non-empty
 * strings, numbered 0, 1, ... in order of first appearance (gb_eval_log_user and _item give the
 * names back). Rows repeating a (user, item) pair are merged into one cell whose weight is their
 * sum (gb_interactions.h). Blank lines are skipped.
 *
 * Malformed rows (a wrong number of fields, an empty user or item, a weight that is not a number
 * >= 0, broken quoting) are skipped and counted; the first GB_EVAL_LOG_REPORTED of them are kept
 * with their line number (the line a row starts on, 1-based: the header is line 1) and reason.
 * A log is refused (GB_ERR_INPUT, exit status 2) only when it cannot be read, has no header or a
 * header of another format, or has no usable row: the message names the file, and the line and
 * reason of the first malformed row.
 *
 * Memory: the matrix (gb_interactions.h) plus the distinct names. A log is immutable once read;
 * threads may share it. */
#ifndef GB_EVAL_LOG_H
#define GB_EVAL_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_interactions.h"

typedef enum gb_eval_format { GB_EVAL_STEAM200K, GB_EVAL_GENERIC } gb_eval_format;

/* "steam-200k" or "generic" into *out: 0, or -1 when unknown (nothing set). */
int gb_eval_format_parse(const char *name, gb_eval_format *out);

/* The format's name (static storage). */
const char *gb_eval_format_name(gb_eval_format f);

enum {
  GB_EVAL_LOG_REPORTED = 10, /* malformed rows kept with their line and reason */
  GB_EVAL_REASON_MAX = 160   /* a reason's text, with its NUL */
};

typedef struct gb_eval_bad_row {
  size_t line;
  char reason[GB_EVAL_REASON_MAX];
} gb_eval_bad_row;

typedef struct gb_eval_log gb_eval_log;

/* Reads the log at path in format fmt into *out (free with gb_eval_log_free). Returns 0, or -1
 * with an error (*out unchanged): GB_ERR_INPUT as the header says ("<path>: cannot open: ...",
 * "<path>:1: not a steam-200k header: expected 'user-id,game-title,value'", "<path>: no usable
 * row (3 malformed; first at line 2: ...)"), GB_ERR_RUNTIME when out of memory. */
int gb_eval_log_read(const char *path, gb_eval_format fmt, gb_eval_log **out, gb_err *err);

/* Parses text[0..len) the same way; name stands for the file in messages. */
int gb_eval_log_parse(const char *name, const char *text, size_t len, gb_eval_format fmt,
                      gb_eval_log **out, gb_err *err);

/* Frees log; NULL is a no-op. */
void gb_eval_log_free(gb_eval_log *log);

/* Rows read into the matrix (before duplicates were merged), and rows skipped as malformed. */
size_t gb_eval_log_rows(const gb_eval_log *log);
size_t gb_eval_log_malformed(const gb_eval_log *log);

/* Malformed row i (< min(malformed, GB_EVAL_LOG_REPORTED)), in file order. */
const gb_eval_bad_row *gb_eval_log_bad(const gb_eval_log *log, size_t i);

/* The users × items matrix (owned by the log). */
const gb_interactions *gb_eval_log_matrix(const gb_eval_log *log);

/* The name of user u (< users) and of item i (< items), as written in the file; owned by log. */
const char *gb_eval_log_user(const gb_eval_log *log, uint32_t u);
const char *gb_eval_log_item(const gb_eval_log *log, uint32_t i);

#endif
