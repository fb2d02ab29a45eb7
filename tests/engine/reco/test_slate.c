/* The store halves of the algorithms (gb_slate.h; engine/reco/gb_slate_util.c,
 * gb_slate_batch.c and the gb_slate_ops of random, popularity, egreedy, itemknn, ease, als):
 * exact slates and propensities on small catalogues checked by hand, changes only at the
 * epochs, and the same model whatever the shards and the order their increments merge in. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "gb_algo.h"
#include "gb_ranker.h"
#include "gb_slate_int.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define MIN 60000
#define DAY 86400000

/* One shard's store half of an arm. */
typedef struct store {
  const gb_slate_ops *so;
  void *state;
  gb_tally *delta;
  double *scratch;
  uint32_t apps, k;
} store;

/* Parameters of name: defaults, then (const char *, double) pairs ended by NULL. */
static const gb_algo_ops *params_of(const char *name, gb_algo_params *p, va_list ap) {
  const gb_algo_ops *ops = gb_algo_find(name);
  cr_assert_not_null(ops, "%s", name);
  cr_assert_not_null(ops->slate, "%s has no store half", name);
  gb_algo_params_defaults(ops, p);
  for (const char *key = va_arg(ap, const char *); key; key = va_arg(ap, const char *)) {
    int i = gb_algo_param_index(ops, key);
    cr_assert_geq(i, 0, "%s.%s", name, key);
    p->v[i] = va_arg(ap, double);
  }
  return ops;
}

static store *store_new(const char *name, uint32_t apps, uint32_t k, uint16_t arm, ...) {
  store *s = calloc(1, sizeof *s);
  cr_assert_not_null(s);
  gb_algo_params p;
  va_list ap;
  va_start(ap, arm);
  s->so = params_of(name, &p, ap)->slate;
  va_end(ap);
  gb_algo_env env = {.seed = 42, .arm = arm, .expected_players = 16};
  gb_slate_env shape = {.apps = apps, .k = k};
  gb_err err = {0};
  cr_assert_eq(s->so->init(&env, &p, &shape, &s->state, &err), 0, "%s: %s", name, err.msg);
  cr_assert_eq(gb_tally_new(0, &s->delta, &err), 0);
  s->scratch = calloc(apps, sizeof *s->scratch);
  cr_assert_not_null(s->scratch);
  s->apps = apps;
  s->k = k;
  return s;
}

/* init's return for these parameters, its error in err. */
static int store_try(const char *name, uint32_t apps, gb_err *err, ...) {
  gb_algo_params p;
  va_list ap;
  va_start(ap, err);
  const gb_algo_ops *ops = params_of(name, &p, ap);
  va_end(ap);
  gb_algo_env env = {.seed = 42};
  gb_slate_env shape = {.apps = apps, .k = 4};
  void *state = NULL;
  int rc = ops->slate->init(&env, &p, &shape, &state, err);
  if (rc == 0)
    ops->slate->free(state);
  return rc;
}

static void store_free(store *s) {
  s->so->free(s->state);
  gb_tally_free(s->delta);
  free(s->scratch);
  free(s);
}

/* The slate of a visit; asserts what every slate must be: distinct apps in the catalogue, none
 * owned, propensities in (0, 1], min(k, apps not owned) places, and the same slate again
 * (rank changes nothing). */
