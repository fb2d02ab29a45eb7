#include "gb_reco.h"

#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_prefetch.h"
#include "gb_rng.h"

/* Salts keep the hash draws for different purposes independent. */
#define SALT_CHOICE 0x43484fULL /* "CHO" */

typedef struct ongoing {
  uint64_t prop_id; /* 0 = none */
  int64_t ttl_ms;   /* 0 = no deadline */
  int64_t deadline; /* sim ms */
} ongoing;

struct gb_reco {
  const gb_arms *arms; /* the split (borrowed) */
  gb_reco_algo *algos; /* [gb_arms_count]: each arm's algorithm */
  uint64_t seed;
  ongoing *players;
  size_t cap;
};

static const struct {
  const char *name;
  gb_reco_algo algo;
} algos[] = {{"random", GB_RECO_RANDOM}, {"none", GB_RECO_NONE}};

int gb_reco_algo_parse(const char *name, gb_reco_algo *out) {
  for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++)
    if (strcmp(algos[i].name, name) == 0) {
      *out = algos[i].algo;
      return 0;
    }
  return -1;
}

const char *gb_reco_algo_names(void) { return "random, none"; }

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
  if (GB_GROW(r->players, r->cap, expected_players, 1024, "recommender players", err) != 0) {
    gb_reco_free(r);
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    if (gb_reco_algo_parse(gb_arms_algorithm(arms, i), &r->algos[i]) != 0) {
      gb_err_set(err, GB_ERR_INPUT, "key 'arms[%zu].algorithm': unknown algorithm '%s' (known: %s)",
                 i, gb_arms_algorithm(arms, i), gb_reco_algo_names());
      gb_reco_free(r);
      return -1;
    }
  r->arms = arms;
  r->seed = seed;
  *out = r;
  return 0;
}

void gb_reco_free(gb_reco *r) {
  if (!r)
    return;
  free(r->algos);
  free(r->players);
  free(r);
}

/* The player's state, made room for when the player is new (hot path: pre-sized at creation,
 * a failed growth is fatal). */
static ongoing *slot_state(gb_reco *r, uint32_t slot) {
  GB_GROW_OR_DIE(r->players, r->cap, (size_t)slot + 1, 1024, "recommender players");
  return &r->players[slot];
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

static void choose(const gb_reco *r, gb_reco_algo algo, uint64_t decision_id, size_t n,
                   gb_decision *out, size_t *index) {
  *index = SIZE_MAX;
  out->propensity = 1.0;
  if (algo == GB_RECO_RANDOM) {
    double u = gb_unit(gb_hash3(r->seed, decision_id, SALT_CHOICE));
    *index = (size_t)(u * (double)n);
    out->propensity = 1.0 / (double)n;
  }
}

void gb_reco_decide(gb_reco *r, uint32_t slot, uint64_t decision_id, uint64_t player_id, int64_t ts,
                    const gb_feature_vec *features, const uint32_t *eligible, const int64_t *ttl_s,
                    size_t n_eligible, gb_decision *out) {
  (void)features; /* random and none choose without a context */
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
  size_t index;
  choose(r, r->algos[out->arm], decision_id, n_eligible, out, &index);
  if (index == SIZE_MAX)
    return;
  out->chosen = eligible[index];
  out->prop_id = decision_id;
  out->ttl_s = ttl_s[index];
  *o = (ongoing){
      .prop_id = decision_id, .ttl_ms = ttl_s[index] * 1000, .deadline = ts + ttl_s[index] * 1000};
}

bool gb_reco_takes_feedback(gb_event_type type) { return gb_event_is_feedback(type); }

void gb_reco_feedback(gb_reco *r, uint32_t slot, const gb_event *ev) {
  if (!gb_reco_takes_feedback(ev->type))
    return; /* most events: the player's state is not even read */
  ongoing *o = slot_state(r, slot);
  if (o->prop_id == 0 || ev->u.prop.prop_id != o->prop_id)
    return;
  switch (ev->type) {
  case GB_EV_PROP_USED:
    o->deadline = ev->ts + o->ttl_ms;
    break;
  case GB_EV_PROP_DISCARDED:
  case GB_EV_PROP_EXPIRED:
  case GB_EV_CHALLENGE_COMPLETED:
  case GB_EV_CHALLENGE_FAILED:
    o->prop_id = 0;
    break;
  default:
    break;
  }
}

void gb_reco_prop_ended(gb_reco *r, uint32_t slot, uint64_t prop_id) {
  ongoing *o = slot_state(r, slot);
  if (o->prop_id == prop_id)
    o->prop_id = 0;
}
