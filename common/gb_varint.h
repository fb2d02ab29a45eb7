/* gb_varint: LEB128 varints (7 bits per byte, least significant group first, bit 7 set on every
 * byte but the last), the integer form of gamebench's binary wire formats (events, decisions,
 * the Kafka transport's reply records). The event codec's hot paths have word-at-a-time
 * versions of their own (engine/gb_codec.c); these are the plain ones. */
#ifndef GB_VARINT_H
#define GB_VARINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { GB_VARINT_MAX = 10 /* bytes of a 64-bit varint at most */ };

/* Writes v at out (room for GB_VARINT_MAX bytes); returns the bytes written (1 .. 10). */
static inline size_t gb_varint_put(uint8_t *out, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    out[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  out[n++] = (uint8_t)v;
  return n;
}

/* Reads the varint at *at (before end) into *v and advances *at past it. false, *at unchanged,
 * when it runs past end or does not fit 64 bits. */
static inline bool gb_varint_get(const uint8_t **at, const uint8_t *end, uint64_t *v) {
  const uint8_t *p = *at;
  uint64_t x = 0;
  for (unsigned shift = 0; p < end && shift < 64; shift += 7) {
    uint8_t b = *p++;
    if (shift == 63 && b > 1)
      return false; /* bits past 64 */
    x |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = x;
      *at = p;
      return true;
    }
  }
  return false;
}

#endif