static gb_slate rank(const store *s, uint64_t decision, uint64_t player, const uint32_t *owned,
                     size_t n_owned) {
  gb_feature_vec f;
  memset(&f, 0, sizeof f);
  gb_slate_request req = {.decision_id = decision,
                          .player_id = player,
                          .slot = (uint32_t)player,
                          .ts = 0,
                          .features = &f,
                          .owned = owned,
                          .n_owned = n_owned,
                          .scratch = s->scratch};
  gb_slate out, again;
  memset(&out, 0xab, sizeof out);
  s->so->rank(s->state, &req, &out);
  s->so->rank(s->state, &req, &again);
  uint32_t free_apps = s->apps - (uint32_t)n_owned;
  cr_assert_eq(out.n, free_apps < s->k ? free_apps : s->k);
  cr_assert_eq(again.n, out.n);
  for (uint32_t j = 0; j < out.n; j++) {
    cr_assert_lt(out.apps[j], s->apps);
    cr_assert(out.propensity[j] > 0 && out.propensity[j] <= 1, "place %u: %g", j,
              out.propensity[j]);
    cr_assert_eq(again.apps[j], out.apps[j]);
    cr_assert_eq(again.propensity[j], out.propensity[j]);
    for (size_t o = 0; o < n_owned; o++)
      cr_assert_neq(out.apps[j], owned[o], "owned app %u placed", owned[o]);
    for (uint32_t i = 0; i < j; i++)
      cr_assert_neq(out.apps[i], out.apps[j], "app %u placed twice", out.apps[j]);
  }
  return out;
}

static void assert_apps(const gb_slate *s, const uint32_t *want, uint32_t n) {
  cr_assert_eq(s->n, n, "%u places, not %u", s->n, n);
  for (uint32_t j = 0; j < n; j++)
    cr_assert_eq(s->apps[j], want[j], "place %u: app %u, not %u", j, s->apps[j], want[j]);
}

static void feedback(store *s, gb_slate_signal signal, uint64_t player, uint32_t app,
                     uint32_t place) {
  gb_slate_feedback f = {.signal = signal,
                         .player_id = player,
                         .slot = (uint32_t)player,
                         .app = app,
                         .place = place,
                         .minutes = 30};
  s->so->observe(s->state, &f, s->delta);
}

static void buy(store *s, uint64_t player, uint32_t app) {
  feedback(s, GB_SLATE_PURCHASED, player, app, GB_SLATE_ORGANIC);
}

static void play(store *s, uint64_t player, uint32_t app) {
  feedback(s, GB_SLATE_PLAYED, player, app, GB_SLATE_ORGANIC);
}

/* Every shard's increments merged in the order given, applied to every one of `to`. */
static void epoch_to(store *const *from, size_t n_from, store *const *to, size_t n_to,
                     int64_t boundary) {
  gb_tally *merged = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_tally_new(0, &merged, &err), 0);
  for (size_t i = 0; i < n_from; i++)
    gb_tally_merge(merged, from[i]->delta);
  for (size_t i = 0; i < n_to; i++)
    to[i]->so->epoch(to[i]->state, boundary, merged);
  gb_tally_free(merged);
}

static void epoch1(store *s, int64_t boundary) {
  epoch_to(&s, 1, &s, 1, boundary);
  gb_tally_clear(s->delta);
}

/* ---- the helpers --------------------------------------------------------------------------- */

Test(slate, nth_free_skips_owned_and_placed_apps) {
  const uint32_t owned[] = {1, 3, 3}, placed[] = {0, 3, 4};
  gb_slate_request req = {.owned = owned, .n_owned = 3};
  /* free: 2, 5, 6, 7, ... */
  const uint32_t want[] = {2, 5, 6, 7};
  for (uint64_t v = 0; v < N_OF(want); v++)
    cr_assert_eq(gb_slate_nth_free(&req, placed, 3, v), want[v], "v = %llu", (unsigned long long)v);
  cr_assert_eq(gb_slate_owned_in(&req, 4), 2, "distinct and in the catalogue");
  cr_assert_eq(gb_slate_owned_in(&req, 2), 1);
}

Test(slate, top_selects_the_k_best_not_owned_ties_to_the_lower_ordinal) {
  const double score[] = {0.5, 2, 0, 2, 9, -1, 0.5, 3};
  const uint32_t owned[] = {4};
  gb_slate_request req = {.owned = owned, .n_owned = 1};
  gb_slate out = {0};
  gb_slate_top(score, 8, &req, 4, false, &out);
  const uint32_t want[] = {7, 1, 3, 0};
  assert_apps(&out, want, 4);
  out.n = 0;
  gb_slate_top(score, 8, &req, 16, true, &out);
  const uint32_t positive[] = {7, 1, 3, 0, 6};
  assert_apps(&out, positive, 5);
}

