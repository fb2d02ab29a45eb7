#include "gb_reco.h"
#include "gb_reco_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_prefetch.h"

_Static_assert((int)GB_ARM_PARAMS_MAX == (int)GB_ALGO_PARAMS_MAX,
               "gb_arms carries gb_algo's parameters");

void gb_reco_arm_params(const gb_arms *arms, size_t i, const gb_algo_ops *ops, gb_algo_params *p) {
  gb_algo_params_defaults(ops, p);
  double given[GB_ARM_PARAMS_MAX];
  if (gb_arms_params(arms, i, given))
    memcpy(p->v, given, sizeof p->v);
}

static int start_arm(gb_reco *r, size_t i, size_t expected_players, gb_err *err) {
  const char *name = gb_arms_algorithm(r->arms, i);
  const gb_algo_ops *ops = gb_algo_find(name);
  if (!ops)
    return gb_err_set(err, GB_ERR_INPUT,
                      "key 'arms[%zu].algorithm': unknown algorithm '%s' (known: %s)", i, name,
                      gb_algo_names());
  gb_algo_params p;
  gb_reco_arm_params(r->arms, i, ops, &p);
  for (size_t k = 0; k < ops->n_params; k++) {
    char key[96];
    snprintf(key, sizeof key, "arms[%zu].params.%s", i, ops->params[k].name);
    if (gb_algo_param_check(&ops->params[k], p.v[k], key, err) != 0)
      return -1;
  }
  gb_algo_env env = {.seed = r->seed, .arm = (uint16_t)i, .expected_players = expected_players};
  arm_algo *a = &r->algos[i];
  a->ops = ops;
  if (ops->init && ops->init(&env, &p, &a->state, err) != 0) {
    a->ops = NULL; /* nothing to free */
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    return gb_err_set(err, err->kind, "key 'arms[%zu].params': %s", i, msg);
  }
  a->logging = ops->logging;
  if (ops->learns) {
    a->deltas = calloc(1, sizeof *a->deltas);
    if (!a->deltas)
      return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the recommender");
    a->n_deltas = 1;
    if (gb_tally_new(256, &a->deltas[0], err) != 0)
      return -1;
  }
  return 0;
}

/* Arm i's epoch (0: it does not learn, or its algorithm is unknown). */
static int64_t arm_epoch(const gb_arms *arms, size_t i) {
  const gb_algo_ops *ops = gb_algo_find(gb_arms_algorithm(arms, i));
  if (!ops)
    return 0;
  gb_algo_params p;
  gb_reco_arm_params(arms, i, ops, &p);
  return gb_algo_epoch_ms(ops, &p);
}

int64_t gb_reco_tick_of(const gb_arms *arms) {
  int64_t tick = 0;
  for (size_t i = 0; i < gb_arms_count(arms); i++) {
    int64_t e = arm_epoch(arms, i);
    if (e > 0 && (tick == 0 || e < tick))
      tick = e;
  }
  return tick;
}

/* The exchange runs at the finest epoch; every other must be a multiple of it, so that each
 * arm's boundaries are exchange boundaries. */
static int set_tick(gb_reco *r, gb_err *err) {
  r->tick_ms = gb_reco_tick_of(r->arms);
  for (size_t i = 0; i < r->n_arms; i++) {
    int64_t e = arm_epoch(r->arms, i);
    if (e > 0 && e % r->tick_ms != 0)
      return gb_err_set(err, GB_ERR_INPUT,
                        "key 'arms[%zu].params.epoch': %lld ms is not a multiple of the finest "
                        "epoch of the arms, %lld ms",
                        i, (long long)e, (long long)r->tick_ms);
  }
  r->learns = r->tick_ms > 0;
  return 0;
}

