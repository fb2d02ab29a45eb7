#include "gb_afile.h"

#include <errno.h>
#include <stdbool.h>
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

char *gb_afile_read_all(const char *path, size_t *len, gb_err *err) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    gb_err_set(err, GB_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
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
  char buf[65536]; /* one read per 64 KiB: result files are read once, in full */
  bool copied = true;
  while (copied) {
    size_t got = fread(buf, 1, sizeof buf, f);
    if (got == 0)
      break;
    copied = fwrite(buf, 1, got, mem) == got;
  }
  int read_failed = ferror(f);
  int saved_errno = errno;
  fclose(f);
  int mem_failed = fclose(mem) != 0 || !copied;
  if (read_failed || mem_failed) {
    free(text);
    if (read_failed)
      gb_err_set(err, GB_ERR_INPUT, "%s: cannot read: %s", path, strerror(saved_errno));
    else
      gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", path);
    return NULL;
  }
  *len = n;
  return text; /* open_memstream keeps the buffer NUL-terminated */
}
