/* Helpers shared by the Criterion suites: temporary directories, files, and running the
 * gamebench executable (GB_GAMEBENCH_EXE) with its exit status and output captured. What a
 * helper cannot do (no temporary file, no fork) stops the suite with GB_FATAL's reason. */
#ifndef GB_TEST_SUPPORT_H
#define GB_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Creates a fresh directory under $TMPDIR (or /tmp); returns a heap path (caller frees). */
char *gbt_tmpdir(void);

/* Removes a directory tree (rm -rf); used in test teardown. */
void gbt_rmtree(const char *path);

/* Joins dir and name into a heap path (caller frees). */
char *gbt_path(const char *dir, const char *name);

/* Writes text to path (creating or truncating it); aborts the test on failure. */
void gbt_write_file(const char *path, const char *text);

/* Reads a whole file into a NUL-terminated heap buffer (caller frees); NULL if unreadable. */
char *gbt_read_file(const char *path, size_t *len);

bool gbt_exists(const char *path);

/* Whether dir holds a file whose name ends in ".tmp" (an atomic write left behind). */
bool gbt_has_tmp_file(const char *dir);

/* Copies the string src into the buffer dst of size bytes (an event's fixed-size field), failing
 * the test when it does not fit with its NUL. GBT_SET takes the array itself. */
void gbt_set_str(char *dst, size_t size, const char *src);
#define GBT_SET(array, src) gbt_set_str((array), sizeof(array), (src))

/* Result of running a command: exit status (or 128+signal) and captured output (heap). */
typedef struct gbt_proc {
  int status;
  char *out;
  char *err;
} gbt_proc;

/* Runs `GB_GAMEBENCH_EXE ARGS` through /bin/sh -c (ARGS is printf-formatted, shell syntax)
 * with stdin from /dev/null, waiting for it to exit. */
gbt_proc gbt_gamebench(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs an arbitrary shell command line the same way. */
gbt_proc gbt_shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs fn(ctx) in a forked child of the test (its stderr captured, stdout empty) and waits for
 * it: for what must stop the program (GB_FATAL, GB_ASSERT), which a test cannot survive in its
 * own process. The child exits 0 when fn returns. */
gbt_proc gbt_fork(void (*fn)(void *ctx), void *ctx);

void gbt_proc_free(gbt_proc *p);

/* Starts `gamebench ARGS` (printf-formatted, shell syntax) in the background, stdin and stdout
 * from/to /dev/null, stderr into log_path; returns its pid (gamebench's own: signals reach it). */
pid_t gbt_spawn(const char *log_path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Waits for pid to exit within timeout_s; its exit status (128+signal), -1 on timeout. */
int gbt_wait_exit(pid_t pid, int timeout_s);

/* Waits until the file at path contains text (within timeout_s); false on timeout. */
bool gbt_wait_for_text(const char *path, const char *text, int timeout_s);

#endif
