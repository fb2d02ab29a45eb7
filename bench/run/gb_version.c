#include "gb_version.h"

#include <stddef.h>

#ifdef GB_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

const char *gb_version_jemalloc(void) {
#ifdef GB_HAVE_JEMALLOC
  const char *version = NULL;
  size_t len = sizeof version;
  if (mallctl("version", &version, &len, NULL, 0) == 0 && version)
    return version;
  return "unknown";
#else
  return "none (sanitizer build)";
#endif
}
