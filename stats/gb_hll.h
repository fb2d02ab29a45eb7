/* gb_hll: HyperLogLog distinct counting over caller-supplied 64-bit hashes.
 *
 * A sketch of precision p (GB_HLL_MIN_PRECISION .. GB_HLL_MAX_PRECISION) has m = 2^p one-byte
 * registers (m bytes: 16 KiB at p = 14). A hash h goes to register h >> (64 - p) (its top p
 * bits) and raises it to the rank of the remaining q = 64 - p bits: 1 + their leading zeros, or
 * q + 1 when they are all zero. The registers are the maximum rank seen per register, so they
 * depend only on the SET of hashes added: not on order, not on repeats, not on how the set was
 * split between sketches that were merged (a merge is the register-wise maximum).
 *
 * The estimator is Ertl's improved raw estimator (O. Ertl, "New cardinality estimation
 * algorithms for HyperLogLog sketches", 2017, arXiv:1702.01284, algorithm 6). From the
 * histogram C[k] of register values it computes
 *
 *     z = m tau(1 - C[q+1]/m);  z = (z + C[k]) / 2 for k = q down to 1;  z += m sigma(C[0]/m)
 *     estimate = m^2 / (2 ln 2 z)
 *
 * where sigma and tau are fast-converging series (computed, not tabulated). sigma folds linear
 * counting into the estimate for small cardinalities (a few distinct hashes give their count to
 * within a fraction of one), tau corrects the top registers, so it needs neither the original
 * HLL's range switches nor HLL++'s empirical bias tables, and is unbiased over the whole range.
 *
 * Error bound: the relative standard error is about 1.04 / sqrt(m) (gb_hll_standard_error: 1.6 %
 * at p = 12, 0.81 % at p = 14, 0.41 % at p = 16) from roughly m / 10 distinct hashes upwards,
 * and smaller below (linear counting's regime); 99.7 % of estimates fall within three standard
 * errors. This holds for hashes that behave as independent uniform 64-bit values: pass
 * gb_hash_bytes or gb_hash3 (common/gb_rng.h) of the items, never the raw ids.
 *
 * Not thread-safe: one writer per sketch; merge sketches of different threads in a fixed
 * order (the result does not depend on the order anyway). Read-only calls (estimate,
 * serialize) on one sketch may run concurrently. */
#ifndef GB_HLL_H
#define GB_HLL_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

enum { GB_HLL_MIN_PRECISION = 4, GB_HLL_MAX_PRECISION = 18 };

typedef struct gb_hll gb_hll;

/* Allocates an empty sketch with 2^precision registers into *out (the caller owns it:
 * gb_hll_free). Returns 0, or -1 with GB_ERR_INPUT when precision is outside [4, 18] and
 * GB_ERR_RUNTIME when out of memory (*out is then unchanged). */
int gb_hll_new(int precision, gb_hll **out, gb_err *err);

/* Frees h; NULL is allowed. */
void gb_hll_free(gb_hll *h);

/* Adds one hash: O(1), no allocation. hash must be well mixed (all 64 bits uniform). */
void gb_hll_add_hash(gb_hll *h, uint64_t hash);

/* The estimated number of distinct hashes added (Ertl's estimator, above): 0 for an empty
 * sketch, +Inf only when every register holds the largest rank (far beyond 2^64 hashes, or
 * hashes that are not mixed). */
double gb_hll_estimate(const gb_hll *h);

/* The precision h was created with. */
int gb_hll_precision(const gb_hll *h);

/* The documented relative standard error of a sketch of that precision: 1.04 / sqrt(2^p).
 * Meaningful for p in [4, 18]. */
double gb_hll_standard_error(int precision);

/* Makes dst the sketch of the union of both sets: the register-wise maximum. Both must have the
 * same precision, else -1 with GB_ERR_INPUT and dst unchanged. src is not modified; dst == src
 * is allowed (no change). */
int gb_hll_merge(gb_hll *dst, const gb_hll *src, gb_err *err);

/* Bytes allocated by h: its registers (2^p) and a small header. */
size_t gb_hll_memory_bytes(const gb_hll *h);

/* A copy of h into *out (the caller owns it). -1 with GB_ERR_RUNTIME when out of memory. */
int gb_hll_clone(const gb_hll *h, gb_hll **out, gb_err *err);

/* Serialization, portable and compact; the caller versions the format of the file it writes.
 * Layout: one byte of precision p, then the m registers packed in 6 bits each (every rank is
 * <= 61), four registers in three bytes, little-endian bit order (register i occupies bits
 * 6i .. 6i+5 of the little-endian bit string): 1 + 3m/4 bytes (12289 at p = 14). */
size_t gb_hll_serialized_size(const gb_hll *h);

/* Writes exactly gb_hll_serialized_size(h) bytes at buf; returns that size. */
size_t gb_hll_serialize(const gb_hll *h, uint8_t *buf);

/* Reads one sketch from the first bytes of buf[0..len) into a new *out (the caller owns it)
 * and sets *consumed to the bytes read (the rest of buf may hold other data). Returns 0, or -1
 * with GB_ERR_INPUT naming what is wrong (truncated, precision out of range, a register above
 * the largest rank) and GB_ERR_RUNTIME when out of memory; *out and *consumed are then
 * unchanged. */
int gb_hll_deserialize(const uint8_t *buf, size_t len, gb_hll **out, size_t *consumed, gb_err *err);

#endif
