#include "gb_afile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char TMP_SUFFIX[] = ".tmp";

struct gb_afile {
  FILE *out;
  char *path;
  char *tmp_path;
};

static char *tmp_name(const char *path) {
  size_t n = strlen(path) + sizeof TMP_SUFFIX;
  char *tmp = malloc(n);
  if (tmp)
    snprintf(tmp, n, "%s%s", path, TMP_SUFFIX);
  return tmp;
}

static void afile_free(gb_afile *f) {
  free(f->path);
  free(f->tmp_path);
  free(f);
}

int gb_afile_open(const char *path, gb_afile **out, gb_err *err) {
  gb_afile *f = calloc(1, sizeof *f);
  if (f) {
    f->path = strdup(path);
    f->tmp_path = tmp_name(path);
  }
  if (!f || !f->path || !f->tmp_path) {
    if (f)
      afile_free(f);
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", path);
  }
  f->out = fopen(f->tmp_path, "w");
  if (!f->out) {
    gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot create: %s", f->tmp_path, strerror(errno));
    afile_free(f);
    return -1;
  }
  *out = f;
  return 0;
}

FILE *gb_afile_stream(gb_afile *f) { return f->out; }

const char *gb_afile_path(const gb_afile *f) { return f->path; }

int gb_afile_commit(gb_afile *f, gb_err *err) {
  int rc = 0;
  /* fsync before rename: otherwise a power loss could leave the renamed file empty. */
  if (fflush(f->out) != 0 || ferror(f->out) || fsync(fileno(f->out)) != 0)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: write failed: %s", f->tmp_path, strerror(errno));
  if (fclose(f->out) != 0 && rc == 0)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: close failed: %s", f->tmp_path, strerror(errno));
  if (rc == 0 && rename(f->tmp_path, f->path) != 0)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot rename to %s: %s", f->tmp_path, f->path,
                    strerror(errno));
  if (rc != 0)
    unlink(f->tmp_path);
  afile_free(f);
  return rc;
}

void gb_afile_discard(gb_afile *f) {
  if (!f)
    return;
  fclose(f->out);
  unlink(f->tmp_path);
  afile_free(f);
}

int gb_afile_promote(const char *path, gb_err *err) {
  char *tmp = tmp_name(path);
  if (!tmp)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", path);
  int rc = 0;
  struct stat st;
  if (stat(tmp, &st) != 0)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: missing: %s", tmp, strerror(errno));
  else if (st.st_size == 0)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: empty", tmp);
  else if (rename(tmp, path) != 0)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot rename to %s: %s", tmp, path, strerror(errno));
  if (rc != 0)
    unlink(tmp);
  free(tmp);
  return rc;
}

/* "1 MiB" for whole MiB, else "N bytes", into buf. */
static void size_text(size_t n, char *buf, size_t size) {
  if (n >= (1u << 20) && n % (1u << 20) == 0)
    snprintf(buf, size, "%zu MiB", n >> 20);
  else
    snprintf(buf, size, "%zu bytes", n);
}

char *gb_afile_read_max(const char *path, size_t max, const char *what, size_t *len, gb_err *err) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    gb_err_set(err, GB_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  /* fopen opens a directory for reading on Linux; its first read would fail with EISDIR */
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    gb_err_set(err, GB_ERR_INPUT, "%s: is a directory, not %s", path, what ? what : "a file");
    return NULL;
  }
  char *text = NULL;
  size_t n = 0;
  FILE *mem = open_memstream(&text, &n);
  if (!mem) {
    fclose(f);
    gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", path);
    return NULL;
  }
  char buf[65536]; /* one read per 64 KiB */
  bool copied = true, too_large = false;
  size_t total = 0;
  while (copied && !too_large) {
    size_t got = fread(buf, 1, sizeof buf, f);
    if (got == 0)
      break;
    /* checked before storing: /dev/zero must not grow memory without end */
    too_large = got > max - total;
    total += too_large ? 0 : got;
    copied = too_large || fwrite(buf, 1, got, mem) == got;
  }
  int read_failed = ferror(f);
  int saved_errno = errno;
  fclose(f);
  int mem_failed = fclose(mem) != 0 || !copied;
  if (read_failed || mem_failed || too_large) {
    free(text);
    char limit[32];
    size_text(max, limit, sizeof limit);
    if (read_failed)
      gb_err_set(err, GB_ERR_INPUT, "%s: cannot read: %s", path, strerror(saved_errno));
    else if (too_large)
      gb_err_set(err, GB_ERR_INPUT, "%s: larger than %s, the limit for %s", path, limit,
                 what ? what : "a file");
    else
      gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", path);
    return NULL;
  }
  *len = n;
  return text; /* open_memstream keeps the buffer NUL-terminated */
}

char *gb_afile_read_all(const char *path, size_t *len, gb_err *err) {
  return gb_afile_read_max(path, SIZE_MAX, NULL, len, err);
}
