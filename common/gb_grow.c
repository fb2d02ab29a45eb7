#include "gb_grow.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The capacity that holds need elements: first_cap doubled until it does; 0 on overflow. */
static size_t grown_capacity(size_t cap, size_t need, size_t first_cap) {
  size_t c = cap ? cap : (first_cap ? first_cap : 1);
  while (c < need) {
    if (c > SIZE_MAX / 2)
      return 0;
    c *= 2;
  }
  return c;
}

/* Grows without reporting; returns the new capacity, or 0 when it cannot (nothing changed). */
static size_t try_grow(void *items, size_t cap, size_t need, size_t elem_size, size_t first_cap) {
  size_t c = grown_capacity(cap, need, first_cap);
  if (c == 0 || elem_size == 0 || c > SIZE_MAX / elem_size)
    return 0;
  void *old;
  memcpy(&old, items, sizeof old); /* the caller's T *, read as the void * it converts to */
  char *p;
  if (!old) {
    /* The first allocation: calloc's fresh zero pages cost no memory until they are written, so
     * an array pre-sized for the whole population holds only the players who show up. */
    p = calloc(c, elem_size);
  } else {
    p = realloc(old, c * elem_size);
    if (p)
      memset(p + cap * elem_size, 0, (c - cap) * elem_size);
  }
  if (!p)
    return 0;
  memcpy(items, &p, sizeof p);
  return c;
}

/* "N WHAT (B bytes)" for the message; "N WHAT" alone for an array of bytes, whose WHAT says so
 * ("bytes of JSON"). */
static void describe(char *buf, size_t size, size_t need, size_t elem_size, const char *what) {
  if (elem_size == 1) {
    snprintf(buf, size, "%zu %s", need, what);
    return;
  }
  double bytes = (double)need * (double)elem_size;
  snprintf(buf, size, "%zu %s (%.0f bytes)", need, what, bytes);
}

int gb_grow(void *items, size_t *cap, size_t need, size_t elem_size, size_t first_cap,
            const char *what, gb_err *err) {
  if (need <= *cap)
    return 0;
  size_t c = try_grow(items, *cap, need, elem_size, first_cap);
  if (c == 0) {
    char d[256];
    describe(d, sizeof d, need, elem_size, what);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for %s", d);
  }
  *cap = c;
  return 0;
}

void gb_grow_or_die_at(const char *file, int line, void *items, size_t *cap, size_t need,
                       size_t elem_size, size_t first_cap, const char *what) {
  if (need <= *cap)
    return;
  size_t c = try_grow(items, *cap, need, elem_size, first_cap);
  if (c == 0) {
    char d[256];
    describe(d, sizeof d, need, elem_size, what);
    gb_fatal_at(file, line, "out of memory for %s", d);
  }
  *cap = c;
}
