/* gb_sketch_int: the byte-level helpers the sketches' serializations share (gb_hll, gb_distinct,
 * gb_ddsketch). Private to stats/.
 *
 * Every multi-byte field is little-endian whatever the host, so that a results file written on
 * one machine reads on another: fixed-width fields are assembled byte by byte, integers of
 * varying size are LEB128 varints (common/gb_varint.h), signed ones zigzag-coded first. */
#ifndef GB_SKETCH_INT_H
#define GB_SKETCH_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gb_varint.h"

/* Bytes of v as a varint (1 .. 10): serialized_size computes sizes without writing. */
static inline size_t gb_sketch_varint_len(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

/* Zigzag: small magnitudes of either sign become small unsigned numbers (0, -1, 1, -2 ... as
 * 0, 1, 2, 3 ...), so a negative bucket index costs as few varint bytes as a positive one. */
static inline uint64_t gb_sketch_zigzag(int64_t v) {
  return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

static inline int64_t gb_sketch_unzigzag(uint64_t u) {
  return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* Writes the IEEE-754 bits of v, little-endian (8 bytes); returns 8. */
static inline size_t gb_sketch_put_f64(uint8_t *out, double v) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  for (int i = 0; i < 8; i++)
    out[i] = (uint8_t)(bits >> (8 * i));
  return 8;
}

/* A cursor over a serialized buffer: the readers below advance it and return false, the cursor
 * unchanged, when the field runs past the end. */
typedef struct gb_sketch_reader {
  const uint8_t *at, *end;
} gb_sketch_reader;

static inline bool gb_sketch_get_u8(gb_sketch_reader *r, uint8_t *v) {
  if (r->at >= r->end)
    return false;
  *v = *r->at++;
  return true;
}

static inline bool gb_sketch_get_f64(gb_sketch_reader *r, double *v) {
  if (r->end - r->at < 8)
    return false;
  uint64_t bits = 0;
  for (int i = 0; i < 8; i++)
    bits |= (uint64_t)r->at[i] << (8 * i);
  memcpy(v, &bits, sizeof bits);
  r->at += 8;
  return true;
}

static inline bool gb_sketch_get_varint(gb_sketch_reader *r, uint64_t *v) {
  return gb_varint_get(&r->at, r->end, v);
}

static inline size_t gb_sketch_left(const gb_sketch_reader *r) { return (size_t)(r->end - r->at); }

#endif
