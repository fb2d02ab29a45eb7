/* gb_run_bin: the little-endian fields of gamebench's binary results files written by bench/run
 * (state.gbr: gb_run_raw.h; the timeline's part of it: gb_timeline_save). Private to bench/run.
 *
 * Writers put fields on a FILE and leave error checking to the end (ferror, at the commit of
 * the atomic file). Readers take fields from a FILE through a gb_run_bin_reader, whose first
 * failure (the file ends early, a value out of range) is sticky: a reader checks `ok` once after
 * a section instead of after every field, and the error names the file and the byte offset. */
#ifndef GB_RUN_BIN_H
#define GB_RUN_BIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "gb_err.h"

static inline void gb_run_bin_put_u64(FILE *out, uint64_t v) {
  uint8_t b[8];
  for (int i = 0; i < 8; i++)
    b[i] = (uint8_t)(v >> (8 * i));
  fwrite(b, 1, sizeof b, out);
}

static inline void gb_run_bin_put_i64(FILE *out, int64_t v) {
  gb_run_bin_put_u64(out, (uint64_t)v);
}

/* A double as the 8 bytes of its IEEE 754 binary64 form: exact round trip. */
static inline void gb_run_bin_put_f64(FILE *out, double v) {
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  gb_run_bin_put_u64(out, bits);
}

/* A string as a u64 length and its bytes (no NUL). */
static inline void gb_run_bin_put_str(FILE *out, const char *s) {
  size_t n = strlen(s);
  gb_run_bin_put_u64(out, n);
  fwrite(s, 1, n, out);
}

typedef struct gb_run_bin_reader {
  FILE *in;
  const char *path; /* for messages */
  bool ok;          /* false after the first failure (err filled) */
  gb_err *err;
} gb_run_bin_reader;

/* Marks the reader failed with "PATH: byte N: what" (the first failure wins); returns false. */
static inline bool gb_run_bin_fail(gb_run_bin_reader *r, const char *what) {
  if (r->ok)
    gb_err_set(r->err, GB_ERR_INPUT, "%s: byte %ld: %s", r->path, ftell(r->in), what);
  r->ok = false;
  return false;
}

static inline uint64_t gb_run_bin_u64(gb_run_bin_reader *r) {
  uint8_t b[8];
  if (!r->ok)
    return 0;
  if (fread(b, 1, sizeof b, r->in) != sizeof b) {
    gb_run_bin_fail(r, "the file ends early (truncated?)");
    return 0;
  }
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | b[i];
  return v;
}

static inline int64_t gb_run_bin_i64(gb_run_bin_reader *r) { return (int64_t)gb_run_bin_u64(r); }

static inline double gb_run_bin_f64(gb_run_bin_reader *r) {
  uint64_t bits = gb_run_bin_u64(r);
  double v;
  memcpy(&v, &bits, sizeof v);
  return v;
}

/* A count that must not exceed max (a corrupt length would otherwise allocate without bound). */
static inline uint64_t gb_run_bin_count(gb_run_bin_reader *r, uint64_t max, const char *what) {
  uint64_t n = gb_run_bin_u64(r);
  if (r->ok && n > max) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s: %llu is more than %llu", what, (unsigned long long)n,
             (unsigned long long)max);
    gb_run_bin_fail(r, msg);
    return 0;
  }
  return n;
}

/* A string written by gb_run_bin_put_str into buf (cap bytes with the NUL). */
static inline void gb_run_bin_str(gb_run_bin_reader *r, char *buf, size_t cap) {
  uint64_t n = gb_run_bin_count(r, cap - 1, "string length");
  buf[0] = '\0';
  if (!r->ok)
    return;
  if (fread(buf, 1, (size_t)n, r->in) != n) {
    gb_run_bin_fail(r, "the file ends early (truncated?)");
    return;
  }
  buf[n] = '\0';
}

#endif
