/* The recommender's store half: each arm's algorithm ranks the store's slates (gb_slate.h), the
 * players' owned apps as far as the engine saw them (never recommended again), and the last
 * slate of each player, to which its clicks and purchases are attributed. */
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_reco_int.h"

/* A store player's state in this shard. */
typedef struct store_player {
  uint32_t *owned; /* ascending */
  uint32_t n_owned;
  size_t cap_owned;
  uint32_t slate[GB_SLATE_MAX]; /* the last slate, best first */
  uint8_t n_slate;
} store_player;

struct gb_reco_store {
  gb_slate_env env;
  store_player *players; /* by slot */
  size_t cap;
  double *scratch; /* [env.apps]: rank's room */
};

static int start_slate(gb_reco *r, size_t i, gb_err *err) {
  arm_algo *a = &r->algos[i];
  const gb_algo_ops *ops = a->ops;
  if (!ops->slate) {
    /* the names of the algorithms that rank for the store, for the message */
    char known[256] = "";
    size_t n = 0, len = 0;
    const gb_algo_ops *const *reg = gb_algo_registry(&n);
    for (size_t k = 0; k < n; k++)
      if (reg[k]->slate && len < sizeof known)
        len += (size_t)snprintf(known + len, sizeof known - len, "%s%s", len ? ", " : "",
                                reg[k]->name);
    return gb_err_set(err, GB_ERR_INPUT,
                      "key 'arms[%zu].algorithm': '%s' does not rank the store's slates (those "
                      "that do: %s)",
                      i, ops->name, known);
  }
  gb_algo_params p;
  gb_reco_arm_params(r->arms, i, ops, &p);
  gb_algo_env env = {.seed = r->seed, .arm = (uint16_t)i, .expected_players = r->cap};
  if (ops->slate->init(&env, &p, &r->store->env, &a->slate_state, err) != 0) {
    char msg[sizeof err->msg];
    snprintf(msg, sizeof msg, "%s", err->msg);
    return gb_err_set(err, err->kind, "key 'arms[%zu].params': %s", i, msg);
  }
  return 0;
}

int gb_reco_enable_store(gb_reco *r, uint32_t apps, uint32_t k, gb_err *err) {
  GB_ASSERT(!r->store);
  if (apps < 1 || apps > GB_SLATE_APPS_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "the store's catalogue has %u apps (1 .. %d)", apps,
                      GB_SLATE_APPS_MAX);
  if (k < 1 || k > GB_SLATE_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "key 'store.slate': %u places (1 .. %d)", k, GB_SLATE_MAX);
  r->store = calloc(1, sizeof *r->store);
  if (r->store)
    r->store->scratch = calloc(apps, sizeof *r->store->scratch);
  if (!r->store || !r->store->scratch)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the store's recommender");
  r->store->env = (gb_slate_env){.apps = apps, .k = k};
  for (size_t i = 0; i < r->n_arms; i++)
    if (start_slate(r, i, err) != 0)
      return -1;
  return 0;
}

bool gb_reco_has_store(const gb_reco *r) { return r->store != NULL; }

void gb_reco_store_free(gb_reco *r) {
  gb_reco_store *s = r->store;
  if (!s)
    return;
  for (size_t i = 0; r->algos && i < r->n_arms; i++)
    if (r->algos[i].slate_state)
      r->algos[i].ops->slate->free(r->algos[i].slate_state);
  for (size_t i = 0; i < s->cap; i++)
    free(s->players[i].owned);
  free(s->players);
  free(s->scratch);
  free(s);
  r->store = NULL;
}

void gb_reco_store_epoch(gb_reco *r, int64_t boundary_ms, const gb_tally *const *merged) {
  if (!r->store)
    return;
  for (size_t i = 0; i < r->n_arms; i++) {
    const arm_algo *a = &r->algos[i];
    if (a->ops->learns && a->slate_state && a->ops->slate->epoch)
      a->ops->slate->epoch(a->slate_state, boundary_ms, merged[i]);
  }
}

/* The player's store state (hot path: a failed growth is fatal). */
static store_player *store_player_at(gb_reco_store *s, uint32_t slot) {
  if (slot >= s->cap) {
    size_t old = s->cap;
    GB_GROW_OR_DIE(s->players, s->cap, (size_t)slot + 1, 1024, "store players");
    memset(s->players + old, 0, (s->cap - old) * sizeof *s->players);
  }
  return &s->players[slot];
}

/* Index of app in the ascending owned list, or where it would go. */
static uint32_t owned_find(const store_player *p, uint32_t app, bool *found) {
  uint32_t lo = 0, hi = p->n_owned;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (p->owned[mid] < app)
      lo = mid + 1;
    else
      hi = mid;
  }
  *found = lo < p->n_owned && p->owned[lo] == app;
  return lo;
}

static void owned_add(store_player *p, uint32_t app) {
  bool found;
  uint32_t at = owned_find(p, app, &found);
  if (found)
    return;
  GB_GROW_OR_DIE(p->owned, p->cap_owned, p->n_owned + 1, 8, "a store player's apps");
  memmove(p->owned + at + 1, p->owned + at, (p->n_owned - at) * sizeof *p->owned);
  p->owned[at] = app;
  p->n_owned++;
}