/* ---- random -------------------------------------------------------------------------------- */

Test(slate, random_is_uniform_over_the_apps_not_owned_with_marginal_propensities) {
  store *s = store_new("random", 10, 4, 0, NULL);
  const uint32_t owned[] = {2, 5};
  unsigned at[4][10] = {{0}};
  for (uint64_t d = 1; d <= 8000; d++) {
    gb_slate out = rank(s, d, 7, owned, 2);
    for (uint32_t j = 0; j < 4; j++) {
      cr_assert_eq(out.propensity[j], 1.0 / 8, "exactly 1/N: N = 10 - 2 owned");
      at[j][out.apps[j]]++;
    }
  }
  /* each of the 8 apps at each place 1000 times in expectation (sd 30) */
  for (uint32_t j = 0; j < 4; j++)
    for (uint32_t a = 0; a < 10; a++) {
      if (a == 2 || a == 5)
        cr_assert_eq(at[j][a], 0);
      else
        cr_assert(at[j][a] > 850 && at[j][a] < 1150, "app %u at place %u: %u", a, j, at[j][a]);
    }
  store_free(s);
}

Test(slate, random_same_decision_same_slate_and_arms_differ) {
  store *a = store_new("random", 50, 5, 0, NULL), *again = store_new("random", 50, 5, 0, NULL);
  store *b = store_new("random", 50, 5, 1, NULL);
  unsigned differ = 0;
  for (uint64_t d = 1; d <= 50; d++) {
    gb_slate x = rank(a, d, 1, NULL, 0), y = rank(again, d, 1, NULL, 0), z = rank(b, d, 1, NULL, 0);
    cr_assert_eq(memcmp(x.apps, y.apps, sizeof x.apps[0] * x.n), 0, "decision %llu",
                 (unsigned long long)d);
    differ += memcmp(x.apps, z.apps, sizeof x.apps[0] * x.n) != 0;
  }
  cr_assert_geq(differ, 48, "arm 1 drew like arm 0 on %u of 50 visits", 50 - differ);
  store_free(a);
  store_free(again);
  store_free(b);
}

Test(slate, random_fills_what_is_left_when_few_apps_are_free) {
  store *s = store_new("random", 5, 4, 0, NULL);
  const uint32_t owned[] = {0, 1, 3}, all[] = {0, 1, 2, 3, 4};
  gb_slate out = rank(s, 9, 1, owned, 3);
  cr_assert_eq(out.n, 2);
  cr_assert_eq(out.apps[0] + out.apps[1], 2 + 4, "apps 2 and 4");
  cr_assert_eq(out.propensity[0], 0.5);
  cr_assert_eq(rank(s, 9, 1, all, 5).n, 0, "everything owned: an empty slate");
  store_free(s);
}

/* ---- popularity ---------------------------------------------------------------------------- */

/* Purchases 5: 3 players, 2: 2, 6: 1 (and 2 players played it: 1.5), 7: played by 4 (1.0). */
static void popular_apps(store *s, uint64_t first_player) {
  uint64_t p = first_player;
  for (int i = 0; i < 3; i++)
    buy(s, p++, 5);
  for (int i = 0; i < 2; i++)
    buy(s, p++, 2);
  buy(s, p, 6);
  play(s, p++, 6);
  play(s, p++, 6);
  for (int i = 0; i < 4; i++)
    play(s, p++, 7);
}

