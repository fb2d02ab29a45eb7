#include "gb_test_support.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gb_clock.h"
#include "gb_err.h"
#include "gb_grow.h"

char *gbt_tmpdir(void) {
  const char *base = getenv("TMPDIR");
  char tmpl[4096];
  snprintf(tmpl, sizeof tmpl, "%s/gbtest-XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(tmpl))
    GB_FATAL("cannot create a temporary directory %s: %s", tmpl, strerror(errno));
  char *dir = strdup(tmpl);
  if (!dir)
    GB_FATAL("out of memory for a temporary directory's name");
  return dir;
}

char *gbt_path(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (!p)
    GB_FATAL("out of memory for a path of %zu bytes", n);
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

void gbt_write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f)
    GB_FATAL("%s: cannot create: %s", path, strerror(errno));
  fputs(text, f);
  fclose(f);
}

/* Reads f to its end into a NUL-terminated heap buffer; *len (if non-NULL) gets its length. */
static char *slurp(FILE *f, size_t *len) {
  char *buf = NULL;
  size_t cap = 0, n = 0;
  GB_GROW_OR_DIE(buf, cap, 4096, 4096, "bytes read");
  for (;;) {
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    if (got == 0)
      break;
    n += got;
    GB_GROW_OR_DIE(buf, cap, n + 2, 4096, "bytes read"); /* room to read on, and the NUL */
  }
  buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}

char *gbt_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *buf = slurp(f, len);
  fclose(f);
  return buf;
}

bool gbt_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

void gbt_set_str(char *dst, size_t size, const char *src) {
  size_t len = strlen(src);
  cr_assert_lt(len, size, "'%s' does not fit in %zu bytes", src, size);
  memcpy(dst, src, len + 1);
}

static gbt_proc run_shell(const char *cmdline) {
  gbt_proc p = {0};
  char errpath[] = "/tmp/gbtest-stderr-XXXXXX";
  int errfd = mkstemp(errpath);
  if (errfd < 0)
    GB_FATAL("cannot create %s: %s", errpath, strerror(errno));
  size_t n = strlen(cmdline) + strlen(errpath) + 32;
  char *full = malloc(n);
  if (!full)
    GB_FATAL("out of memory for a command line of %zu bytes", n);
  snprintf(full, n, "(%s) </dev/null 2>%s", cmdline, errpath);
  FILE *pipe = popen(full, "r");
  free(full);
  if (!pipe)
    GB_FATAL("cannot run a shell: %s", strerror(errno));
  p.out = slurp(pipe, NULL);
  int st = pclose(pipe);
  p.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  FILE *ef = fdopen(errfd, "r");
  p.err = slurp(ef, NULL);
  fclose(ef);
  unlink(errpath);
  return p;
}

gbt_proc gbt_shell(const char *fmt, ...) {
  char cmd[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  return run_shell(cmd);
}

gbt_proc gbt_gamebench(const char *fmt, ...) {
  char args[8192];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  char cmd[8400];
  snprintf(cmd, sizeof cmd, "'%s' %s", GB_GAMEBENCH_EXE, args);
  return run_shell(cmd);
}

void gbt_rmtree(const char *path) {
  if (!path || !*path || strcmp(path, "/") == 0)
    return;
  gbt_proc p = gbt_shell("rm -rf '%s'", path);
  gbt_proc_free(&p);
}

void gbt_proc_free(gbt_proc *p) {
  free(p->out);
  free(p->err);
  p->out = p->err = NULL;
}

gbt_proc gbt_fork(void (*fn)(void *ctx), void *ctx) {
  gbt_proc p = {0};
  char errpath[] = "/tmp/gbtest-stderr-XXXXXX";
  int errfd = mkstemp(errpath);
  if (errfd < 0)
    GB_FATAL("cannot create %s: %s", errpath, strerror(errno));
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    GB_FATAL("cannot fork: %s", strerror(errno));
  if (pid == 0) {
    dup2(errfd, STDERR_FILENO);
    fn(ctx);
    _exit(0);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  p.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  p.out = strdup("");
  FILE *ef = fdopen(errfd, "r");
  rewind(ef);
  p.err = slurp(ef, NULL);
  fclose(ef);
  unlink(errpath);
  return p;
}

bool gbt_has_tmp_file(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    GB_FATAL("cannot list %s: %s", dir, strerror(errno));
  bool found = false;
  for (;;) {
    const struct dirent *e = readdir(d);
    if (!e)
      break;
    size_t n = strlen(e->d_name);
    if (n > 4 && strcmp(e->d_name + n - 4, ".tmp") == 0)
      found = true;
  }
  closedir(d);
  return found;
}

enum { GBT_POLL_NS = 20000000 /* how often the waits look again: 20 ms */ };
#define GBT_SECOND_NS 1000000000LL

/* Starts `gamebench ARGS` in the background with stderr into log_path; returns its pid. */
pid_t gbt_spawn(const char *log_path, const char *fmt, ...) {
  char args[2048], cmd[2400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  /* exec: the pid is gamebench's own, so that signals reach it and not a shell */
  snprintf(cmd, sizeof cmd, "exec '%s' %s", GB_GAMEBENCH_EXE, args);
  pid_t pid = fork();
  cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
  if (pid == 0) {
    int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null = open("/dev/null", O_RDWR);
    if (log < 0 || null < 0)
      _exit(127);
    dup2(null, 0);
    dup2(null, 1);
    dup2(log, 2);
    /* the signals a test sends arrive even when the test runner ignores them (a background
     * job's SIGINT): an ignored signal stays ignored across exec */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
  }
  return pid;
}

/* Waits for pid to exit within timeout_s; returns its exit status (128+signal), -1 on timeout. */
int gbt_wait_exit(pid_t pid, int timeout_s) {
  int64_t deadline = gb_clock_now_ns() + timeout_s * GBT_SECOND_NS;
  for (;;) {
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid)
      return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    if (gb_clock_now_ns() > deadline)
      return -1;
    gb_clock_sleep_until_ns(gb_clock_now_ns() + GBT_POLL_NS);
  }
}

/* Waits until the file at path contains text (within timeout_s). */
bool gbt_wait_for_text(const char *path, const char *text, int timeout_s) {
  int64_t deadline = gb_clock_now_ns() + timeout_s * GBT_SECOND_NS;
  for (;;) {
    char *content = gbt_read_file(path, NULL);
    bool found = content && strstr(content, text);
    free(content);
    if (found)
      return true;
    if (gb_clock_now_ns() > deadline)
      return false;
    gb_clock_sleep_until_ns(gb_clock_now_ns() + GBT_POLL_NS);
  }
}
