/* gb_ddsketch: quantiles with a relative-error guarantee, mergeable (DDSketch: C. Masson,
 * J. E. Rim, H. K. Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with
 * Relative-Error Guarantees", VLDB 2019).
 *
 * With relative accuracy a, gamma = (1 + a) / (1 - a); a value v > 0 is counted in bucket
 * i = ceil(log_gamma(v)), which holds (gamma^(i-1), gamma^i], and the bucket's value is
 * 2 gamma^i / (gamma + 1) = (1 - a) gamma^i, within a relative distance a of everything in it.
 * Negative values go to a second store by their magnitude, zeros (+0 and -0) to a zero count.
 * A store keeps sorted (bucket, count) pairs while it has at most 64 non-empty buckets, each
 * counting fewer than 2^32 values, then a dense array of counts that grows (both ways) to cover
 * the buckets seen: the sketch is unbounded, never collapses buckets, and its guarantee holds
 * for every value.
 *
 * Guarantee: gb_ddsketch_quantile(s, q) is within a relative error a (plus floating-point
 * rounding, ~1e-15) of the exact lower quantile: the value of rank floor(q (n - 1)) (from 0) of
 * the n values added. q = 0 and q = 1 give the exact minimum and maximum, and every answer is
 * clamped into [minimum, maximum] (which only brings it closer).
 *
 * Memory: a header of about 200 bytes; then per store, while sparse, 8 bytes per non-empty
 * bucket (at most 512, up to twice that while the pairs double), and once dense 8 bytes per
 * bucket between the smallest and the largest bucket seen, up to twice that while the array
 * doubles. A dense store that covers values in
 * [lo, hi] spans about ln(hi / lo) / ln(gamma) + 1 buckets: for a = 0.01 (ln gamma = 0.0200007),
 * 115 per factor of 10, so latencies from 1 ns to 1 h (12.6 decades) take 1 447 buckets
 * (11.3 KiB, at most 16 KiB allocated), and the whole positive double range (4.9e-324 .. 1.8e308)
 * 72 710 (568 KiB).
 *
 * Determinism: the counts, the zero count, the exact minimum and maximum, each store's form
 * (sparse or dense: a function of its counts) and hence every serialized byte depend only on
 * the multiset of values added (through gb_ddsketch_add, gb_ddsketch_merge or both), not on
 * their order nor on how they were split between merged sketches; the arrays' spare room does
 * (it is not serialized). Bucket indices come from libm's
 * log(): identical on one platform; another libm could place a value that lies within an ulp
 * of a bucket boundary in the neighbouring bucket.
 *
 * Not thread-safe: one writer per sketch; read-only calls on one sketch may run concurrently. */
#ifndef GB_DDSKETCH_H
#define GB_DDSKETCH_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

/* The smallest relative accuracy accepted: below it a bucket index could leave 32 bits and a
 * store spanning one decade would take more than 9 MB. */
#define GB_DDSKETCH_MIN_ACCURACY 1e-6

typedef struct gb_ddsketch gb_ddsketch;

/* Allocates an empty sketch of the given relative accuracy (in [1e-6, 1): 0.01 is 1 %) into
 * *out; the caller owns it (gb_ddsketch_free). Returns 0, or -1 with GB_ERR_INPUT when the
 * accuracy is out of range (or NaN) and GB_ERR_RUNTIME when out of memory (*out unchanged). */
int gb_ddsketch_new(double relative_accuracy, gb_ddsketch **out, gb_err *err);

/* Frees s; NULL is allowed. */
void gb_ddsketch_free(gb_ddsketch *s);

/* Adds one value: any finite double (negative, zero, subnormal). NaN and +-Inf are not values:
 * they are left out of the count and the quantiles and only counted (gb_ddsketch_ignored).
 * O(1): a log(), then an increment (dense) or a binary search and a shift of at most 64 pairs
 * (sparse). The hot path: it allocates only when a sparse store's pairs double (at most five
 * times) or turns dense, and when a value falls outside a dense store's array; a failed
 * allocation stops the program (GB_FATAL). */
void gb_ddsketch_add(gb_ddsketch *s, double value);

/* The number of values added (NaN and infinities excluded). */
uint64_t gb_ddsketch_count(const gb_ddsketch *s);

/* The number of NaN and infinite values given to gb_ddsketch_add (and merged in). */
uint64_t gb_ddsketch_ignored(const gb_ddsketch *s);

/* The estimated lower quantile at q (clamped into [0, 1]) of the values added: within relative
 * error a of the value of rank floor(q (n - 1)); see the guarantee above. NaN when the sketch
 * is empty or q is NaN. O(buckets spanned). */
double gb_ddsketch_quantile(const gb_ddsketch *s, double q);

/* The relative accuracy a the sketch was created with. */
double gb_ddsketch_relative_accuracy(const gb_ddsketch *s);

/* Adds every count of src to dst (dst ends as if it had been given src's values too). Both must
 * have the same relative accuracy (bit for bit), else -1 with GB_ERR_INPUT and dst unchanged.
 * src is not modified; dst and src must differ. dst's arrays grow as in gb_ddsketch_add (a
 * failed allocation is fatal). */
int gb_ddsketch_merge(gb_ddsketch *dst, const gb_ddsketch *src, gb_err *err);

/* A copy of s into *out (the caller owns it). -1 with GB_ERR_RUNTIME when out of memory. */
int gb_ddsketch_clone(const gb_ddsketch *s, gb_ddsketch **out, gb_err *err);

/* Bytes allocated by s (its arrays, spare room included, and its header). */
size_t gb_ddsketch_memory_bytes(const gb_ddsketch *s);

/* Serialization, portable and compact; the caller versions the format of the file it writes.
 * Layout (f64: IEEE-754 bits, little-endian; varints: LEB128, common/gb_varint.h):
 *   f64 relative accuracy; varint count; varint ignored; varint zero count;
 *   when count > 0: f64 minimum, f64 maximum;
 *   the positive store, then the negative one, each as a varint header h, then
 *     h = 0:          nothing (an empty store);
 *     h = 2k (runs):  the lowest non-empty index (zigzag varint) and the k counts of the buckets
 *                     from it to the highest non-empty one (varints; first and last non-zero);
 *     h = 2m + 1 (pairs): the m non-empty buckets, the first as its index (zigzag varint) and
 *                     count, each next one as its index's distance from the previous (>= 1)
 *                     and its count (varints, counts >= 1);
 *   a store is written in the pair form when that is strictly shorter, else in the run form
 *   (a function of the counts: deserialization refuses the other one).
 * An empty sketch of accuracy 0.01 takes 13 bytes; {1, 1, 2, -1, 0} 35 (the test by hand). */
size_t gb_ddsketch_serialized_size(const gb_ddsketch *s);

/* Writes exactly gb_ddsketch_serialized_size(s) bytes at buf; returns that size. */
size_t gb_ddsketch_serialize(const gb_ddsketch *s, uint8_t *buf);

/* Reads one sketch from the first bytes of buf[0..len) into a new *out (the caller owns it) and
 * sets *consumed to the bytes read. Returns 0, or -1 with GB_ERR_INPUT naming what is wrong
 * (truncated, an accuracy out of range, a bucket index out of range, an empty first or last
 * bucket or an empty pair, indices not increasing, a store not in its shorter form, counts that do
 * not add up to the count, a minimum or maximum outside its bucket) and GB_ERR_RUNTIME when out of
 * memory; *out and *consumed are then unchanged. */
int gb_ddsketch_deserialize(const uint8_t *buf, size_t len, gb_ddsketch **out, size_t *consumed,
                            gb_err *err);

#endif
