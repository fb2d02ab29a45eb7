#include "gb_progress.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_matcher_defs.h"
#include "gb_prefetch.h"

enum { MS_PER_DAY = 86400000, MS_PER_MIN = 60000 };
/* UTC offsets in use span -12:00 .. +14:00; 840 minutes bounds both sides. */
enum { UTC_OFFSET_MAX_MIN = 840 };
static const uint32_t NONE = UINT32_MAX;
/* "No day achieved yet": far enough below any real day index that day - 1 never reaches it. */
static const int64_t NO_DAY = INT64_MIN / 2;

typedef struct entry {
  uint64_t player_id, prop_id;
  uint32_t ordinal;
  uint32_t next; /* next entry of the same player, or of the free list */
  uint32_t gen;  /* bumped when freed: heap items of an older generation are stale */
  int32_t utc_offset_min;
  int64_t start_ms, deadline_ms; /* deadline 0 = none */
  gb_progress_reason deadline_reason;
  double progress;
  int64_t day;          /* local day index the progress counts for (daily rules) */
  int64_t last_met_day; /* last local day whose target was met (streaks) */
  int32_t streak;
  bool day_met;
} entry;

/* A bucket of the players' open-addressing table holds the player itself (not an index into
 * another array): the pipeline asks about the player of every event, and one cache line per
 * question is what keeps that cheap when the table outgrows the caches. */
typedef struct player {
  uint64_t id;
  uint32_t head; /* first entry, NONE when none */
  uint32_t n;    /* entries; UNUSED marks an empty bucket */
} player;

/* n of an empty bucket: far above GB_PROGRESS_PLAYER_MAX. */
static const uint32_t UNUSED = UINT32_MAX;

typedef struct deadline {
  int64_t ms;
  uint32_t entry, gen;
} deadline;

struct gb_progress {
  const gb_catalog *c;
  entry *entries;
  size_t n_entries, cap_entries;
  uint32_t free_head;
  size_t active;
  player *players;  /* open addressing, linear probing; players are never removed */
  size_t n_players; /* buckets in use */
  size_t n_slots;   /* buckets: 0 or a power of two */
  deadline *heap;
  size_t n_heap, cap_heap;
  gb_view view;
};

int gb_progress_new(const gb_catalog *c, gb_progress **out, gb_err *err) {
  gb_progress *p = calloc(1, sizeof *p);
  if (!p)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a progress tracker");
  p->c = c;
  p->free_head = NONE;
  gb_view_init(&p->view);
  *out = p;
  return 0;
}

