#include "gb_hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The exact sum of up to 2^64 values of up to 2^42 ns needs more than 64 bits (a 64-bit sum
 * overflows after 2.5 million one-hour samples); every compiler we build with (GCC, Clang on
 * 64-bit targets) provides a 128-bit integer. */
#ifndef __SIZEOF_INT128__
#error "gb_hist needs unsigned __int128 for its exact sum"
#endif
typedef unsigned __int128 gb_u128;

struct gb_hist {
  int digits;
  unsigned half_magnitude; /* log2(S) - 1, where S is the sub-bucket count */
  uint64_t sub_mask;       /* S - 1: OR-ed into a value so that bucket 0 covers [0, S) */
  size_t n_counts;
  uint64_t total; /* in-range samples */
  uint64_t below, above;
  int64_t min, max; /* INT64_MAX / 0 while empty */
  gb_u128 sum;
  uint64_t counts[]; /* one allocation with the header: fewer cache misses while recording */
};

static unsigned msb64(uint64_t v) { return 63u - (unsigned)__builtin_clzll(v); }

/* Bucket b = msb(v | (S-1)) - (log2(S) - 1) and sub-bucket v >> b in [S/2, S) (or [0, S) for
 * b = 0) flatten to b * S/2 + (v >> b): each bucket after the first adds S/2 slots. */
static size_t index_of(const gb_hist *h, int64_t value) {
  uint64_t v = (uint64_t)value;
  unsigned b = msb64(v | h->sub_mask) - h->half_magnitude;
  return ((size_t)b << h->half_magnitude) + (size_t)(v >> b);
}

static unsigned bucket_of_index(const gb_hist *h, size_t index) {
  size_t half = (size_t)1 << h->half_magnitude;
  return index < 2 * half ? 0u : (unsigned)(index / half - 1);
}

static int64_t low_of_index(const gb_hist *h, size_t index) {
  unsigned b = bucket_of_index(h, index);
  size_t sub = index - ((size_t)b << h->half_magnitude);
  return (int64_t)((uint64_t)sub << b);
}

static int64_t high_of_index(const gb_hist *h, size_t index) {
  return low_of_index(h, index) + ((INT64_C(1) << bucket_of_index(h, index)) - 1);
}

static bool in_range(int64_t v) {
  /* One unsigned compare for both ends: v < 1 wraps around to a huge number. */
  return (uint64_t)v - 1u < (uint64_t)GB_HIST_HIGHEST_NS;
}

static int64_t clamp_to_range(int64_t v) {
  return v < GB_HIST_LOWEST_NS    ? GB_HIST_LOWEST_NS
         : v > GB_HIST_HIGHEST_NS ? GB_HIST_HIGHEST_NS
                                  : v;
}

int gb_hist_new(int significant_digits, gb_hist **out, gb_err *err) {
  if (significant_digits < GB_HIST_MIN_DIGITS || significant_digits > GB_HIST_MAX_DIGITS)
    return gb_err_set(err, GB_ERR_INPUT, "histogram: significant digits %d is outside [%d, %d]",
                      significant_digits, GB_HIST_MIN_DIGITS, GB_HIST_MAX_DIGITS);
  uint64_t single_unit_limit = 2; /* 2 * 10^d: the values that need 1 ns resolution */
  for (int i = 0; i < significant_digits; i++)
    single_unit_limit *= 10;
  unsigned magnitude = msb64(single_unit_limit - 1) + 1; /* S = 2^magnitude >= 2 * 10^d */
  gb_hist probe = {.half_magnitude = magnitude - 1, .sub_mask = (UINT64_C(1) << magnitude) - 1};
  size_t n_counts = index_of(&probe, GB_HIST_HIGHEST_NS) + 1;
  gb_hist *h = calloc(1, sizeof *h + n_counts * sizeof h->counts[0]);
  if (!h)
    return gb_err_set(err, GB_ERR_RUNTIME, "histogram: out of memory for %zu buckets", n_counts);
  h->digits = significant_digits;
  h->half_magnitude = probe.half_magnitude;
  h->sub_mask = probe.sub_mask;
  h->n_counts = n_counts;
  h->min = INT64_MAX;
  *out = h;
  return 0;
}

void gb_hist_free(gb_hist *h) { free(h); }

void gb_hist_reset(gb_hist *h) {
  if (h->total > 0) {
    size_t lo = index_of(h, h->min), hi = index_of(h, h->max);
    memset(&h->counts[lo], 0, (hi - lo + 1) * sizeof h->counts[0]);
  }
  h->total = h->below = h->above = 0;
  h->min = INT64_MAX;
  h->max = 0;
  h->sum = 0;
}

static void record_out_of_range(gb_hist *h, int64_t value_ns, uint64_t n) {
  if (value_ns < GB_HIST_LOWEST_NS)
    h->below += n;
  else
    h->above += n;
}

void gb_hist_record(gb_hist *h, int64_t value_ns) {
  if (!in_range(value_ns)) {
    record_out_of_range(h, value_ns, 1);
    return;
  }
  h->counts[index_of(h, value_ns)]++;
  h->total++;
  h->sum += (uint64_t)value_ns;
  if (value_ns < h->min)
    h->min = value_ns;
  if (value_ns > h->max)
    h->max = value_ns;
}

void gb_hist_record_n(gb_hist *h, int64_t value_ns, uint64_t n) {
  if (n == 0)
    return;
  if (!in_range(value_ns)) {
    record_out_of_range(h, value_ns, n);
    return;
  }
  h->counts[index_of(h, value_ns)] += n;
  h->total += n;
  h->sum += (gb_u128)(uint64_t)value_ns * n;
  if (value_ns < h->min)
    h->min = value_ns;
  if (value_ns > h->max)
    h->max = value_ns;
}

