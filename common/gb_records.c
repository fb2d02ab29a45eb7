#include "gb_records.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "gb_prefetch.h"

#define HUGE_PAGE ((size_t)2 << 20)

void *gb_records_alloc(size_t bytes) {
  size_t align = bytes >= HUGE_PAGE ? HUGE_PAGE : GB_CACHE_LINE;
  size_t rounded = (bytes + align - 1) / align * align; /* aligned_alloc wants a multiple */
  void *m = aligned_alloc(align, rounded ? rounded : align);
  if (!m)
    return NULL;
#ifdef MADV_HUGEPAGE
  if (align == HUGE_PAGE)
    (void)madvise(m, rounded, MADV_HUGEPAGE); /* only a hint: without it, only slower */
#endif
  memset(m, 0, rounded ? rounded : align);
  return m;
}
