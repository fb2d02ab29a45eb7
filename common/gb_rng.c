#include "gb_rng.h"

#include <math.h>
#include <xxhash.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t gb_hash3(uint64_t seed, uint64_t a, uint64_t b) {
  uint64_t words[2] = {a, b};
  return XXH3_64bits_withSeed(words, sizeof words, seed);
}

uint64_t gb_hash_bytes(const void *data, size_t len, uint64_t seed) {
  return XXH3_64bits_withSeed(data, len, seed);
}

void gb_rng_seed(gb_rng *rng, uint64_t seed, uint64_t stream_id) {
  uint64_t x = gb_hash3(seed, stream_id, 0x67616d6562656e63ULL /* "gamebenc" */);
  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64(&x);
}

uint64_t gb_rng_next(gb_rng *rng) {
  uint64_t *s = rng->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double gb_unit(uint64_t hash) { return (double)(hash >> 11) * 0x1.0p-53; }

double gb_rng_uniform(gb_rng *rng) { return gb_unit(gb_rng_next(rng)); }

uint64_t gb_rng_below(gb_rng *rng, uint64_t n) {
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

double gb_rng_exponential(gb_rng *rng, double mean) {
  /* 1 - u is in (0, 1], so the log is finite. */
  return -mean * log(1.0 - gb_rng_uniform(rng));
}

double gb_rng_weibull(gb_rng *rng, double shape, double scale) {
  return scale * pow(-log(1.0 - gb_rng_uniform(rng)), 1.0 / shape);
}

double gb_rng_normal(gb_rng *rng) {
  double u1 = 1.0 - gb_rng_uniform(rng);
  double u2 = gb_rng_uniform(rng);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}
