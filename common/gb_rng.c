#include "gb_rng.h"

#include <math.h>
#include <xxhash.h>

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

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
