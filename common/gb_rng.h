/* gb_rng: deterministic randomness from hashes, never from a shared generator.
 *
 * Each player (and each decision) gets its own stream derived from (seed, id) with xxhash, so the
 * values drawn do not depend on thread count, scheduling or transport. The generator is
 * xoshiro256** (public-domain algorithm by Blackman and Vigna), seeded through splitmix64. */
#ifndef GB_RNG_H
#define GB_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct gb_rng {
  uint64_t s[4];
} gb_rng;

/* 64-bit hash of (seed, a, b): the key to derive streams and per-decision draws. */
uint64_t gb_hash3(uint64_t seed, uint64_t a, uint64_t b);

/* 64-bit hash of a byte string with a seed (xxh3). */
uint64_t gb_hash_bytes(const void *data, size_t len, uint64_t seed);

/* Seeds rng with a stream for (seed, stream_id). Same inputs give the same sequence. */
void gb_rng_seed(gb_rng *rng, uint64_t seed, uint64_t stream_id);

/* The draws below are inline: the simulators make several per event, and a call costs as much
 * as the draw. */

static inline uint64_t gb_rng_rotl_(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* Next 64 random bits. */
static inline uint64_t gb_rng_next(gb_rng *rng) {
  uint64_t *s = rng->s;
  uint64_t result = gb_rng_rotl_(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = gb_rng_rotl_(s[3], 45);
  return result;
}

/* Maps a 64-bit hash to a uniform double in [0, 1): for one-shot draws such as
 * gb_unit(gb_hash3(seed, decision_id, salt)). */
static inline double gb_unit(uint64_t hash) { return (double)(hash >> 11) * 0x1.0p-53; }

/* Uniform double in [0, 1). */
static inline double gb_rng_uniform(gb_rng *rng) { return gb_unit(gb_rng_next(rng)); }

/* Uniform integer in [0, n); n must be > 0. Unbiased (Lemire's method). */
static inline uint64_t gb_rng_below(gb_rng *rng, uint64_t n) {
  __uint128_t m = (__uint128_t)gb_rng_next(rng) * n;
  uint64_t low = (uint64_t)m;
  if (low < n) {
    uint64_t threshold = -n % n;
    while (low < threshold) {
      m = (__uint128_t)gb_rng_next(rng) * n;
      low = (uint64_t)m;
    }
  }
  return (uint64_t)(m >> 64);
}

/* Exponential variate with the given mean (> 0). */
double gb_rng_exponential(gb_rng *rng, double mean);

/* Weibull variate with shape k and scale lambda (both > 0). */
double gb_rng_weibull(gb_rng *rng, double shape, double scale);

/* Standard normal variate (Box-Muller, one value per call). */
double gb_rng_normal(gb_rng *rng);

#endif