Test(slate, popularity_ranks_by_merged_counts_only_after_its_epoch) {
  /* epoch 2m: a tick of 1m (another arm's) merges without changing the model */
  store *s = store_new("popularity", 8, 3, 0, "epoch", 2.0 * MIN, "window", 10.0 * MIN, NULL);
  const uint32_t start[] = {0, 1, 2};
  gb_slate out = rank(s, 1, 100, NULL, 0);
  assert_apps(&out, start, 3);
  popular_apps(s, 1);
  out = rank(s, 2, 100, NULL, 0);
  assert_apps(&out, start, 3);
  epoch1(s, MIN);
  out = rank(s, 3, 100, NULL, 0);
  assert_apps(&out, start, 3);
  epoch1(s, 2 * MIN);
  const uint32_t best[] = {5, 2, 6}, without_2[] = {5, 6, 7}, owned[] = {2};
  out = rank(s, 4, 100, NULL, 0);
  assert_apps(&out, best, 3);
  for (uint32_t j = 0; j < 3; j++)
    cr_assert_eq(out.propensity[j], 1.0);
  out = rank(s, 5, 100, owned, 1);
  assert_apps(&out, without_2, 3);
  store_free(s);
}

Test(slate, popularity_counts_a_player_once_and_a_refund_takes_the_purchase_back) {
  store *s = store_new("popularity", 8, 2, 0, NULL);
  buy(s, 1, 3);
  buy(s, 1, 3);
  play(s, 1, 3);
  play(s, 1, 3);
  buy(s, 2, 4);
  buy(s, 3, 4);
  feedback(s, GB_SLATE_REFUNDED, 3, 4, GB_SLATE_ORGANIC);
  feedback(s, GB_SLATE_REFUNDED, 9, 1, GB_SLATE_ORGANIC); /* never bought: nothing */
  cr_assert_eq(gb_tally_get(s->delta, gb_algo_key(GB_TAG_STORE_BOUGHT, 3)), 1);
  cr_assert_eq(gb_tally_get(s->delta, gb_algo_key(GB_TAG_STORE_PLAYERS, 3)), 1);
  cr_assert_eq(gb_tally_get(s->delta, gb_algo_key(GB_TAG_STORE_BOUGHT, 4)), 1);
  cr_assert_eq(gb_tally_get(s->delta, gb_algo_key(GB_TAG_STORE_BOUGHT, 1)), 0);
  cr_assert_eq(gb_tally_count(s->delta), 3, "no pairs, impressions or clicks counted");
  epoch1(s, MIN);
  const uint32_t want[] = {3, 4}; /* 1.25 against 1 */
  gb_slate out = rank(s, 1, 50, NULL, 0);
  assert_apps(&out, want, 2);
  store_free(s);
}

Test(slate, popularity_forgets_the_epochs_that_leave_its_window) {
  store *s = store_new("popularity", 6, 2, 0, "epoch", (double)MIN, "window", 2.0 * MIN, NULL);
  buy(s, 1, 4);
  buy(s, 2, 4);
  epoch1(s, MIN);
  buy(s, 3, 5);
  epoch1(s, 2 * MIN);
  const uint32_t both[] = {4, 5}, only_5[] = {5, 0}, none[] = {0, 1};
  gb_slate out = rank(s, 1, 9, NULL, 0);
  assert_apps(&out, both, 2);
  epoch1(s, 3 * MIN); /* app 4's epoch leaves the window */
  out = rank(s, 2, 9, NULL, 0);
  assert_apps(&out, only_5, 2);
  epoch1(s, 4 * MIN);
  out = rank(s, 3, 9, NULL, 0);
  assert_apps(&out, none, 2);
  cr_assert_eq(
      store_try("popularity", 6, &(gb_err){0}, "epoch", (double)MIN, "window", 1.5 * MIN, NULL), -1,
      "a window that is not whole epochs");
  store_free(s);
}

/* Two shards (players split between them) merged in either order, and one shard that saw
 * every player: the same slates for every history. */