int gb_reco_new(const gb_arms *arms, uint64_t seed, size_t expected_players, gb_reco **out,
                gb_err *err) {
  size_t n = gb_arms_count(arms);
  gb_reco *r = calloc(1, sizeof *r);
  if (r)
    r->algos = calloc(n, sizeof *r->algos);
  if (!r || !r->algos) {
    gb_reco_free(r);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the recommender");
  }
  r->arms = arms;
  r->n_arms = n;
  r->seed = seed;
  r->boundary = INT64_MIN;
  r->learning = true;
  if (GB_GROW(r->players, r->cap, expected_players, 1024, "recommender players", err) != 0)
    goto fail;
  for (size_t i = 0; i < n; i++)
    if (start_arm(r, i, expected_players, err) != 0)
      goto fail;
  if (set_tick(r, err) != 0)
    goto fail;
  if (r->learns && GB_GROW(r->contexts, r->contexts_cap, expected_players, 1024,
                           "recommender contexts", err) != 0)
    goto fail;
  *out = r;
  return 0;
fail:
  gb_reco_free(r);
  return -1;
}

void gb_reco_free(gb_reco *r) {
  if (!r)
    return;
  gb_reco_store_free(r);
  for (size_t i = 0; r->algos && i < r->n_arms; i++) {
    if (r->algos[i].ops && r->algos[i].ops->free)
      r->algos[i].ops->free(r->algos[i].state);
    for (size_t k = 0; k < r->algos[i].n_deltas; k++)
      gb_tally_free(r->algos[i].deltas[k]);
    free(r->algos[i].deltas);
  }
  free(r->algos);
  free(r->players);
  free(r->contexts);
  free(r);
}

int64_t gb_reco_tick_ms(const gb_reco *r) { return r->tick_ms; }

size_t gb_reco_arms(const gb_reco *r) { return r->n_arms; }

void gb_reco_set_learning(gb_reco *r, bool on) { r->learning = on; }

gb_tally *gb_reco_delta(gb_reco *r, size_t arm) { return gb_reco_partition_delta(r, arm, 0); }

gb_tally *gb_reco_current_delta(gb_reco *r, size_t arm) {
  return gb_reco_partition_delta(r, arm, r->partition);
}

gb_tally *gb_reco_partition_delta(gb_reco *r, size_t arm, unsigned partition) {
  arm_algo *a = &r->algos[arm];
  if (!a->deltas)
    return NULL;
  if (partition >= a->n_deltas) {
    size_t old = a->n_deltas;
    GB_GROW_OR_DIE(a->deltas, a->n_deltas, (size_t)partition + 1, 8, "recommender increments");
    memset(a->deltas + old, 0, (a->n_deltas - old) * sizeof *a->deltas);
  }
  if (!a->deltas[partition]) {
    gb_err err;
    if (gb_tally_new(256, &a->deltas[partition], &err) != 0)
      GB_FATAL("%s", err.msg);
  }
  return a->deltas[partition];
}

void gb_reco_set_partition(gb_reco *r, unsigned partition) { r->partition = partition; }

void gb_reco_set_await(gb_reco *r, gb_reco_await_fn await, void *ctx) {
  r->await = await;
  r->await_ctx = ctx;
}

/* Before an event at sim time ts touches the models: every boundary up to ts applied (the
 * await hook waits for them when another process closes them). */
void gb_reco_advance(gb_reco *r, int64_t ts) {
  if (!r->await || !r->learns)
    return;
  /* the last multiple of the tick at or before ts (floor division: ts may be negative) */
  int64_t last = (ts / r->tick_ms - (ts % r->tick_ms < 0)) * r->tick_ms;
  if (last > r->boundary)
    r->await(r->await_ctx, r, ts);
}

int64_t gb_reco_boundary(const gb_reco *r) { return r->boundary; }

void gb_reco_epoch(gb_reco *r, int64_t boundary_ms, const gb_tally *const *merged) {
  GB_ASSERT(r->learns && boundary_ms > r->boundary && boundary_ms % r->tick_ms == 0);
  for (size_t i = 0; i < r->n_arms; i++)
    if (r->algos[i].ops->learns && r->algos[i].ops->epoch)
      r->algos[i].ops->epoch(r->algos[i].state, boundary_ms, merged[i]);
  gb_reco_store_epoch(r, boundary_ms, merged);
  r->boundary = boundary_ms;
}

