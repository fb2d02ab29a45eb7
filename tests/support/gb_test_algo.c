#include "gb_test_algo.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The parameters of name: its defaults, overridden by the pairs of ap. */
static const gb_algo_ops *params_of(const char *name, gb_algo_params *p, va_list ap) {
  const gb_algo_ops *ops = gb_algo_find(name);
  cr_assert_not_null(ops, "gbt_algo: no algorithm '%s'", name);
  gb_algo_params_defaults(ops, p);
  for (const char *key = va_arg(ap, const char *); key; key = va_arg(ap, const char *)) {
    double v = va_arg(ap, double);
    int i = gb_algo_param_index(ops, key);
    cr_assert_geq(i, 0, "gbt_algo: '%s' has no parameter '%s'", name, key);
    gb_err err = {0};
    cr_assert_eq(gb_algo_param_check(&ops->params[i], v, key, &err), 0, "gbt_algo: %s", err.msg);
    p->v[i] = v;
  }
  return ops;
}

gbt_algo *gbt_algo_new(const char *name, uint64_t seed, uint16_t arm, ...) {
  gbt_algo *a = calloc(1, sizeof *a);
  cr_assert_not_null(a);
  gb_algo_params p;
  va_list ap;
  va_start(ap, arm);
  a->ops = params_of(name, &p, ap);
  va_end(ap);
  gb_algo_env env = {.seed = seed, .arm = arm, .expected_players = 16};
  gb_err err = {0};
  cr_assert_eq(a->ops->init(&env, &p, &a->state, &err), 0, "gbt_algo: %s: %s", name, err.msg);
  cr_assert_eq(gb_tally_new(0, &a->delta, &err), 0, "%s", err.msg);
  a->scratch = calloc(GB_ALGO_CANDIDATES_MAX * GB_ALGO_SCRATCH_PER_CANDIDATE, sizeof *a->scratch);
  cr_assert_not_null(a->scratch);
  return a;
}

int gbt_algo_try(const char *name, gb_err *err, ...) {
  gb_algo_params p;
  va_list ap;
  va_start(ap, err);
  const gb_algo_ops *ops = params_of(name, &p, ap);
  va_end(ap);
  gb_algo_env env = {.seed = 1, .expected_players = 16};
  void *state = NULL;
  int rc = ops->init(&env, &p, &state, err);
  if (rc == 0)
    ops->free(state);
  return rc;
}

void gbt_algo_free(gbt_algo *a) {
  if (!a)
    return;
  a->ops->free(a->state);
  gb_tally_free(a->delta);
  free(a->scratch);
  free(a);
}

gb_feature_vec gbt_algo_features(void) {
  return (gb_feature_vec){.x = {[GB_FEAT_DAYS_SINCE_LAST_PURCHASE] = -1}};
}

gb_algo_choice gbt_algo_choose(const gbt_algo *a, uint64_t decision_id, uint32_t slot,
                               const gb_feature_vec *features, const uint32_t *candidates,
                               size_t n) {
  gb_feature_vec unknown = gbt_algo_features();
  gb_algo_decision d = {.decision_id = decision_id,
                        .player_id = 1000 + slot,
                        .slot = slot,
                        .ts = 0,
                        .features = features ? features : &unknown,
                        .candidates = candidates,
                        .n_candidates = n,
                        .scratch = a->scratch};
  gb_algo_choice c = a->ops->choose(a->state, &d);
  gb_algo_choice again = a->ops->choose(a->state, &d);
  cr_assert_eq(again.index, c.index, "%s: decision %llu chose %zu, then %zu", a->ops->name,
               (unsigned long long)decision_id, c.index, again.index);
  cr_assert_eq(again.propensity, c.propensity, "%s: decision %llu: propensity %.17g, then %.17g",
               a->ops->name, (unsigned long long)decision_id, c.propensity, again.propensity);
  cr_assert(c.index == GB_ALGO_NO_PROP || c.index < n, "%s: index %zu of %zu candidates",
            a->ops->name, c.index, n);
  cr_assert(c.propensity > 0 && c.propensity <= 1, "%s: propensity %.17g", a->ops->name,
            c.propensity);
  return c;
}

uint32_t gbt_algo_pick(const gbt_algo *a, uint64_t decision_id, uint32_t slot,
                       const gb_feature_vec *features, const uint32_t *candidates, size_t n) {
  gb_algo_choice c = gbt_algo_choose(a, decision_id, slot, features, candidates, n);
  return c.index == GB_ALGO_NO_PROP ? UINT32_MAX : candidates[c.index];
}

void gbt_algo_choices(const gbt_algo *a, uint64_t first_id, size_t count,
                      const gb_feature_vec *features, const uint32_t *candidates, size_t n,
                      size_t *index, double *propensity) {
  for (size_t i = 0; i < count; i++) {
    gb_algo_choice c = gbt_algo_choose(a, first_id + i, 0, features, candidates, n);
    index[i] = c.index;
    if (propensity)
      propensity[i] = c.propensity;
  }
}

size_t gbt_algo_count_picks(const gbt_algo *a, uint64_t first_id, size_t count,
                            const gb_feature_vec *features, const uint32_t *candidates, size_t n,
                            uint32_t ordinal) {
  size_t picks = 0;
  for (size_t i = 0; i < count; i++)
    picks += gbt_algo_pick(a, first_id + i, 0, features, candidates, n) == ordinal;
  return picks;
}

void gbt_algo_signal(gbt_algo *a, gb_algo_signal signal, uint32_t slot, uint32_t challenge,
                     int64_t ts, const gb_feature_vec *features) {
  cr_assert_not_null(a->ops->observe, "%s does not learn", a->ops->name);
  gb_feature_vec unknown = gbt_algo_features();
  gb_algo_feedback f = {.signal = signal,
                        .player_id = 1000 + slot,
                        .slot = slot,
                        .ts = ts,
                        .challenge = challenge,
                        .features = features ? features : &unknown};
  a->ops->observe(a->state, &f, a->delta);
}

void gbt_algo_props(gbt_algo *a, uint32_t slot, uint32_t challenge, int64_t ts,
                    const gb_feature_vec *features, unsigned given, unsigned used) {
  for (unsigned i = 0; i < given; i++) {
    gbt_algo_signal(a, GB_ALGO_GIVEN, slot, challenge, ts, features);
    gbt_algo_signal(a, i < used ? GB_ALGO_USED : GB_ALGO_ENDED, slot, challenge, ts, features);
  }
}

void gbt_algo_epoch(gbt_algo *const *shards, size_t n_shards, int64_t boundary_ms) {
  gb_tally *merged = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_tally_new(0, &merged, &err), 0, "%s", err.msg);
  for (size_t i = 0; i < n_shards; i++)
    gb_tally_merge(merged, shards[i]->delta);
  for (size_t i = 0; i < n_shards; i++) {
    cr_assert_not_null(shards[i]->ops->epoch, "%s does not learn", shards[i]->ops->name);
    shards[i]->ops->epoch(shards[i]->state, boundary_ms, merged);
    gb_tally_clear(shards[i]->delta);
  }
  gb_tally_free(merged);
}

void gbt_algo_epoch1(gbt_algo *a, int64_t boundary_ms) { gbt_algo_epoch(&a, 1, boundary_ms); }