static void assert_shards_agree(const char *name, uint32_t apps, int64_t boundary, ...) {
  enum { A, B, AB, BA, ONE, N };
  store *s[N];
  for (int i = 0; i < N; i++) {
    gb_algo_params p;
    va_list ap;
    va_start(ap, boundary);
    const gb_algo_ops *ops = params_of(name, &p, ap);
    va_end(ap);
    s[i] = calloc(1, sizeof *s[i]);
    cr_assert_not_null(s[i]);
    *s[i] = (store){.so = ops->slate, .apps = apps, .k = 4};
    gb_algo_env env = {.seed = 42};
    gb_slate_env shape = {.apps = apps, .k = 4};
    gb_err err = {0};
    cr_assert_eq(s[i]->so->init(&env, &p, &shape, &s[i]->state, &err), 0, "%s", err.msg);
    cr_assert_eq(gb_tally_new(0, &s[i]->delta, &err), 0);
    s[i]->scratch = calloc(apps, sizeof(double));
  }
  /* player p is shown p % apps and buys it from the slate, buys (p * 7 + 3) % apps, plays
   * p % 5; a third of the players live in shard B */
  for (uint64_t p = 1; p <= 60; p++) {
    store *both[] = {s[p % 3 == 0 ? B : A], s[ONE]};
    for (int i = 0; i < 2; i++) {
      feedback(both[i], GB_SLATE_SHOWN, p, (uint32_t)(p % apps), 0);
      feedback(both[i], GB_SLATE_PURCHASED, p, (uint32_t)(p % apps), 0);
      buy(both[i], p, (uint32_t)((p * 7 + 3) % apps));
      play(both[i], p, (uint32_t)(p % 5));
    }
  }
  store *ab[] = {s[A], s[B]}, *ba[] = {s[B], s[A]}, *to_ab[] = {s[A], s[B], s[AB]},
        *to_ba[] = {s[BA]};
  epoch_to(ab, 2, to_ab, 3, boundary);
  epoch_to(ba, 2, to_ba, 1, boundary);
  epoch_to(&s[ONE], 1, &s[ONE], 1, boundary);
  for (uint32_t first = 0; first < apps; first++) {
    uint32_t other = (first + 3) % apps;
    const uint32_t owned[] = {first < other ? first : other, first < other ? other : first};
    size_t n_owned = first % 4 == 0 ? 0 : first % 4 == 1 ? 1 : 2; /* nothing, one app, two */
    gb_slate want = rank(s[ONE], first + 1, 1000, owned, n_owned);
    for (int i = A; i < ONE; i++) {
      gb_slate got = rank(s[i], first + 1, 1000, owned, n_owned);
      cr_assert_eq(memcmp(&got, &want, sizeof got), 0, "%s: shard %d differs, owning %u", name, i,
                   first);
    }
  }
  for (int i = 0; i < N; i++)
    store_free(s[i]);
}

Test(slate, popularity_merges_shards_in_any_order_to_the_single_shards_model) {
  assert_shards_agree("popularity", 9, MIN, NULL);
}

/* ---- egreedy ------------------------------------------------------------------------------- */

/* App 3: 8 purchases from 10 impressions, (8 + 0.5) / 11; app 1: 1 of 10, 1.5 / 11; the others
 * unseen at the prior mean 0.5: the greedy order 3, 0, 2, 4, 5, 1. */
static void train_egreedy(store *s) {
  for (uint64_t p = 1; p <= 10; p++) {
    feedback(s, GB_SLATE_SHOWN, p, 3, 0);
    feedback(s, GB_SLATE_SHOWN, p, 1, 1);
    if (p <= 8)
      feedback(s, GB_SLATE_PURCHASED, p, 3, 0);
    if (p == 9)
      feedback(s, GB_SLATE_PURCHASED, p, 1, 1);
  }
  buy(s, 20, 1); /* organic: no conversion */
  cr_assert_eq(gb_tally_get(s->delta, gb_algo_key(GB_TAG_STORE_SHOWN, 3)), 10);
  cr_assert_eq(gb_tally_get(s->delta, gb_algo_key(GB_TAG_STORE_CONVERTED, 3)), 8);
  cr_assert_eq(gb_tally_get(s->delta, gb_algo_key(GB_TAG_STORE_CONVERTED, 1)), 1);
  epoch1(s, MIN);
}

static const uint32_t GREEDY[] = {3, 0, 2, 4, 5, 1};

