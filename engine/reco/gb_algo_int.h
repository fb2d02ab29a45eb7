/* gb_algo_int: what the recommender's algorithm files share — their ops tables, per-challenge
 * counters, the context vector of the contextual bandits, draws and the normal approximation of
 * a choice's propensity. Private to engine/reco. */
#ifndef GB_ALGO_INT_H
#define GB_ALGO_INT_H

#include <stddef.h>
#include <stdint.h>

#include "gb_algo.h"
#include "gb_rng.h"

extern const gb_algo_ops gb_algo_none, gb_algo_random, gb_algo_popularity, gb_algo_egreedy,
    gb_algo_thompson, gb_algo_linucb, gb_algo_lints, gb_algo_itemknn, gb_algo_ease, gb_algo_als;

/* Tags of tally keys (gb_algo_key): the low bits are the algorithm's own index. */
enum {
  GB_TAG_GIVEN = 1, /* props given, low = segment << 32 | ordinal */
  GB_TAG_USED = 2,  /* props used, same low bits */
  GB_TAG_A = 3,     /* linear bandits: x xᵀ sums, low = ordinal << 16 | i * D + j */
  GB_TAG_B = 4,     /* linear bandits: r x sums, low = ordinal << 16 | i */
  GB_TAG_CO = 5,    /* item-kNN: co-usage of two challenges, low = i << 28 | j */
  GB_TAG_ITEM = 6,  /* item-kNN: players' uses of a challenge, low = ordinal */
  /* the store halves (gb_slate_int.h says what each counts) */
  GB_TAG_STORE_BOUGHT = 7,     /* purchases less refunds, low = app */
  GB_TAG_STORE_PLAYERS = 8,    /* players who played, low = app */
  GB_TAG_STORE_SHOWN = 9,      /* impressions, low = app */
  GB_TAG_STORE_CONVERTED = 10, /* purchases from a slate less refunds, low = app */
  GB_TAG_STORE_PAIR = 11       /* a (player, app) interaction, low = gb_slate_pair_low */
};

/* Salts of the hash draws (gb_hash3(seed, decision_id, salt ^ arm << 48)). */
enum {
  GB_SALT_PICK = 0x5049434bu,    /* "PICK": a uniform choice */
  GB_SALT_EXPLORE = 0x45585052u, /* "EXPR": explore or exploit */
  GB_SALT_SAMPLE = 0x53414d50u,  /* "SAMP": a posterior sample (stream per candidate) */
  GB_SALT_TIE = 0x54494542u      /* "TIEB": ties between equal scores */
};

static inline uint64_t gb_algo_salt(unsigned salt, uint16_t arm) {
  return (uint64_t)salt ^ ((uint64_t)arm << 48);
}

/* Per-challenge totals by catalogue ordinal (dense: the hot path reads them per candidate). */
typedef struct gb_algo_counts {
  int64_t *given, *used;
  size_t cap;
} gb_algo_counts;

/* Makes room for ordinals < n (zeroed); out of memory stops the program (per-event state). */
void gb_algo_counts_reserve(gb_algo_counts *c, size_t n);
void gb_algo_counts_free(gb_algo_counts *c);

/* Adds the GIVEN/USED increments of merged with segment seg into c. */
void gb_algo_counts_add(gb_algo_counts *c, const gb_tally *merged, uint32_t seg);

/* The counts of ordinal (0 beyond the room). */
static inline int64_t gb_algo_given(const gb_algo_counts *c, uint32_t ordinal) {
  return ordinal < c->cap ? c->given[ordinal] : 0;
}
static inline int64_t gb_algo_used(const gb_algo_counts *c, uint32_t ordinal) {
  return ordinal < c->cap ? c->used[ordinal] : 0;
}

/* Records a GIVEN or USED feedback in delta (segment seg): the counters of the context-free
 * learners. Other signals count nothing. */
void gb_algo_count_feedback(const gb_algo_feedback *f, uint32_t seg, gb_tally *delta);

/* The candidate with the highest score; equal scores are broken by a draw from tie (a hash of
 * the decision), so that no challenge is favoured by its place in the catalogue. */
size_t gb_algo_argmax(const double *score, size_t n, uint64_t tie);

/* The probability that candidate `chosen` has the highest of n independent normal scores with
 * these means and variances, by the product of its pairwise win probabilities Φ(gap / sd), Φ
 * from a table (gb_algo_phi.h: within 5e-7; the product is exact otherwise for two candidates, an
 * approximation beyond): the propensity of the sampling policies (thompson, lints), for which no
 * closed form exists. Clamped to [1e-6, 1]. */
double gb_algo_max_prob_normal(const double *mean, const double *var, size_t n, size_t chosen);

/* A Beta(a, b) draw (a, b > 0) from rng: two Gamma draws (Marsaglia & Tsang), or, when both a
 * and b are at least GB_ALGO_BETA_NORMAL, z (a standard normal draw the caller made) scaled to
 * the Beta's mean and variance
 * (the skewness is then below 0.2 / sqrt(a + b): a decision's cost stays within budget with
 * hundreds of candidates). */
#define GB_ALGO_BETA_NORMAL 30.0
double gb_algo_beta(gb_rng *rng, double a, double b, double z);

/* n standard normal draws from rng into out (Marsaglia's polar method, both values of a pair). */
void gb_algo_normals(gb_rng *rng, double *out, size_t n);

/* The contextual bandits' context: a bias and the 11 decision-time features, each squashed to a
 * comparable scale (counts and amounts through log1p; ratios as they are), clamped to [-8, 8]. */
enum { GB_ALGO_CTX_DIM = 1 + GB_FEAT__COUNT };
void gb_algo_context(const gb_feature_vec *f, double x[GB_ALGO_CTX_DIM]);

/* Fixed point of the context in the tallies: 1/256 units, so that x xᵀ sums are exact
 * integers (|x| <= 8: a product is at most 2^22, 2^41 decisions before an overflow). */
#define GB_ALGO_CTX_ONE 256.0
void gb_algo_context_fixed(const double x[GB_ALGO_CTX_DIM], int64_t q[GB_ALGO_CTX_DIM]);

#endif
