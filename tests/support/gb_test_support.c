#include "gb_test_support.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *gbt_tmpdir(void) {
  const char *base = getenv("TMPDIR");
  char tmpl[4096];
  snprintf(tmpl, sizeof tmpl, "%s/gbtest-XXXXXX", base && *base ? base : "/tmp");
  if (!mkdtemp(tmpl))
    abort();
  return strdup(tmpl);
}

char *gbt_path(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  snprintf(p, n, "%s/%s", dir, name);
  return p;
}

void gbt_write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f)
    abort();
  fputs(text, f);
  fclose(f);
}

char *gbt_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (cap - n - 1 == 0) {
      cap *= 2;
      buf = realloc(buf, cap);
    }
  }
  fclose(f);
  buf[n] = '\0';
  if (len)
    *len = n;
  return buf;
}

bool gbt_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static char *slurp_fd(FILE *f) {
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
    n += got;
    if (cap - n - 1 == 0) {
      cap *= 2;
      buf = realloc(buf, cap);
    }
  }
  buf[n] = '\0';
  return buf;
}

static gbt_proc run_shell(const char *cmdline) {
  gbt_proc p = {0};
  char errpath[] = "/tmp/gbtest-stderr-XXXXXX";
  int errfd = mkstemp(errpath);
  if (errfd < 0)
    abort();
  size_t n = strlen(cmdline) + strlen(errpath) + 32;
  char *full = malloc(n);
  snprintf(full, n, "(%s) </dev/null 2>%s", cmdline, errpath);
  FILE *pipe = popen(full, "r");
  free(full);
  if (!pipe)
    abort();
  p.out = slurp_fd(pipe);
  int st = pclose(pipe);
  p.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  FILE *ef = fdopen(errfd, "r");
  p.err = slurp_fd(ef);
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
    abort();
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0)
    abort();
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
  p.err = slurp_fd(ef);
  fclose(ef);
  unlink(errpath);
  return p;
}
