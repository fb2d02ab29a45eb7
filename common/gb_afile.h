/* gb_afile: result files on disk.
 *
 * Atomic writes: a result file is written to "<path>.tmp" and renamed onto <path> only once it
 * is complete, flushed and synced, so that a reader (or a crashed run) never sees a half-written
 * result file: either the previous version or the complete new one.
 * Whole reads: a result file, or an input file up to a size, into one NUL-terminated buffer. */
#ifndef GB_AFILE_H
#define GB_AFILE_H

#include <stddef.h>
#include <stdio.h>

#include "gb_err.h"

typedef struct gb_afile gb_afile;

/* Creates (or truncates) "<path>.tmp" for writing, into *out (the caller ends it with
 * gb_afile_commit or gb_afile_discard). Returns 0, or -1 with a GB_ERR_RUNTIME error naming the
 * file and the system's reason (*out is then unchanged). */
int gb_afile_open(const char *path, gb_afile **out, gb_err *err);

/* The stream to write to; owned by the handle (do not fclose it). */
FILE *gb_afile_stream(gb_afile *f);

/* The final path given to gb_afile_open (owned by the handle). */
const char *gb_afile_path(const gb_afile *f);

/* Flushes, fsyncs and closes the temporary file, then renames it onto the final path. Always
 * frees f. Returns 0, or -1 with a GB_ERR_RUNTIME error naming the file (a write error such as
 * a full disk shows up here); on failure the temporary file is removed and the final path is
 * left as it was. */
int gb_afile_commit(gb_afile *f, gb_err *err);

/* Closes and removes the temporary file without touching the final path; frees f. NULL is a
 * no-op. */
void gb_afile_discard(gb_afile *f);

/* Renames "<path>.tmp" (written by someone else, e.g. gnuplot) onto path, if it exists and is
 * not empty. Returns 0, or -1 with a GB_ERR_RUNTIME error ("<path>.tmp: missing" / "empty" or
 * the rename failure); on failure the temporary file is removed. */
int gb_afile_promote(const char *path, gb_err *err);

/* Reads the whole file at path into a NUL-terminated heap buffer (caller frees) and sets *len
 * to its size (embedded NULs are kept). Returns NULL with an error naming the file: GB_ERR_INPUT
 * when it cannot be opened or read ("<path>: cannot open: No such file or directory"),
 * GB_ERR_RUNTIME when out of memory. */
char *gb_afile_read_all(const char *path, size_t *len, gb_err *err);

/* gb_afile_read_all for inputs people give (workloads, catalogues, gate, query and control
 * files), which may be anything: reads at most max bytes and never holds more, so that a device
 * such as /dev/zero or a huge file fails at once instead of growing memory without end. what
 * names the kind of file in errors ("a challenge catalogue"; NULL: "a file"). GB_ERR_INPUT:
 * "<path>: cannot open: <reason>", "<path>: is a directory, not <what>", "<path>: cannot read:
 * <reason>" (ferror), "<path>: larger than 16 MiB, the limit for <what>" (the limit in MiB
 * when whole, else in bytes); GB_ERR_RUNTIME when out of memory. */
char *gb_afile_read_max(const char *path, size_t max, const char *what, size_t *len, gb_err *err);

#endif