int gb_hist_merge(gb_hist *dst, const gb_hist *src, gb_err *err) {
  if (dst->digits != src->digits)
    return gb_err_set(err, GB_ERR_INPUT,
                      "histogram merge: significant digits differ (destination %d, source %d)",
                      dst->digits, src->digits);
  if (src->total > 0) {
    size_t hi = index_of(src, src->max);
    for (size_t i = index_of(src, src->min); i <= hi; i++)
      dst->counts[i] += src->counts[i];
    dst->total += src->total;
    dst->sum += src->sum;
    if (src->min < dst->min)
      dst->min = src->min;
    if (src->max > dst->max)
      dst->max = src->max;
  }
  dst->below += src->below;
  dst->above += src->above;
  return 0;
}

uint64_t gb_hist_count(const gb_hist *h) { return h->total; }
uint64_t gb_hist_count_below(const gb_hist *h) { return h->below; }
uint64_t gb_hist_count_above(const gb_hist *h) { return h->above; }
int64_t gb_hist_min(const gb_hist *h) { return h->total ? h->min : 0; }
int64_t gb_hist_max(const gb_hist *h) { return h->total ? h->max : 0; }

double gb_hist_mean(const gb_hist *h) { return h->total ? (double)h->sum / (double)h->total : 0.0; }

uint64_t gb_hist_percentile_rank(double pct, uint64_t total) {
  if (!(pct > 0.0)) /* also catches NaN */
    pct = 0.0;
  if (pct > 100.0)
    pct = 100.0;
  /* + 0.5 rounds to the nearest rank, which also absorbs the binary error of pct / 100
   * (0.99 * 10000 is 9899.999...). */
  uint64_t rank = (uint64_t)(pct / 100.0 * (double)total + 0.5);
  if (rank < 1)
    rank = 1;
  if (rank > total)
    rank = total;
  return rank;
}

static int64_t clamp_to_max(const gb_hist *h, int64_t v) { return v > h->max ? h->max : v; }

int64_t gb_hist_percentile(const gb_hist *h, double pct) {
  if (h->total == 0)
    return 0;
  uint64_t rank = gb_hist_percentile_rank(pct, h->total);
  uint64_t cumulative = 0;
  size_t hi = index_of(h, h->max);
  for (size_t i = index_of(h, h->min); i <= hi; i++) {
    cumulative += h->counts[i];
    if (cumulative >= rank)
      return clamp_to_max(h, high_of_index(h, i));
  }
  return h->max; /* not reached: the counts between min and max add up to total */
}

/* The spectrum's step after percentile p: the tail 100 - p is halved every
 * ticks_per_half_distance points. */
static double spectrum_step(double p, int ticks_per_half_distance) {
  double halvings = floor(log2(100.0 / (100.0 - p)));
  return 100.0 / ((double)ticks_per_half_distance * ldexp(1.0, (int)halvings + 1));
}

size_t gb_hist_spectrum(const gb_hist *h, int ticks_per_half_distance, gb_hist_point *out,
                        size_t cap) {
  if (h->total == 0 || ticks_per_half_distance < 1 || cap == 0)
    return 0;
  size_t n = 0;
  double target = 0.0;
  uint64_t cumulative = 0;
  size_t hi = index_of(h, h->max);
  /* The loop ends at the bucket holding the max (cumulative == total there). A point is emitted
   * for each target the cumulative percentage has reached; target stays < 100 because each step
   * is less than the remaining distance to 100. */
  for (size_t i = index_of(h, h->min); i <= hi && n < cap; i++) {
    if (h->counts[i] == 0)
      continue;
    cumulative += h->counts[i];
    double current = 100.0 * (double)cumulative / (double)h->total;
    int64_t value = clamp_to_max(h, high_of_index(h, i));
    while (n < cap && target <= current) {
      out[n++] = (gb_hist_point){target, value, cumulative};
      target += spectrum_step(target, ticks_per_half_distance);
      if (cumulative == h->total)
        break; /* one point in the last bucket, then the closing 100 % point */
    }
  }
  if (n < cap)
    out[n++] = (gb_hist_point){100.0, h->max, h->total};
  return n;
}

int gb_hist_significant_digits(const gb_hist *h) { return h->digits; }

size_t gb_hist_memory_bytes(const gb_hist *h) {
  return sizeof *h + h->n_counts * sizeof h->counts[0];
}

int64_t gb_hist_lowest_equivalent(const gb_hist *h, int64_t value_ns) {
  return low_of_index(h, index_of(h, clamp_to_range(value_ns)));
}

int64_t gb_hist_highest_equivalent(const gb_hist *h, int64_t value_ns) {
  return high_of_index(h, index_of(h, clamp_to_range(value_ns)));
}

void gb_hist_iter_init(gb_hist_iter *it, const gb_hist *h) {
  it->h = h;
  it->next = h->total ? index_of(h, h->min) : 0;
  it->end = h->total ? index_of(h, h->max) + 1 : 0;
}

bool gb_hist_iter_next(gb_hist_iter *it, gb_hist_bucket *b) {
  const gb_hist *h = it->h;
  while (it->next < it->end) {
    size_t i = it->next++;
    if (h->counts[i] != 0) {
      *b = (gb_hist_bucket){low_of_index(h, i), high_of_index(h, i), h->counts[i]};
      return true;
    }
  }
  return false;
}