Test(slate, egreedy_with_epsilon_0_is_the_greedy_order) {
  store *s = store_new("egreedy", 6, 3, 0, "epsilon", 0.0, NULL);
  const uint32_t before[] = {0, 1, 2};
  gb_slate out = rank(s, 1, 1, NULL, 0);
  assert_apps(&out, before, 3);
  train_egreedy(s);
  for (uint64_t d = 1; d <= 100; d++) {
    out = rank(s, d, 1, NULL, 0);
    assert_apps(&out, GREEDY, 3);
    for (uint32_t j = 0; j < 3; j++)
      cr_assert_eq(out.propensity[j], 1.0);
  }
  const uint32_t owned[] = {0, 3}, want[] = {2, 4, 5};
  out = rank(s, 1, 1, owned, 2);
  assert_apps(&out, want, 3);
  store_free(s);
}

Test(slate, egreedy_propensities_are_the_exact_place_probabilities) {
  const double eps = 0.3;
  store *s = store_new("egreedy", 6, 4, 0, "epsilon", eps, NULL);
  train_egreedy(s);
  unsigned greedy_first = 0, n = 4000;
  for (uint64_t d = 1; d <= n; d++) {
    gb_slate out = rank(s, d, 1, NULL, 0);
    for (uint32_t j = 0; j < out.n; j++) {
      /* the place's greedy app: the first of the order not placed before */
      uint32_t g = 0;
      for (size_t i = 0; i < N_OF(GREEDY); i++) {
        bool placed = false;
        for (uint32_t b = 0; b < j; b++)
          placed |= out.apps[b] == GREEDY[i];
        if (!placed) {
          g = GREEDY[i];
          break;
        }
      }
      double r = 6 - j, hit = 1 - eps + eps / r, miss = eps / r;
      cr_assert_eq(out.propensity[j], out.apps[j] == g ? hit : miss, "decision %llu place %u",
                   (unsigned long long)d, j);
      /* the place's distribution: the greedy app and the r - 1 others sum to 1 */
      cr_assert_float_eq(hit + (r - 1) * miss, 1.0, 1e-12);
    }
    greedy_first += out.apps[0] == 3;
  }
  /* P(app 3 first) = 0.7 + 0.3 / 6 = 0.75: 3000 of 4000 (sd 27) */
  cr_assert(greedy_first > 2880 && greedy_first < 3120, "%u", greedy_first);
  store_free(s);
}

Test(slate, egreedy_merges_shards_in_any_order_to_the_single_shards_model) {
  assert_shards_agree("egreedy", 9, MIN, NULL);
}

/* ---- the batch models ---------------------------------------------------------------------- */

/* Five players buy apps 0 and 1, five buy 2 and 3 (and play 2), eight buy 4 alone: the
 * popularity order 4 (8), 2 (5 + 5/4), 0, 1, 3 (5), 5. */
static void co_purchases(store *s) {
  uint64_t p = 1;
  for (int i = 0; i < 5; i++, p++) {
    buy(s, p, 0);
    buy(s, p, 1);
  }
  for (int i = 0; i < 5; i++, p++) {
    buy(s, p, 2);
    play(s, p, 2);
    buy(s, p, 3);
  }
  for (int i = 0; i < 8; i++, p++)
    buy(s, p, 4);
}

