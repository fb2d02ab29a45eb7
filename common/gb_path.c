#include "gb_path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *gb_path_join(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *path = malloc(n);
  if (path)
    snprintf(path, n, "%s/%s", dir, name);
  return path;
}
