/* gb_slate_util: the helpers the store halves share (gb_slate_int.h). */
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_slate_int.h"

double gb_slate_draw(uint64_t seed, uint64_t decision_id, unsigned salt, uint16_t arm,
                     uint32_t place) {
  return gb_unit(gb_hash3(seed, decision_id, gb_algo_salt(salt, arm) ^ (uint64_t)place << 32));
}

uint32_t gb_slate_owned_in(const gb_slate_request *req, uint32_t apps) {
  uint32_t n = 0;
  for (size_t i = 0; i < req->n_owned; i++)
    n += req->owned[i] < apps && (i == 0 || req->owned[i] != req->owned[i - 1]);
  return n;
}

bool gb_slate_is_owned(const gb_slate_request *req, uint32_t app) {
  size_t lo = 0, hi = req->n_owned;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (req->owned[mid] < app)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < req->n_owned && req->owned[lo] == app;
}

bool gb_slate_is_placed(const gb_slate *out, uint32_t app) {
  for (uint32_t j = 0; j < out->n; j++)
    if (out->apps[j] == app)
      return true;
  return false;
}

uint32_t gb_slate_nth_free(const gb_slate_request *req, const uint32_t *placed, size_t n_placed,
                           uint64_t v) {
  /* walk the union of the two ascending lists: every excluded app at or below the candidate
   * pushes it one further */
  uint64_t app = v;
  size_t i = 0, j = 0;
  uint64_t last = UINT64_MAX;
  while (i < req->n_owned || j < n_placed) {
    uint64_t e;
    if (j >= n_placed || (i < req->n_owned && req->owned[i] <= placed[j]))
      e = req->owned[i++];
    else
      e = placed[j++];
    if (e == last)
      continue; /* owned and placed at once, or owned twice */
    last = e;
    if (e > app)
      break;
    app++;
  }
  return (uint32_t)app;
}

void gb_slate_insert_sorted(uint32_t *placed, size_t *n, uint32_t app) {
  size_t i = *n;
  for (; i > 0 && placed[i - 1] > app; i--)
    placed[i] = placed[i - 1];
  placed[i] = app;
  (*n)++;
}

/* ---- popularity ------------------------------------------------------------------------------ */

int gb_slate_pop_init(gb_slate_pop *p, uint32_t apps, gb_err *err) {
  memset(p, 0, sizeof *p);
  p->apps = apps;
  p->bought = calloc(apps, sizeof *p->bought);
  p->players = calloc(apps, sizeof *p->players);
  p->order = malloc(apps * sizeof *p->order);
  if (!p->bought || !p->players || !p->order) {
    gb_slate_pop_free(p);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the popularity of %u apps", apps);
  }
  for (uint32_t a = 0; a < apps; a++)
    p->order[a] = a;
  return 0;
}

void gb_slate_pop_free(gb_slate_pop *p) {
  free(p->bought);
  free(p->players);
  free(p->order);
  memset(p, 0, sizeof *p);
}

void gb_slate_pop_add(gb_slate_pop *p, const gb_tally_entry *e, size_t n, int64_t sign) {
  for (size_t i = 0; i < n; i++) {
    unsigned tag = (unsigned)(e[i].key >> 56);
    uint64_t app = e[i].key & ((UINT64_C(1) << 56) - 1);
    if (app >= p->apps)
      continue;
    if (tag == GB_TAG_STORE_BOUGHT)
      p->bought[app] += sign * e[i].sum;
    else if (tag == GB_TAG_STORE_PLAYERS)
      p->players[app] += sign * e[i].sum;
  }
}

typedef struct scored {
  double score;
  uint32_t app;
} scored;

static int by_score(const void *a, const void *b) {
  const scored *x = a, *y = b;
  if (x->score != y->score)
    return x->score < y->score ? 1 : -1;
  return (x->app > y->app) - (x->app < y->app);
}

void gb_slate_sort_order(uint32_t *order, const double *score, uint32_t apps) {
  if (apps == 0)
    return;
  scored *s = malloc(apps * sizeof *s);
  if (!s)
    GB_FATAL("out of memory ordering %u apps", apps);
  for (uint32_t a = 0; a < apps; a++)
    s[a] = (scored){score[a], a};
  qsort(s, apps, sizeof *s, by_score);
  for (uint32_t a = 0; a < apps; a++)
    order[a] = s[a].app;
  free(s);
}

void gb_slate_pop_sort(gb_slate_pop *p) {
  if (p->apps == 0)
    return;
  double *score = malloc(p->apps * sizeof *score);
  if (!score)
    GB_FATAL("out of memory ordering %u apps", p->apps);
  for (uint32_t a = 0; a < p->apps; a++)
    score[a] = (double)p->bought[a] + GB_SLATE_PLAY_WEIGHT * (double)p->players[a];
  gb_slate_sort_order(p->order, score, p->apps);
  free(score);
}

void gb_slate_fill(const uint32_t *order, uint32_t apps, const gb_slate_request *req, uint32_t k,
                   gb_slate *out) {
  for (uint32_t i = 0; i < apps && out->n < k; i++)
    if (!gb_slate_is_owned(req, order[i]) && !gb_slate_is_placed(out, order[i]))
      gb_slate_put(out, order[i], 1.0);
}