/* The player's state, made room for when the player is new (hot path: pre-sized at creation,
 * a failed growth is fatal). */
static ongoing *slot_state(gb_reco *r, uint32_t slot) {
  GB_GROW_OR_DIE(r->players, r->cap, (size_t)slot + 1, 1024, "recommender players");
  return &r->players[slot];
}

static gb_feature_vec *slot_context(gb_reco *r, uint32_t slot) {
  GB_GROW_OR_DIE(r->contexts, r->contexts_cap, (size_t)slot + 1, 1024, "recommender contexts");
  return &r->contexts[slot];
}

void gb_reco_prefetch(const gb_reco *r, uint32_t slot) {
  if (slot >= r->cap)
    return; /* a new player: slot_state will allocate and zero it */
  gb_prefetch_span(&r->players[slot], sizeof r->players[slot]);
}

int gb_reco_has_ongoing(const gb_reco *r, uint32_t slot, int64_t ts) {
  if (slot >= r->cap)
    return 0;
  const ongoing *o = &r->players[slot];
  return o->prop_id != 0 && (o->ttl_ms == 0 || ts <= o->deadline);
}

static void observe(gb_reco *r, uint16_t arm, gb_algo_signal signal, uint64_t player_id,
                    uint32_t slot, int64_t ts, uint32_t challenge) {
  const arm_algo *a = &r->algos[arm];
  if (!a->ops->learns || !a->ops->observe || !r->learning)
    return;
  gb_algo_feedback f = {.signal = signal,
                        .player_id = player_id,
                        .slot = slot,
                        .ts = ts,
                        .challenge = challenge,
                        .features = slot_context(r, slot)};
  a->ops->observe(a->state, &f, gb_reco_partition_delta(r, arm, r->partition));
}

bool gb_reco_is_target(const gb_arms *arms, size_t logging, size_t arm) {
  const gb_algo_ops *ops = gb_algo_find(gb_arms_algorithm(arms, arm));
  return arm != logging && ops && ops->choose && strcmp(ops->name, "none") != 0;
}

/* The other arms' choices on a logging arm's decision (off-policy evaluation). */
static void target_choices(const gb_reco *r, uint16_t logging_arm, const gb_algo_decision *d,
                           gb_reco_targets *t) {
  t->n = 0;
  if (!r->algos[logging_arm].logging)
    return;
  for (size_t i = 0; i < r->n_arms && t->n < GB_RECO_TARGETS_MAX; i++) {
    if (!gb_reco_is_target(r->arms, logging_arm, i))
      continue;
    gb_algo_choice c = r->algos[i].ops->choose(r->algos[i].state, d);
    t->arm[t->n] = (uint16_t)i;
    t->chosen[t->n] = c.index == GB_ALGO_NO_PROP ? GB_NO_PROP : d->candidates[c.index];
    t->propensity[t->n] = c.propensity;
    t->n++;
  }
}