static void assert_co_purchase(const char *name, bool exact, ...) {
  gb_algo_params p;
  va_list ap;
  va_start(ap, exact);
  const gb_algo_ops *ops = params_of(name, &p, ap);
  va_end(ap);
  store *s = calloc(1, sizeof *s);
  cr_assert_not_null(s);
  *s = (store){.so = ops->slate, .apps = 6, .k = 3};
  gb_algo_env env = {.seed = 42};
  gb_slate_env shape = {.apps = 6, .k = 3};
  gb_err err = {0};
  cr_assert_eq(s->so->init(&env, &p, &shape, &s->state, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_tally_new(0, &s->delta, &err), 0);
  s->scratch = calloc(6, sizeof(double));
  const uint32_t has0[] = {0}, has2[] = {2}, first[] = {0, 1, 2}, pop[] = {4, 2, 0};
  co_purchases(s);
  /* before the nightly refit: nothing learnt */
  gb_slate out = rank(s, 1, 99, has0, 1);
  const uint32_t untrained[] = {1, 2, 3};
  assert_apps(&out, untrained, 3);
  epoch1(s, DAY / 2); /* a tick, not the arm's boundary */
  out = rank(s, 1, 99, NULL, 0);
  assert_apps(&out, first, 3);
  epoch1(s, DAY);
  cr_assert_not_null(gb_slate_batch_model(s->state), "%s: no model after the refit", name);
  out = rank(s, 2, 99, has0, 1);
  cr_assert_eq(out.apps[0], 1, "%s: owning 0, first %u", name, out.apps[0]);
  out = rank(s, 3, 99, has2, 1);
  cr_assert_eq(out.apps[0], 3, "%s: owning 2, first %u", name, out.apps[0]);
  if (exact) { /* the partner, then popularity */
    const uint32_t want0[] = {1, 4, 2}, want2[] = {3, 4, 0};
    assert_apps(&out, want2, 3);
    out = rank(s, 2, 99, has0, 1);
    assert_apps(&out, want0, 3);
  }
  for (uint32_t j = 0; j < out.n; j++)
    cr_assert_eq(out.propensity[j], 1.0);
  out = rank(s, 4, 99, NULL, 0);
  assert_apps(&out, pop, 3);
  store_free(s);
}

Test(slate, itemknn_recommends_the_co_purchased_app) {
  assert_co_purchase("itemknn", true, NULL);
  assert_co_purchase("itemknn", true, "similarity", 1.0, "neighbours", 2.0, NULL);
}

Test(slate, ease_recommends_the_co_purchased_app) {
  assert_co_purchase("ease", true, NULL);
  assert_co_purchase("ease", true, "lambda", 1.0, NULL);
}

Test(slate, als_recommends_the_co_purchased_app) {
  assert_co_purchase("als", false, "factors", 4.0, "reg", 0.1, "iterations", 15.0, NULL);
}

Test(slate, batch_models_merge_shards_in_any_order_to_the_single_shards_model) {
  assert_shards_agree("itemknn", 12, DAY, NULL);
  assert_shards_agree("ease", 12, DAY, "min_users", 1.0, NULL);
  assert_shards_agree("als", 12, DAY, "factors", 4.0, "iterations", 3.0, NULL);
}

Test(slate, ease_refuses_a_catalogue_it_cannot_invert) {
  gb_err err = {0};
  cr_assert_eq(store_try("ease", 5000, &err, NULL), 0, "%s", err.msg);
  cr_assert_eq(store_try("ease", 5001, &err, NULL), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "5001 apps are more than 5000"), "%s", err.msg);
  cr_assert(strstr(err.msg, "use als or itemknn"), "%s", err.msg);
}

Test(slate, store_only_parameters_are_the_rankers) {
  const char *algos[] = {"ease", "als"};
  for (size_t a = 0; a < N_OF(algos); a++) {
    const gb_algo_ops *ops = gb_algo_find(algos[a]);
    const gb_ranker_info *info = gb_ranker_find(algos[a]);
    cr_assert(ops && info && !ops->choose && ops->slate && ops->learns, "%s", algos[a]);
    cr_assert_str_eq(ops->params[0].name, "epoch");
    for (size_t i = 1; i < ops->n_params; i++) {
      const gb_algo_param *p = &ops->params[i];
      int r = gb_ranker_param_index(info, p->name);
      cr_assert_geq(r, 0, "%s.%s is not gb_ranker's", algos[a], p->name);
      const gb_ranker_param *q = &info->params[r];
      cr_assert(p->def == q->def && p->min == q->min && p->max == q->max,
                "%s.%s: %g [%g, %g] against gb_ranker's %g [%g, %g]", algos[a], p->name, p->def,
                p->min, p->max, q->def, q->min, q->max);
      cr_assert_eq(p->kind == GB_ALGO_PARAM_INTEGER, q->kind == GB_RANKER_INT, "%s", p->name);
    }
  }
}
