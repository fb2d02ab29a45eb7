#include "gb_bytes.h"

#include <string.h>

#include "gb_grow.h"

uint8_t *gb_bytes_room(gb_bytes *o, size_t len) {
  if (o->failed || GB_GROW(o->b, o->cap, o->n + len, 4096, "bytes", NULL) != 0) {
    o->failed = true;
    return NULL;
  }
  uint8_t *at = o->b + o->n;
  o->n += len;
  return at;
}

void gb_bytes_put_le(gb_bytes *o, uint64_t v, size_t bytes) {
  uint8_t *at = gb_bytes_room(o, bytes);
  if (at)
    for (size_t i = 0; i < bytes; i++)
      at[i] = (uint8_t)(v >> (8 * i));
}

void gb_bytes_put(gb_bytes *o, const void *p, size_t len) {
  uint8_t *at = gb_bytes_room(o, len);
  if (at && len)
    memcpy(at, p, len);
}