void gb_reco_decide(gb_reco *r, uint32_t slot, uint64_t decision_id, uint64_t player_id, int64_t ts,
                    const gb_feature_vec *features, const uint32_t *eligible, const int64_t *ttl_s,
                    size_t n_eligible, gb_decision *out, gb_reco_targets *targets) {
  static const gb_feature_vec unknown = {.x = {[GB_FEAT_DAYS_SINCE_LAST_PURCHASE] = -1}};
  gb_reco_advance(r, ts);
  if (targets)
    targets->n = 0;
  out->decision_id = decision_id;
  out->player_id = player_id;
  out->ts = ts;
  out->arm = gb_arms_of(r->arms, player_id);
  out->chosen = GB_NO_PROP;
  out->prop_id = 0;
  out->ttl_s = 0;
  out->propensity = 1.0;
  out->n_eligible = (uint32_t)n_eligible;
  out->n_candidates = 0;
  ongoing *o = slot_state(r, slot);
  if (gb_reco_has_ongoing(r, slot, ts)) {
    out->reason = GB_SUPPRESSED;
    return;
  }
  o->prop_id = 0;
  size_t keep = n_eligible < GB_DECISION_CANDIDATES_MAX ? n_eligible : GB_DECISION_CANDIDATES_MAX;
  memcpy(out->candidates, eligible, keep * sizeof *eligible);
  out->n_candidates = (uint8_t)keep;
  if (n_eligible == 0) {
    out->reason = GB_NO_CANDIDATES;
    return;
  }
  out->reason = GB_DECIDED;
  GB_ASSERT(n_eligible <= GB_ALGO_CANDIDATES_MAX);
  gb_algo_decision d = {.decision_id = decision_id,
                        .player_id = player_id,
                        .slot = slot,
                        .ts = ts,
                        .features = features ? features : &unknown,
                        .candidates = eligible,
                        .n_candidates = n_eligible,
                        .scratch = r->scratch};
  const arm_algo *a = &r->algos[out->arm];
  if (!a->ops->choose) /* a store-only algorithm: the workload refuses it on the card platform */
    return;
  gb_algo_choice c = a->ops->choose(a->state, &d);
  if (targets)
    target_choices(r, out->arm, &d, targets);
  out->propensity = c.propensity;
  if (c.index == GB_ALGO_NO_PROP)
    return;
  out->chosen = eligible[c.index];
  out->prop_id = decision_id;
  out->ttl_s = ttl_s[c.index];
  *o = (ongoing){.prop_id = decision_id,
                 .ttl_ms = ttl_s[c.index] * 1000,
                 .deadline = ts + ttl_s[c.index] * 1000,
                 .challenge = out->chosen,
                 .arm = out->arm};
  if (a->ops->learns) {
    *slot_context(r, slot) = *d.features;
    observe(r, out->arm, GB_ALGO_GIVEN, player_id, slot, ts, out->chosen);
  }
}

bool gb_reco_takes_feedback(gb_event_type type) { return gb_event_is_feedback(type); }

void gb_reco_feedback(gb_reco *r, uint32_t slot, const gb_event *ev) {
  if (!gb_reco_takes_feedback(ev->type))
    return; /* most events: the player's state is not even read */
  gb_reco_advance(r, ev->ts);
  ongoing *o = slot_state(r, slot);
  if (o->prop_id == 0 || ev->u.prop.prop_id != o->prop_id)
    return;
  uint16_t arm = o->arm;
  switch (ev->type) {
  case GB_EV_PROP_USED:
    o->deadline = ev->ts + o->ttl_ms;
    observe(r, arm, GB_ALGO_USED, ev->player_id, slot, ev->ts, o->challenge);
    break;
  case GB_EV_CHALLENGE_COMPLETED:
    observe(r, arm, GB_ALGO_COMPLETED, ev->player_id, slot, ev->ts, o->challenge);
    o->prop_id = 0;
    break;
  case GB_EV_PROP_DISCARDED:
  case GB_EV_PROP_EXPIRED:
  case GB_EV_CHALLENGE_FAILED:
    observe(r, arm, GB_ALGO_ENDED, ev->player_id, slot, ev->ts, o->challenge);
    o->prop_id = 0;
    break;
  default:
    break;
  }
}

void gb_reco_prop_ended(gb_reco *r, uint32_t slot, uint64_t prop_id, int64_t ts, bool completed) {
  ongoing *o = slot_state(r, slot);
  if (o->prop_id != prop_id || prop_id == 0)
    return;
  observe(r, o->arm, completed ? GB_ALGO_COMPLETED : GB_ALGO_ENDED, 0, slot, ts, o->challenge);
  o->prop_id = 0;
}
