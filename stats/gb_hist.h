/* gb_hist: fixed-memory latency histogram with log-linear buckets (the HdrHistogram idea).
 *
 * Values are nanoseconds in the fixed range [1 ns, 1 h] (GB_HIST_LOWEST_NS .. GB_HIST_HIGHEST_NS).
 * With d significant digits, the sub-bucket count S is the smallest power of two >= 2 * 10^d.
 * Bucket 0 holds the values [0, S) at 1 ns resolution; bucket b >= 1 holds [S * 2^(b-1), S * 2^b)
 * in S/2 sub-buckets of width 2^b. A value v is therefore stored in a sub-bucket whose width is at
 * most v * 2 / S <= v / 10^d: every reported value is within a relative error of 10^-d of a
 * recorded one.
 *
 * Memory is allocated once by gb_hist_new (gb_hist_memory_bytes: 4.9 KiB for 1 digit, 36 KiB for
 * 2, 261 KiB for 3, 3.6 MiB for 4, 26 MiB for 5); recording never allocates.
 * Values outside the range are not dropped: they are counted separately (gb_hist_count_below,
 * gb_hist_count_above) and excluded from the in-range statistics.
 *
 * A gb_hist is not thread-safe: give each writer thread its own and merge them (gb_hist_merge). */
#ifndef GB_HIST_H
#define GB_HIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

/* The recordable range, fixed for every histogram so that any two can be merged. */
#define GB_HIST_LOWEST_NS INT64_C(1)
#define GB_HIST_HIGHEST_NS INT64_C(3600000000000) /* 1 h: longer is a hang, not a latency */
#define GB_HIST_DEFAULT_DIGITS 3
#define GB_HIST_MIN_DIGITS 1
#define GB_HIST_MAX_DIGITS 5

typedef struct gb_hist gb_hist;

/* Allocates a zeroed histogram with significant_digits in [1, 5] (3 is the usual choice: 0.1 %)
 * into *out; the caller owns it (gb_hist_free). Its memory is fixed here: recording never
 * allocates. Returns 0, or -1 with GB_ERR_INPUT when the digits are out of range, GB_ERR_RUNTIME
 * when out of memory (*out is then unchanged). */
int gb_hist_new(int significant_digits, gb_hist **out, gb_err *err);

/* Frees h; NULL is allowed. */
void gb_hist_free(gb_hist *h);

/* Forgets every recorded value (in range and out of range); keeps the configuration. Cost is
 * proportional to the span of recorded values, not to the whole bucket array. */
void gb_hist_reset(gb_hist *h);

/* Records one value in ns. O(1), no allocation. Values < 1 ns (0, negative) are counted in
 * gb_hist_count_below, values > 1 h in gb_hist_count_above. */
void gb_hist_record(gb_hist *h, int64_t value_ns);

/* Records value_ns n times (n = 0 records nothing). Same rules as gb_hist_record. */
void gb_hist_record_n(gb_hist *h, int64_t value_ns, uint64_t n);

/* Adds every count of src to dst, exactly (dst ends as if it had recorded src's values too).
 * Both must have the same significant digits, else -1 with GB_ERR_INPUT and dst unchanged.
 * src is not modified; dst and src must differ. */
int gb_hist_merge(gb_hist *dst, const gb_hist *src, gb_err *err);

/* Number of in-range samples. */
uint64_t gb_hist_count(const gb_hist *h);

/* Number of samples < 1 ns (0 or negative: usually a clock or stamping bug upstream). */
uint64_t gb_hist_count_below(const gb_hist *h);

/* Number of samples > 1 h. */
uint64_t gb_hist_count_above(const gb_hist *h);

/* Exact smallest / largest in-range value recorded, in ns; 0 when there is none. */
int64_t gb_hist_min(const gb_hist *h);
int64_t gb_hist_max(const gb_hist *h);

/* Exact arithmetic mean of the in-range values in ns (kept as an exact 128-bit sum, so merging
 * does not change it); 0.0 when there is none. */
double gb_hist_mean(const gb_hist *h);

/* Value at percentile pct (in [0, 100]; smaller is taken as 0, larger as 100, NaN as 0), in ns:
 * with N in-range samples, the sample of rank r = max(1, round(pct / 100 * N)) in increasing
 * order is located, and the highest value equivalent to its sub-bucket is returned, clamped to
 * gb_hist_max (HdrHistogram semantics). 0 when there is no in-range sample. */
int64_t gb_hist_percentile(const gb_hist *h, double pct);

/* One point of a percentile spectrum: at least `percentile` % of the in-range samples (exactly
 * total_count of them) are <= value_ns. */
typedef struct gb_hist_point {
  double percentile; /* in [0, 100] */
  int64_t value_ns;  /* highest equivalent value of the sub-bucket, clamped to gb_hist_max */
  uint64_t total_count;
} gb_hist_point;

/* Writes the percentile spectrum (HdrHistogram "percentile distribution" style) to out, at most
 * cap points, and returns the number written. Points start at 0 % and step by
 * 100 / (ticks_per_half_distance * 2^(k+1)) where 2^k <= 100 / (100 - p) < 2^(k+1) at the current
 * percentile p: ticks_per_half_distance points per halving of the remaining tail (5 is usual).
 * The last point is (100, max, count). Returns 0 for an empty histogram, ticks < 1 or cap 0. */
size_t gb_hist_spectrum(const gb_hist *h, int ticks_per_half_distance, gb_hist_point *out,
                        size_t cap);

/* The significant digits h was created with. */
int gb_hist_significant_digits(const gb_hist *h);

/* Bytes allocated by h (the fixed footprint; it does not change while recording). */
size_t gb_hist_memory_bytes(const gb_hist *h);

/* Lowest / highest value in ns that lands in the same sub-bucket as value_ns (which must be in
 * [1 ns, 1 h]; other values are clamped into it first). Depends only on the digits of h. */
int64_t gb_hist_lowest_equivalent(const gb_hist *h, int64_t value_ns);
int64_t gb_hist_highest_equivalent(const gb_hist *h, int64_t value_ns);

/* The 1-based rank gb_hist_percentile uses for pct among total samples (total > 0); exposed so
 * that compact copies of a histogram (gb_timeline) compute percentiles by the same rule. */
uint64_t gb_hist_percentile_rank(double pct, uint64_t total);

/* Iteration over the non-empty sub-buckets in increasing value order. */
typedef struct gb_hist_bucket {
  int64_t low_ns;  /* lowest equivalent value of the sub-bucket */
  int64_t high_ns; /* highest equivalent value (not clamped to gb_hist_max) */
  uint64_t count;  /* > 0 */
} gb_hist_bucket;

typedef struct gb_hist_iter {
  const gb_hist *h;
  size_t next; /* private: next sub-bucket index to look at */
  size_t end;  /* private: one past the last index that can be non-empty */
} gb_hist_iter;

/* Starts an iteration over h; h must not be modified until the iteration ends. */
void gb_hist_iter_init(gb_hist_iter *it, const gb_hist *h);

/* Fills *b with the next non-empty sub-bucket and returns true, or returns false at the end. */
bool gb_hist_iter_next(gb_hist_iter *it, gb_hist_bucket *b);

#endif
