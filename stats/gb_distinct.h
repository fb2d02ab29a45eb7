/* gb_distinct: the number of distinct uint64 ids, exact while small, then approximate.
 *
 * A sketch holds its ids exactly (an open-addressing hash set) until it has seen more than
 * exact_max distinct ids; then it folds them into a HyperLogLog of the given precision
 * (gb_hll.h: relative standard error 1.04 / sqrt(2^p)), frees the set, and counts on in the HLL.
 *
 * Determinism: what can be observed of a sketch (gb_distinct_is_exact, gb_distinct_estimate and
 * every serialized byte) depends only on the SET of ids it has seen, through gb_distinct_add,
 * gb_distinct_merge or both: not on their order, not on repeats, and not on how the ids were
 * split between sketches that were merged. It is exact iff that set has at most exact_max ids;
 * an exact sketch serializes its ids sorted, and the HLL's registers are a function of the set
 * because every id is hashed with one fixed seed (GB_DISTINCT_HASH_SEED, xxh3 of the id's 8
 * little-endian bytes) and registers only keep maxima. (The hash set's layout in memory does
 * depend on the history; nothing reads it but membership.)
 *
 * Memory: while exact, 8 bytes per slot of a power-of-two table kept at most 3/4 full (11 to
 * 22 bytes per id, at least 64 bytes); then 2^p bytes (16 KiB at p = 14) and the set is freed.
 * gb_distinct_add allocates only when the set grows past a power of two, and never once the
 * sketch is an HLL.
 *
 * Not thread-safe: one writer per sketch; read-only calls on one sketch may run concurrently. */
#ifndef GB_DISTINCT_H
#define GB_DISTINCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

/* The seed of the ids' hash: part of the serialized format (changing it changes every HLL). */
#define GB_DISTINCT_HASH_SEED UINT64_C(0x6762646973746e63) /* "gbdistnc" */

typedef struct gb_distinct gb_distinct;

/* Allocates an empty (exact) sketch into *out; the caller owns it (gb_distinct_free).
 * exact_max (any value; 0 makes the first id switch to the HLL) is the largest set kept
 * exactly; hll_precision (gb_hll.h, [4, 18]) the precision of the HLL after that. Returns 0, or
 * -1 with GB_ERR_INPUT when the precision is out of range and GB_ERR_RUNTIME when out of memory
 * (*out is then unchanged). */
int gb_distinct_new(uint32_t exact_max, int hll_precision, gb_distinct **out, gb_err *err);

/* Frees d; NULL is allowed. */
void gb_distinct_free(gb_distinct *d);

/* Adds one id (any value, 0 and UINT64_MAX included); repeats change nothing. O(1) expected:
 * a hash, then a probe of the set or one register. The hot path: a failed allocation (the set
 * doubling, or the HLL replacing it) stops the program (GB_FATAL). */
void gb_distinct_add(gb_distinct *d, uint64_t id);

/* The number of distinct ids while exact; afterwards the HLL's estimate, raised to at least
 * exact_max + 1 (the sketch knows it has seen more than exact_max ids). O(2^p) for an HLL. */
double gb_distinct_estimate(const gb_distinct *d);

/* Whether the sketch still holds its ids exactly (it has seen at most exact_max of them). */
bool gb_distinct_is_exact(const gb_distinct *d);

/* Makes dst the sketch of the union of both sets (as if dst had seen src's ids too). Both must
 * have the same exact_max and precision, else -1 with GB_ERR_INPUT and dst unchanged. src is
 * not modified; dst == src is allowed (no change). Running out of memory while dst's set grows
 * is fatal, as in gb_distinct_add. */
int gb_distinct_merge(gb_distinct *dst, const gb_distinct *src, gb_err *err);

/* A copy of d into *out (the caller owns it). -1 with GB_ERR_RUNTIME when out of memory. */
int gb_distinct_clone(const gb_distinct *d, gb_distinct **out, gb_err *err);

/* Bytes allocated by d (its table or its HLL, and its header). */
size_t gb_distinct_memory_bytes(const gb_distinct *d);

/* Serialization, portable and compact; the caller versions the format of the file it writes.
 * Layout: varint exact_max, one byte of HLL precision, one byte of mode, then
 *   mode 0 (exact): varint count n, then the n ids in increasing order, the first as a varint
 *                   and each next one as the varint of its difference from the previous (>= 1);
 *   mode 1 (HLL):   the gb_hll serialization (its own precision byte, then the registers).
 * Varints are LEB128 (common/gb_varint.h). An exact sketch of the ids 1, 4, 299 with exact_max
 * 10 and precision 4 is the 8 bytes 0a 04 00 03 01 03 a7 02.
 * Both functions sort a copy of an exact sketch's ids (n log n; a failed allocation of those n
 * ids is fatal). */
size_t gb_distinct_serialized_size(const gb_distinct *d);

/* Writes exactly gb_distinct_serialized_size(d) bytes at buf; returns that size. */
size_t gb_distinct_serialize(const gb_distinct *d, uint8_t *buf);

/* Reads one sketch from the first bytes of buf[0..len) into a new *out (the caller owns it) and
 * sets *consumed to the bytes read. Returns 0, or -1 with GB_ERR_INPUT naming what is wrong
 * (truncated, a bad mode or precision, more ids than exact_max, ids not increasing, an HLL of
 * another precision) and GB_ERR_RUNTIME when out of memory; *out and *consumed are then
 * unchanged. */
int gb_distinct_deserialize(const uint8_t *buf, size_t len, gb_distinct **out, size_t *consumed,
                            gb_err *err);

#endif
