/* gb_bytes: a growable buffer of bytes written in little-endian, the one way gamebench's binary
 * formats are written (the persisted cube, the engines' aggregates). A failed growth is
 * remembered (failed) and later writes do nothing: the writer checks once at the end. */
#ifndef GB_BYTES_H
#define GB_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gb_bytes {
  uint8_t *b; /* malloc'd; the caller frees it (or takes it) */
  size_t n, cap;
  bool failed; /* out of memory at some point: the contents are incomplete */
} gb_bytes;

/* Appends len bytes and returns where they go, or NULL (failed set) when out of memory. */
uint8_t *gb_bytes_room(gb_bytes *o, size_t len);

/* Appends v's low `bytes` bytes (1 .. 8), least significant first. */
void gb_bytes_put_le(gb_bytes *o, uint64_t v, size_t bytes);

/* Appends len bytes from p. */
void gb_bytes_put(gb_bytes *o, const void *p, size_t len);

/* The little-endian number in the `bytes` bytes (1 .. 8) at `at`: what gb_bytes_put_le wrote. */
static inline uint64_t gb_bytes_get_le(const uint8_t *at, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; i++)
    v |= (uint64_t)at[i] << (8 * i);
  return v;
}

#endif