static void owned_remove(store_player *p, uint32_t app) {
  bool found;
  uint32_t at = owned_find(p, app, &found);
  if (!found)
    return;
  memmove(p->owned + at, p->owned + at + 1, (p->n_owned - at - 1) * sizeof *p->owned);
  p->n_owned--;
}

void gb_reco_decide_slate(gb_reco *r, uint32_t slot, uint64_t decision_id, uint64_t player_id,
                          int64_t ts, const gb_feature_vec *features, gb_decision *out) {
  static const gb_feature_vec unknown = {.x = {[GB_FEAT_DAYS_SINCE_LAST_PURCHASE] = -1}};
  GB_ASSERT(r->store);
  gb_reco_advance(r, ts);
  gb_reco_store *s = r->store;
  store_player *p = store_player_at(s, slot);
  out->decision_id = decision_id;
  out->player_id = player_id;
  out->ts = ts;
  out->arm = gb_arms_of(r->arms, player_id);
  out->reason = GB_SLATE;
  out->chosen = GB_NO_PROP;
  out->prop_id = 0;
  out->ttl_s = 0;
  out->n_eligible = s->env.apps - p->n_owned;
  gb_slate_request req = {.decision_id = decision_id,
                          .player_id = player_id,
                          .slot = slot,
                          .ts = ts,
                          .features = features ? features : &unknown,
                          .owned = p->owned,
                          .n_owned = p->n_owned,
                          .scratch = s->scratch};
  const arm_algo *a = &r->algos[out->arm];
  gb_slate slate = {0};
  a->ops->slate->rank(a->slate_state, &req, &slate);
  GB_ASSERT(slate.n <= s->env.k && slate.n <= GB_DECISION_SLATE_MAX);
  for (uint32_t j = 0; j < slate.n; j++) {
    out->candidates[j] = slate.apps[j];
    out->place_propensity[j] = slate.propensity[j];
    p->slate[j] = slate.apps[j];
  }
  out->n_candidates = (uint8_t)slate.n;
  out->propensity = slate.n > 0 ? slate.propensity[0] : 1.0;
  p->n_slate = (uint8_t)slate.n;
}

bool gb_reco_is_store_feedback(const gb_event *ev) {
  switch (ev->type) {
  case GB_EV_IMPRESSION:
  case GB_EV_CLICK:
  case GB_EV_PLAY_SESSION:
  case GB_EV_REFUND:
    return true;
  case GB_EV_PURCHASE:
    return ev->u.purchase.app_id != 0;
  default:
    return false;
  }
}

/* The place of app on the player's last slate, or GB_SLATE_ORGANIC. */
static uint32_t place_of(const store_player *p, uint32_t app) {
  for (uint32_t j = 0; j < p->n_slate; j++)
    if (p->slate[j] == app)
      return j;
  return GB_SLATE_ORGANIC;
}

static void observe_store(gb_reco *r, uint32_t slot, const gb_event *ev, gb_slate_signal signal,
                          uint32_t app, uint32_t place) {
  uint16_t arm = gb_arms_of(r->arms, ev->player_id);
  const arm_algo *a = &r->algos[arm];
  if (!r->learning || !a->ops->learns || !a->ops->slate->observe)
    return;
  gb_slate_feedback f = {.signal = signal,
                         .player_id = ev->player_id,
                         .slot = slot,
                         .ts = ev->ts,
                         .app = app,
                         .place = place,
                         .minutes = signal == GB_SLATE_PLAYED ? ev->u.store.minutes : 0};
  a->ops->slate->observe(a->slate_state, &f, gb_reco_current_delta(r, arm));
}

void gb_reco_store_feedback(gb_reco *r, uint32_t slot, const gb_event *ev) {
  gb_reco_store *s = r->store;
  if (!s || !gb_reco_is_store_feedback(ev))
    return;
  gb_reco_advance(r, ev->ts);
  store_player *p = store_player_at(s, slot);
  if (ev->type == GB_EV_IMPRESSION) {
    for (uint32_t j = 0; j < ev->u.store.n_app_ids && j < GB_IMPRESSION_MAX; j++) {
      uint32_t shown = ev->u.store.app_ids[j] - 1; /* app_id 0 wraps: out of range */
      if (shown < s->env.apps)
        observe_store(r, slot, ev, GB_SLATE_SHOWN, shown, j);
    }
    return;
  }
  /* On the wire an app is its ordinal + 1 (a purchase's app_id 0 is the card platform's). */
  uint32_t app = (ev->type == GB_EV_PURCHASE ? ev->u.purchase.app_id : ev->u.store.app_id) - 1;
  if (app >= s->env.apps)
    return; /* not an app of the catalogue the engine ranks: nothing to learn */
  switch (ev->type) {
  case GB_EV_CLICK:
    observe_store(r, slot, ev, GB_SLATE_CLICKED, app, place_of(p, app));
    break;
  case GB_EV_PURCHASE:
    observe_store(r, slot, ev, GB_SLATE_PURCHASED, app, place_of(p, app));
    owned_add(p, app);
    break;
  case GB_EV_PLAY_SESSION:
    owned_add(p, app);
    observe_store(r, slot, ev, GB_SLATE_PLAYED, app, GB_SLATE_ORGANIC);
    break;
  case GB_EV_REFUND:
    owned_remove(p, app);
    observe_store(r, slot, ev, GB_SLATE_REFUNDED, app, GB_SLATE_ORGANIC);
    break;
  default:
    break;
  }
}
