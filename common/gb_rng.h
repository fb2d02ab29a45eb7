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

/* Next 64 random bits. */
uint64_t gb_rng_next(gb_rng *rng);

/* Uniform double in [0, 1). */
double gb_rng_uniform(gb_rng *rng);

/* Uniform integer in [0, n); n must be > 0. Unbiased (Lemire's method). */
uint64_t gb_rng_below(gb_rng *rng, uint64_t n);

/* Exponential variate with the given mean (> 0). */
double gb_rng_exponential(gb_rng *rng, double mean);

/* Weibull variate with shape k and scale lambda (both > 0). */
double gb_rng_weibull(gb_rng *rng, double shape, double scale);

/* Standard normal variate (Box-Muller, one value per call). */
double gb_rng_normal(gb_rng *rng);

/* Maps a 64-bit hash to a uniform double in [0, 1): for one-shot draws such as
 * gb_unit(gb_hash3(seed, decision_id, salt)). */
double gb_unit(uint64_t hash);

#endif