void gb_progress_free(gb_progress *p) {
  if (!p)
    return;
  free(p->entries);
  free(p->players);
  free(p->heap);
  gb_view_free(&p->view);
  free(p);
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t local_day(int64_t ts_ms, int32_t offset_min) {
  return floor_div(ts_ms + (int64_t)offset_min * MS_PER_MIN, MS_PER_DAY);
}

static uint64_t mix(uint64_t x) { /* splitmix64 finaliser: spreads sequential player ids */
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/* ---- players ---- */

static size_t home(const gb_progress *p, uint64_t id) { return mix(id) & (p->n_slots - 1); }

/* The bucket for id: where it is, else the empty one that ends its probe sequence. */
static player *bucket_for(player *table, size_t mask, uint64_t id) {
  size_t i = mix(id) & mask;
  while (table[i].n != UNUSED && table[i].id != id)
    i = (i + 1) & mask;
  return &table[i];
}

static player *find_player(const gb_progress *p, uint64_t id) {
  if (p->n_slots == 0)
    return NULL;
  player *pl = bucket_for(p->players, p->n_slots - 1, id);
  return pl->n == UNUSED ? NULL : pl;
}

/* Rehashes the players into a table twice the size: a new table, not an array's growth (the
 * old one is read while the new one fills). Per-player state all the same: out of memory stops
 * the program (gb_grow.h's hot-path rule). */
static void grow_players(gb_progress *p) {
  size_t n_slots = p->n_slots ? p->n_slots * 2 : 512;
  player *table = malloc(n_slots * sizeof *table);
  if (!table)
    GB_FATAL("progress: out of memory for a table of %zu players", n_slots);
  for (size_t i = 0; i < n_slots; i++)
    table[i] = (player){.id = 0, .head = NONE, .n = UNUSED};
  for (size_t i = 0; i < p->n_slots; i++)
    if (p->players[i].n != UNUSED)
      *bucket_for(table, n_slots - 1, p->players[i].id) = p->players[i];
  free(p->players);
  p->players = table;
  p->n_slots = n_slots;
}

/* Adds player id (not present); the pointer is valid until the next add. */
static player *add_player(gb_progress *p, uint64_t id) {
  if ((p->n_players + 1) * 2 > p->n_slots) /* load factor <= 1/2 */
    grow_players(p);
  player *pl = bucket_for(p->players, p->n_slots - 1, id);
  *pl = (player){.id = id, .head = NONE, .n = 0};
  p->n_players++;
  return pl;
}

/* ---- entries and deadlines ---- */

/* A free entry; growing the entries is per-player state: a failure stops the program. */
static uint32_t alloc_entry(gb_progress *p) {
  if (p->free_head != NONE) {
    uint32_t i = p->free_head;
    p->free_head = p->entries[i].next;
    return i;
  }
  if (p->n_entries >= NONE - 1) /* entries are numbered in 32 bits */
    GB_FATAL("progress: more than %u challenges tracked at once", NONE - 1);
  GB_GROW_OR_DIE(p->entries, p->cap_entries, p->n_entries + 1, 256, "tracked challenges");
  p->entries[p->n_entries].gen = 0;
  return (uint32_t)p->n_entries++;
}

/* Unlinks entry i (whose predecessor in its player's list is prev, or NONE) and frees it. */
static void remove_entry(gb_progress *p, player *pl, uint32_t prev, uint32_t i) {
  entry *e = &p->entries[i];
  if (prev == NONE)
    pl->head = e->next;
  else
    p->entries[prev].next = e->next;
  pl->n--;
  e->gen++;
  e->next = p->free_head;
  p->free_head = i;
  p->active--;
}

static bool heap_less(const deadline *a, const deadline *b) { return a->ms < b->ms; }

static void heap_push(gb_progress *p, deadline d) {
  GB_GROW_OR_DIE(p->heap, p->cap_heap, p->n_heap + 1, 256, "challenge deadlines");
  size_t i = p->n_heap++;
  while (i > 0 && heap_less(&d, &p->heap[(i - 1) / 2])) {
    p->heap[i] = p->heap[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  p->heap[i] = d;
}

static void heap_pop(gb_progress *p) {
  deadline last = p->heap[--p->n_heap];
  size_t i = 0;
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= p->n_heap)
      break;
    if (child + 1 < p->n_heap && heap_less(&p->heap[child + 1], &p->heap[child]))
      child++;
    if (!heap_less(&p->heap[child], &last))
      break;
    p->heap[i] = p->heap[child];
    i = child;
  }
  if (p->n_heap > 0)
    p->heap[i] = last;
}

/* ---- API ---- */

int gb_progress_start(gb_progress *p, uint64_t player_id, uint64_t prop_id, uint32_t ordinal,
                      int64_t ts_ms, int32_t utc_offset_min, gb_err *err) {
  if (ordinal >= gb_catalog_size(p->c) || !gb_catalog_def(p->c, ordinal)->pub.active)
    return gb_err_set(err, GB_ERR_INPUT, "progress: player %llu prop %llu: no active challenge %u",
                      (unsigned long long)player_id, (unsigned long long)prop_id, ordinal);
  if (utc_offset_min < -UTC_OFFSET_MAX_MIN || utc_offset_min > UTC_OFFSET_MAX_MIN)
    return gb_err_set(err, GB_ERR_INPUT, "progress: player %llu: UTC offset %d min out of range",
                      (unsigned long long)player_id, utc_offset_min);
  player *pl = find_player(p, player_id);
  if (pl) {
    if (pl->n >= GB_PROGRESS_PLAYER_MAX)
      return gb_err_set(err, GB_ERR_INPUT, "progress: player %llu already has %d challenges",
                        (unsigned long long)player_id, GB_PROGRESS_PLAYER_MAX);
    for (uint32_t i = pl->head; i != NONE; i = p->entries[i].next)
      if (p->entries[i].prop_id == prop_id)
        return gb_err_set(err, GB_ERR_INPUT, "progress: player %llu: prop %llu already started",
                          (unsigned long long)player_id, (unsigned long long)prop_id);
  } else {
    pl = add_player(p, player_id);
  }
  uint32_t i = alloc_entry(p); /* moves entries, never players */
  const gb_rule *r = &gb_catalog_def(p->c, ordinal)->rule;
  entry *e = &p->entries[i];
  uint32_t gen = e->gen;
  memset(e, 0, sizeof *e);
  e->gen = gen;
  e->player_id = player_id;
  e->prop_id = prop_id;
  e->ordinal = ordinal;
  e->utc_offset_min = utc_offset_min;
  e->start_ms = ts_ms;
  e->day = local_day(ts_ms, utc_offset_min);
  e->last_met_day = NO_DAY;
  if (r->window_ms && (!r->ttl_ms || r->window_ms <= r->ttl_ms)) {
    e->deadline_ms = ts_ms + r->window_ms;
    e->deadline_reason = GB_PROGRESS_WINDOW;
  } else if (r->ttl_ms) {
    e->deadline_ms = ts_ms + r->ttl_ms;
    e->deadline_reason = GB_PROGRESS_TTL;
  }
  if (e->deadline_ms)
    heap_push(p, (deadline){e->deadline_ms, i, gen});
  e->next = pl->head;
  pl->head = i;
  pl->n++;
  p->active++;
  return 0;
}

static int64_t rule_target(const gb_rule *r) { return r->kind == GB_RULE_NONE ? 1 : r->target; }

static void fill(gb_progress_outcome *o, const entry *e, const gb_rule *r, gb_progress_kind kind,
                 int64_t ts) {
  memset(o, 0, sizeof *o);
  o->prop_id = e->prop_id;
  o->ordinal = e->ordinal;
  o->kind = kind;
  o->progress = (int64_t)floor(e->progress);
  o->target = r ? rule_target(r) : 0;
  o->player_id = e->player_id;
  o->streak = e->streak;
  o->streak_target = r ? r->streak : 0;
  o->ts = ts;
}

static bool matched_has(const uint32_t *m, size_t n, uint32_t ordinal) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (m[mid] < ordinal)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && m[lo] == ordinal;
}

/* Daily rules: moves the entry to the event's local day. Returns true when progress or the
 * streak dropped to 0. */
static bool roll_day(entry *e, const gb_rule *r, int64_t ts) {
  int64_t day = local_day(ts, e->utc_offset_min);
  if (!r->daily || day <= e->day)
    return false;
  bool reset = e->progress != 0 && !e->day_met;
  if (r->streak && e->last_met_day < day - 1 && e->streak > 0) { /* a day was missed */
    e->streak = 0;
    reset = true;
  }
  e->progress = 0;
  e->day = day;
  e->day_met = false;
  return reset;
}

/* What one matching event adds: 1, or the summed field (0 when absent or not a number). */
static double increment(gb_progress *p, const gb_rule *r, const gb_attrs *a, bool *resolved) {
  if (r->kind != GB_RULE_SUM)
    return 1;
  if (!*resolved) {
    gb_view_resolve(&p->view, p->c, a);
    *resolved = true;
  }
  const gb_aval *v = gb_view_get(&p->view, r->sum_attr);
  return v && v->has_num ? v->num : 0;
}

static bool breaks(gb_progress *p, const gb_def *d, const gb_attrs *a, bool *resolved) {
  if (d->n_break == 0)
    return false;
  if (!*resolved) {
    gb_view_resolve(&p->view, p->c, a);
    *resolved = true;
  }
  return gb_preds_match(d, d->n_preds, d->n_break, &p->view);
}

/* Applies one event to one entry; returns true and fills o when there is an outcome. *done is
 * set when the entry must be removed (completed or failed). */
static bool apply(gb_progress *p, entry *e, int64_t ts, const gb_attrs *a, const uint32_t *matched,
                  size_t n_matched, bool *resolved, gb_progress_outcome *o, bool *done) {
  const gb_def *d = gb_catalog_def(p->c, e->ordinal);
  *done = false;
  if (!d->pub.active) {
    fill(o, e, NULL, GB_PROGRESS_FAILED, ts);
    o->reason = GB_PROGRESS_DELETED;
    *done = true;
    return true;
  }
  const gb_rule *r = &d->rule;
  if (e->deadline_ms && ts >= e->deadline_ms) {
    fill(o, e, r, GB_PROGRESS_FAILED, ts);
    o->reason = e->deadline_reason;
    *done = true;
    return true;
  }
  bool reset = roll_day(e, r, ts);
  if (breaks(p, d, a, resolved)) {
    reset |= e->progress != 0;
    e->progress = 0;
  } else if (matched_has(matched, n_matched, e->ordinal) && !e->day_met) {
    e->progress += increment(p, r, a, resolved);
    gb_progress_kind kind = GB_PROGRESS_ADVANCED;
    if (e->progress >= (double)rule_target(r)) {
      if (r->streak) {
        e->day_met = true;
        e->last_met_day = e->day;
        e->streak++;
      }
      if (!r->streak || e->streak >= r->streak)
        kind = GB_PROGRESS_COMPLETED;
    }
    fill(o, e, r, kind, ts);
    *done = kind == GB_PROGRESS_COMPLETED;
    return true;
  }
  if (!reset)
    return false;
  fill(o, e, r, GB_PROGRESS_RESET, ts);
  return true;
}

size_t gb_progress_update(gb_progress *p, uint64_t player_id, int64_t ts_ms, const gb_attrs *a,
                          const uint32_t *matched, size_t n_matched, gb_progress_outcome *out,
                          size_t cap) {
  player *pl = find_player(p, player_id);
  if (!pl)
    return 0;
  size_t n = 0;
  bool resolved = false;
  uint32_t prev = NONE;
  for (uint32_t i = pl->head; i != NONE;) {
    entry *e = &p->entries[i];
    uint32_t next = e->next;
    gb_progress_outcome o;
    bool done = false;
    if (ts_ms >= e->start_ms && apply(p, e, ts_ms, a, matched, n_matched, &resolved, &o, &done)) {
      if (n < cap)
        out[n] = o;
      n++;
    }
    if (done)
      remove_entry(p, pl, prev, i);
    else
      prev = i;
    i = next;
  }
  return n;
}

int gb_progress_cancel(gb_progress *p, uint64_t player_id, uint64_t prop_id) {
  player *pl = find_player(p, player_id);
  if (!pl)
    return -1;
  uint32_t prev = NONE;
  for (uint32_t i = pl->head; i != NONE; prev = i, i = p->entries[i].next)
    if (p->entries[i].prop_id == prop_id) {
      remove_entry(p, pl, prev, i);
      return 0;
    }
  return -1;
}

size_t gb_progress_expire(gb_progress *p, int64_t now_ms, gb_progress_outcome *out, size_t cap) {
  size_t n = 0;
  while (n < cap && p->n_heap > 0 && p->heap[0].ms <= now_ms) {
    deadline d = p->heap[0];
    heap_pop(p);
    entry *e = &p->entries[d.entry];
    if (e->gen != d.gen)
      continue; /* completed, failed or cancelled since */
    const gb_def *def = gb_catalog_def(p->c, e->ordinal);
    fill(&out[n], e, def->pub.active ? &def->rule : NULL, GB_PROGRESS_FAILED, d.ms);
    out[n].reason = def->pub.active ? e->deadline_reason : GB_PROGRESS_DELETED;
    n++;
    player *pl = find_player(p, e->player_id);
    uint32_t prev = NONE;
    for (uint32_t i = pl->head; i != d.entry; i = p->entries[i].next)
      prev = i;
    remove_entry(p, pl, prev, d.entry);
  }
  return n;
}

int gb_progress_peek(const gb_progress *p, uint64_t player_id, uint64_t prop_id,
                     gb_progress_outcome *out) {
  const player *pl = find_player(p, player_id);
  for (uint32_t i = pl ? pl->head : NONE; i != NONE; i = p->entries[i].next) {
    const entry *e = &p->entries[i];
    if (e->prop_id != prop_id)
      continue;
    const gb_def *d = gb_catalog_def(p->c, e->ordinal);
    fill(out, e, d->pub.active ? &d->rule : NULL, GB_PROGRESS_ADVANCED, e->start_ms);
    return 0;
  }
  return -1;
}

void gb_progress_prefetch(const gb_progress *p, uint64_t player_id) {
  if (p->n_slots > 0)
    __builtin_prefetch(&p->players[home(p, player_id)]);
}

size_t gb_progress_player_active(const gb_progress *p, uint64_t player_id) {
  const player *pl = find_player(p, player_id);
  if (!pl)
    return 0;
  if (pl->head != NONE) { /* what gb_progress_update reads next (the caller matches meanwhile) */
    gb_prefetch_span(&p->entries[pl->head], sizeof p->entries[pl->head]);
  }
  return pl->n;
}

size_t gb_progress_active(const gb_progress *p) { return p->active; }
