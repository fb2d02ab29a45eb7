#include "bench_json_jansson.h"

#include <dlfcn.h>
#include <jansson.h>
#include <string.h>

gb_jansson_iter_next_fn gb_bench_json_jansson_iter_next(void) {
  /* "libjansson.so.4" is the version jansson 2.x tags its symbols with (objdump -T) */
  void *sym = dlvsym(RTLD_DEFAULT, "json_object_iter_next", "libjansson.so.4");
  gb_jansson_iter_next_fn fn = NULL;
  _Static_assert(sizeof sym == sizeof fn, "POSIX: data and function pointers convert");
  memcpy(&fn, &sym, sizeof fn);
  return fn;
}

double gb_bench_json_walk_jansson(gb_jansson_iter_next_fn next, const char *json, size_t len) {
  json_error_t error;
  json_t *root = json_loadb(json, len, 0, &error);
  double sum = 0;
  if (root == NULL)
    return -1;
  /* json_object_foreach, with jansson's iterator step */
  for (void *it = json_object_iter(root); it != NULL; it = next(root, it)) {
    json_t *val = json_object_iter_value(it);
    if (json_is_integer(val))
      sum += (double)json_integer_value(val);
    else if (json_is_real(val))
      sum += json_real_value(val);
    else if (json_is_string(val))
      sum += (double)json_string_length(val);
    else if (json_is_true(val))
      sum += 1;
  }
  json_decref(root);
  return sum;
}

const char *gb_bench_json_jansson_version(void) { return JANSSON_VERSION; }