void gb_slate_top(const double *score, uint32_t apps, const gb_slate_request *req, uint32_t k,
                  bool positive_only, gb_slate *out) {
  /* best[0..n) best first; apps come in ascending order, so an equal score never displaces */
  double best[GB_SLATE_MAX];
  uint32_t app_of[GB_SLATE_MAX], n = 0;
  size_t o = 0;
  for (uint32_t a = 0; a < apps; a++) {
    while (o < req->n_owned && req->owned[o] < a)
      o++;
    if (o < req->n_owned && req->owned[o] == a)
      continue;
    double s = score[a];
    if (s != s || (positive_only && !(s > 0)) || (n == k && !(s > best[n - 1])))
      continue; /* NaN, not positive, or not in the top k */
    uint32_t i = n < k ? n++ : k - 1;
    for (; i > 0 && best[i - 1] < s; i--) {
      best[i] = best[i - 1];
      app_of[i] = app_of[i - 1];
    }
    best[i] = s;
    app_of[i] = a;
  }
  for (uint32_t i = 0; i < n; i++)
    gb_slate_put(out, app_of[i], 1.0);
}

/* ---- feedback ----------------------------------------------------------------------------------
 */

enum { REC_BOUGHT = 1u, REC_PLAYED = 2u, REC_CONVERTED = 4u, REC_SHIFT = 3 };

void gb_slate_obs_init(gb_slate_obs *o, unsigned what, uint32_t apps) {
  memset(o, 0, sizeof *o);
  o->what = what;
  o->apps = apps;
}

void gb_slate_obs_free(gb_slate_obs *o) {
  for (size_t i = 0; i < o->players_cap; i++)
    free(o->players[i].rec);
  free(o->players);
  memset(o, 0, sizeof *o);
}

/* The player's record of app (created with no flags). */
static uint32_t *record(gb_slate_obs *o, uint32_t slot, uint32_t app) {
  GB_GROW_OR_DIE(o->players, o->players_cap, (size_t)slot + 1, 1024, "store players");
  gb_slate_player *p = &o->players[slot];
  uint32_t lo = 0, hi = p->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (p->rec[mid] >> REC_SHIFT < app)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < p->n && p->rec[lo] >> REC_SHIFT == app)
    return &p->rec[lo];
  size_t cap = p->cap;
  GB_GROW_OR_DIE(p->rec, cap, (size_t)p->n + 1, 4, "a store player's apps");
  p->cap = (uint32_t)cap;
  memmove(p->rec + lo + 1, p->rec + lo, (p->n - lo) * sizeof *p->rec);
  p->rec[lo] = app << REC_SHIFT;
  p->n++;
  return &p->rec[lo];
}

static void add(gb_tally *delta, unsigned tag, uint64_t low, int64_t inc) {
  gb_tally_add(delta, gb_algo_key(tag, low), inc);
}

void gb_slate_obs_feedback(gb_slate_obs *o, const gb_slate_feedback *f, gb_tally *delta) {
  if (f->app >= o->apps)
    return;
  bool pop = o->what & GB_SLATE_COUNT_POP, rate = o->what & GB_SLATE_COUNT_RATE,
       pairs = o->what & GB_SLATE_COUNT_PAIRS;
  uint64_t pair = gb_slate_pair_low(f->player_id, f->app);
  if (f->signal == GB_SLATE_SHOWN) {
    if (rate)
      add(delta, GB_TAG_STORE_SHOWN, f->app, 1);
    return;
  }
  if (f->signal == GB_SLATE_CLICKED)
    return;
  uint32_t *r = record(o, f->slot, f->app);
  switch (f->signal) {
  case GB_SLATE_PURCHASED:
    if (*r & REC_BOUGHT)
      return; /* once per player */
    *r |= REC_BOUGHT;
    if (pop)
      add(delta, GB_TAG_STORE_BOUGHT, f->app, 1);
    if (pairs)
      add(delta, GB_TAG_STORE_PAIR, pair, 1);
    if (f->place != GB_SLATE_ORGANIC) {
      *r |= REC_CONVERTED;
      if (rate)
        add(delta, GB_TAG_STORE_CONVERTED, f->app, 1);
    }
    return;
  case GB_SLATE_PLAYED:
    if (*r & REC_PLAYED)
      return;
    *r |= REC_PLAYED;
    if (pop)
      add(delta, GB_TAG_STORE_PLAYERS, f->app, 1);
    if (pairs)
      add(delta, GB_TAG_STORE_PAIR, pair, 1);
    return;
  case GB_SLATE_REFUNDED:
    if (!(*r & REC_BOUGHT))
      return;
    if (pop)
      add(delta, GB_TAG_STORE_BOUGHT, f->app, -1);
    if (pairs)
      add(delta, GB_TAG_STORE_PAIR, pair, -1);
    if (rate && (*r & REC_CONVERTED))
      add(delta, GB_TAG_STORE_CONVERTED, f->app, -1);
    *r &= ~(uint32_t)(REC_BOUGHT | REC_CONVERTED);
    return;
  default:
    return;
  }
}

uint32_t gb_slate_pick_uniform(uint64_t seed, const gb_slate_request *req, uint16_t arm, uint32_t j,
                               uint32_t r, uint32_t *placed, size_t *n_placed) {
  double u = gb_slate_draw(seed, req->decision_id, GB_SALT_PICK, arm, j);
  uint32_t app = gb_slate_nth_free(req, placed, *n_placed, (uint64_t)(u * (double)r));
  gb_slate_insert_sorted(placed, n_placed, app);
  return app;
}

bool gb_slate_epoch_take(gb_tally *pending, const gb_tally *merged, int64_t boundary_ms,
                         int64_t epoch_ms, gb_tally_entry **e, size_t *n) {
  gb_tally_merge(pending, merged);
  if (boundary_ms % epoch_ms != 0)
    return false;
  gb_err err = {0};
  if (gb_tally_sorted(pending, e, n, &err) != 0)
    GB_FATAL("%s", err.msg);
  gb_tally_clear(pending);
  return true;
}
