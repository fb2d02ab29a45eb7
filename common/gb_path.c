#include "gb_path.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *gb_path_join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *path = malloc(n);
  if (path)
    snprintf(path, n, "%s/%s", dir, name);
  return path;
}

/* A probe entry made and removed in dir: whether this process can create files there (what
 * access(2) cannot tell for root on a read-only file system, nor for ACLs). */
static int probe(const char *dir, const char *what, const char *named, gb_err *err) {
  char tmpl[4200];
  if (snprintf(tmpl, sizeof tmpl, "%s/.gamebench-probe-XXXXXX", dir) >= (int)sizeof tmpl)
    return gb_err_set(err, GB_ERR_INPUT, "%s %s: path too long", what, named);
  if (!mkdtemp(tmpl))
    return gb_err_set(err, GB_ERR_INPUT, "%s %s: cannot write in %s: %s", what, named, dir,
                      strerror(errno));
  rmdir(tmpl);
  return 0;
}

/* The nearest part of dir that exists (dir itself, or an ancestor: what a mkdir -p would make
 * its entries in) must be a directory this process can write in; nothing is made. Messages name
 * `named` (dir, or the path inside it). */
static int ready(const char *dir, const char *what, const char *named, gb_err *err) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
    return gb_err_set(err, GB_ERR_INPUT, "%s %s: path too long", what, named);
  for (;;) {
    size_t n = strlen(buf);
    while (n > 1 && buf[n - 1] == '/')
      buf[--n] = '\0';
    struct stat st;
    if (stat(buf, &st) == 0) {
      if (S_ISDIR(st.st_mode))
        return probe(buf, what, named, err);
      if (strcmp(buf, named) == 0)
        return gb_err_set(err, GB_ERR_INPUT, "%s %s: not a directory", what, named);
      return gb_err_set(err, GB_ERR_INPUT, "%s %s: %s is not a directory", what, named, buf);
    }
    if (errno != ENOENT && errno != ENOTDIR) /* ENOTDIR: a file above; found further up */
      return gb_err_set(err, GB_ERR_INPUT, "%s %s: %s: %s", what, named, buf, strerror(errno));
    char *slash = strrchr(buf, '/');
    if (!slash)
      snprintf(buf, sizeof buf, ".");
    else if (slash == buf)
      buf[1] = '\0';
    else
      *slash = '\0';
  }
}

int gb_path_ready_dir(const char *dir, const char *what, gb_err *err) {
  return ready(dir, what, dir, err);
}

/* The directory that holds path, into buf ("." when path has no slash); false if too long. */
static bool dir_of(const char *path, char *buf, size_t cap) {
  if (snprintf(buf, cap, "%s", path) >= (int)cap)
    return false;
  char *slash = strrchr(buf, '/');
  if (!slash)
    snprintf(buf, cap, ".");
  else if (slash == buf)
    buf[1] = '\0';
  else
    *slash = '\0';
  return true;
}

int gb_path_ready_parent(const char *path, const char *what, gb_err *err) {
  char dir[4096];
  if (!dir_of(path, dir, sizeof dir))
    return gb_err_set(err, GB_ERR_INPUT, "%s %s: path too long", what, path);
  return ready(dir, what, path, err);
}

int gb_path_ready_file(const char *path, const char *what, gb_err *err) {
  if (strcmp(path, "-") == 0)
    return 0;
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return gb_err_set(err, GB_ERR_INPUT, "%s %s: is a directory", what, path);
  char dir[4096];
  if (!dir_of(path, dir, sizeof dir))
    return gb_err_set(err, GB_ERR_INPUT, "%s %s: path too long", what, path);
  if (stat(dir, &st) != 0)
    return gb_err_set(err, GB_ERR_INPUT, "%s %s: %s: %s", what, path, dir, strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return gb_err_set(err, GB_ERR_INPUT, "%s %s: %s is not a directory", what, path, dir);
  return probe(dir, what, path, err);
}

bool gb_path_is_partial(const char *path) {
  static const char suffix[] = ".partial";
  size_t n = strlen(path);
  while (n > 1 && path[n - 1] == '/')
    n--;
  return n >= sizeof suffix - 1 &&
         memcmp(path + n - (sizeof suffix - 1), suffix, sizeof suffix - 1) == 0;
}
