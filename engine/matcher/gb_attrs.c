#include "gb_attrs.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_rng.h"

/* Seed of the key hash: any fixed value; it only has to be the same everywhere. */
enum { KEY_HASH_SEED = 0x6b6579 /* "key" */ };

/* Longest string tried as a number: longer numerals (beyond double precision) are not numbers
 * that criteria could meaningfully compare anyway. */
enum { NUMBER_TEXT_MAX = 63 };

/* The schema keys (what gb_attrs_add_event and gb_attrs_add_player write): id, name. The order
 * fixes the ids of gb_attrs_schema_key; append only. */
#define SCHEMA_KEYS(X)                                                                             \
  X(K_EVENT_ID, "event_id")                                                                        \
  X(K_TYPE, "type")                                                                                \
  X(K_TS, "ts")                                                                                    \
  X(K_PLAYER_ID, "player_id")                                                                      \
  X(K_SESSION_ID, "session_id")                                                                    \
  X(K_PLATFORM, "platform")                                                                        \
  X(K_COUNTRY, "country")                                                                          \
  X(K_GAME, "game")                                                                                \
  X(K_ROOM, "room")                                                                                \
  X(K_BET, "bet")                                                                                  \
  X(K_COIN_BALANCE, "coin_balance")                                                                \
  X(K_LEVEL, "level")                                                                              \
  X(K_WON, "won")                                                                                  \
  X(K_SCORE, "score")                                                                              \
  X(K_COINS_DELTA, "coins_delta")                                                                  \
  X(K_SKU, "sku")                                                                                  \
  X(K_AMOUNT, "amount")                                                                            \
  X(K_CURRENCY, "currency")                                                                        \
  X(K_APP_ID, "app_id")                                                                            \
  X(K_PRICE, "price")                                                                              \
  X(K_DISCOUNT, "discount")                                                                        \
  X(K_PROP_ID, "prop_id")                                                                          \
  X(K_CHALLENGE_ID, "challenge_id")                                                                \
  X(K_ARM, "arm")                                                                                  \
  X(K_TTL_S, "ttl_s")                                                                              \
  X(K_DECISION_ID, "decision_id")                                                                  \
  X(K_PROGRESS, "progress")                                                                        \
  X(K_TARGET, "target")                                                                            \
  X(K_REWARD_TYPE, "reward_type")                                                                  \
  X(K_MINUTES, "minutes")                                                                          \
  X(K_RECOMMENDED, "recommended")                                                                  \
  X(K_HOURS_AT_REVIEW, "hours_at_review")                                                          \
  X(K_DURATION_MS, "duration_ms")                                                                  \
  X(K_OFFER_TYPE, "offer_type")                                                                    \
  X(K_EFFECTIVE_TS, "effective_ts")                                                                \
  X(K_PLAYER_LEVEL, "player.level")                                                                \
  X(K_PLAYER_COIN_BALANCE, "player.coin_balance")                                                  \
  X(K_PLAYER_PREFERRED_GAME, "player.preferred_game")                                              \
  X(K_PLAYER_DAYS_SINCE_INSTALL, "player.days_since_install")

enum schema_key {
#define GB_X_ENUM(k, name) k,
  SCHEMA_KEYS(GB_X_ENUM)
#undef GB_X_ENUM
      N_KEYS
};

static const char *const key_names[N_KEYS] = {
#define GB_X_NAME(k, name) [k] = name,
    SCHEMA_KEYS(GB_X_NAME)
#undef GB_X_NAME
};

static const uint8_t key_lens[N_KEYS] = {
#define GB_X_LEN(k, name) [k] = sizeof(name) - 1,
    SCHEMA_KEYS(GB_X_LEN)
#undef GB_X_LEN
};

/* Open-addressing table from a key's hash to its schema id + 1 (0 = empty): a power of two at
 * least twice the number of schema keys, so that probes stay short. */
enum { LOOKUP_SLOTS = 128 };

/* Initial capacities: an event of the schema has at most ~20 attributes and ~100 bytes of
 * strings, so steady-state use never grows them. */
enum { ENTRIES_INIT = 32, ARENA_INIT = 512 };

typedef struct entry {
  gb_attr_val v; /* v.str points into the arena (re-pointed when the arena moves) */
  uint64_t key_hash;
  uint32_t key_id;           /* schema id, or GB_ATTRS_KEY_OTHER */
  uint32_t key_off, key_len; /* key_off: arena offset of an OTHER key (schema names are static) */
  uint32_t str_off;
} entry;

typedef struct other_slot {
  uint32_t gen, index; /* index: into e[] */
} other_slot;

/* The first table of keys outside the schema; it doubles as they come. */
enum { OTHER_SLOTS_INIT = 64 };

struct gb_attrs {
  entry *e;
  size_t n, cap;
  char *arena; /* OTHER keys and strings, NUL-terminated, by offset (realloc moves it) */
  size_t used, arena_cap;
  /* Schema keys present in this event: stamp[k] == gen, at entry index where[k]. Clearing bumps
   * gen: O(1). */
  uint32_t gen;
  uint32_t stamp[N_KEYS];
  uint32_t where[N_KEYS];
  uint64_t key_hash[N_KEYS]; /* gb_attrs_key_hash of each schema key, computed once */
  uint8_t lookup[LOOKUP_SLOTS];
  /* Keys outside the schema: open addressing from the key's hash to its entry, a slot live when
   * its gen is the builder's (clearing is O(1) as for the schema keys); at most half full, so a
   * lookup compares about one key whatever the number of attributes. */
  other_slot *other;
  size_t other_cap, n_other; /* other_cap: 0 or a power of two */
  uint64_t key_compares;     /* gb_attrs_key_compares */
};

uint64_t gb_attrs_key_hash(const char *key, size_t len) {
  return gb_hash_bytes(key, len, KEY_HASH_SEED);
}

int gb_attrs_new(gb_attrs **out, gb_err *err) {
  gb_attrs *a = calloc(1, sizeof *a);
  if (!a)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for an attribute builder");
  if (GB_GROW(a->e, a->cap, ENTRIES_INIT, ENTRIES_INIT, "event attributes", err) != 0 ||
      GB_GROW(a->arena, a->arena_cap, ARENA_INIT, ARENA_INIT, "bytes of event attributes", err) !=
          0) {
    gb_attrs_free(a);
    return -1;
  }
  a->gen = 1;
  for (uint32_t k = 0; k < N_KEYS; k++) {
    a->key_hash[k] = gb_attrs_key_hash(key_names[k], key_lens[k]);
    size_t i = a->key_hash[k] & (LOOKUP_SLOTS - 1);
    while (a->lookup[i] != 0)
      i = (i + 1) & (LOOKUP_SLOTS - 1);
    a->lookup[i] = (uint8_t)(k + 1);
  }
  *out = a;
  return 0;
}

void gb_attrs_free(gb_attrs *a) {
  if (!a)
    return;
  free(a->e);
  free(a->arena);
  free(a->other);
  free(a);
}

void gb_attrs_clear(gb_attrs *a) {
  a->n = 0;
  a->used = 0;
  a->n_other = 0;
  if (++a->gen == 0) { /* wrapped: forget every old stamp once per 2^32 events */
    memset(a->stamp, 0, sizeof a->stamp);
    if (a->other)
      memset(a->other, 0, a->other_cap * sizeof *a->other);
    a->gen = 1;
  }
}

uint32_t gb_attrs_schema_size(void) { return N_KEYS; }

const char *gb_attrs_schema_key(uint32_t id) { return id < N_KEYS ? key_names[id] : NULL; }

uint32_t gb_attrs_schema_id(const char *key, size_t len) {
  for (uint32_t k = 0; k < N_KEYS; k++)
    if (key_lens[k] == len && memcmp(key_names[k], key, len) == 0)
      return k;
  return GB_ATTRS_KEY_OTHER;
}

/* The schema id of key[0..len) with hash h, through the instance's hash table. */
static uint32_t schema_lookup(const gb_attrs *a, const char *key, size_t len, uint64_t h) {
  for (size_t i = h & (LOOKUP_SLOTS - 1); a->lookup[i] != 0; i = (i + 1) & (LOOKUP_SLOTS - 1)) {
    uint32_t k = a->lookup[i] - 1u;
    if (a->key_hash[k] == h && key_lens[k] == len && memcmp(key_names[k], key, len) == 0)
      return k;
  }
  return GB_ATTRS_KEY_OTHER;
}

bool gb_attrs_parse_number(const char *s, size_t len, double *out) {
  if (len == 0 || len > NUMBER_TEXT_MAX)
    return false;
  /* Cheap rejection first: most strings (game names, rooms) are not numbers. */
  char c = s[0];
  if (!(c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')))
    return false;
  char buf[NUMBER_TEXT_MAX + 1];
  for (size_t i = 0; i < len; i++) {
    /* strtod also reads hex floats, "inf" and "nan": only decimal notation is a number here. */
    if (s[i] == 'x' || s[i] == 'X' || s[i] == 'n' || s[i] == 'N' || s[i] == 'i' || s[i] == 'I')
      return false;
    buf[i] = s[i];
  }
  buf[len] = '\0';
  char *end = NULL;
  double v = strtod(buf, &end);
  if (end != buf + len || !isfinite(v))
    return false;
  *out = v == 0 ? 0.0 : v; /* -0 and 0 are the same number */
  return true;
}

/* Makes room for need more arena bytes (rare: only while an event grows past every earlier one,
 * so kept out of the setters' way). Per-event state: a failed growth stops the program
 * (gb_grow.h); -1 only past the 32-bit offsets (4 GiB of one event's strings). */
static __attribute__((noinline)) int arena_grow(gb_attrs *a, size_t need) {
  if (need > UINT32_MAX - a->used)
    return -1;
  GB_GROW_OR_DIE(a->arena, a->arena_cap, a->used + need, ARENA_INIT, "bytes of event attributes");
  for (size_t i = 0; i < a->n; i++) /* the values' pointers follow the arena */
    if (a->e[i].v.has_str)
      a->e[i].v.str = a->arena + a->e[i].str_off;
  return 0;
}

static inline int arena_put(gb_attrs *a, const char *s, size_t len, uint32_t *off) {
  if (len > UINT32_MAX / 2)
    return -1;
  if (a->used + len + 1 > a->arena_cap && arena_grow(a, len + 1) != 0)
    return -1;
  memcpy(a->arena + a->used, s, len);
  a->arena[a->used + len] = '\0';
  *off = (uint32_t)a->used;
  a->used += len + 1;
  return 0;
}

/* A new entry (no value yet) at the end. Per-event state: a failed growth stops the program
 * (gb_grow.h). */
static inline entry *append(gb_attrs *a, uint32_t key_id, uint64_t h) {
  GB_GROW_OR_DIE(a->e, a->cap, a->n + 1, ENTRIES_INIT, "event attributes");
  entry *e = &a->e[a->n++];
  e->key_id = key_id;
  e->key_hash = h;
  e->v.has_str = e->v.has_num = false;
  e->v.num = 0;
  return e;
}

/* The entry of schema key k, created when absent: O(1). */
static inline entry *slot_id(gb_attrs *a, uint32_t k) {
  if (a->stamp[k] == a->gen)
    return &a->e[a->where[k]];
  entry *e = append(a, k, a->key_hash[k]);
  e->key_len = key_lens[k];
  a->where[k] = (uint32_t)(a->n - 1);
  a->stamp[k] = a->gen;
  return e;
}

static inline bool other_is(const gb_attrs *a, const entry *e, const char *key, size_t len,
                            uint64_t h) {
  return e->key_hash == h && e->key_len == len && memcmp(a->arena + e->key_off, key, len) == 0;
}

/* Doubles the table of keys outside the schema and puts this event's keys back in. Per-event
 * state: a failed allocation stops the program (gb_grow.h). */
static __attribute__((noinline)) void other_grow(gb_attrs *a) {
  size_t cap = a->other_cap ? 2 * a->other_cap : OTHER_SLOTS_INIT;
  other_slot *t = calloc(cap, sizeof *t);
  if (!t)
    GB_FATAL("out of memory for %zu slots of event attributes", cap);
  for (size_t j = 0; j < a->n; j++) {
    if (a->e[j].key_id != GB_ATTRS_KEY_OTHER)
      continue;
    size_t i = a->e[j].key_hash & (cap - 1);
    while (t[i].gen == a->gen)
      i = (i + 1) & (cap - 1);
    t[i] = (other_slot){a->gen, (uint32_t)j};
  }
  free(a->other);
  a->other = t;
  a->other_cap = cap;
}

/* The entry for key, created (without a value) when absent; NULL when the key is empty or
 * longer than 2 GiB. */
static entry *slot(gb_attrs *a, const char *key) {
  size_t klen = strlen(key);
  if (klen == 0 || klen > UINT32_MAX / 2)
    return NULL;
  uint64_t h = gb_attrs_key_hash(key, klen);
  uint32_t k = schema_lookup(a, key, klen, h);
  if (k != GB_ATTRS_KEY_OTHER)
    return slot_id(a, k);
  if (2 * (a->n_other + 1) > a->other_cap)
    other_grow(a);
  size_t i = h & (a->other_cap - 1);
  for (; a->other[i].gen == a->gen; i = (i + 1) & (a->other_cap - 1)) {
    entry *e = &a->e[a->other[i].index];
    a->key_compares++;
    if (other_is(a, e, key, klen, h))
      return e;
  }
  uint32_t off;
  if (arena_put(a, key, klen, &off) != 0)
    return NULL;
  entry *e = append(a, GB_ATTRS_KEY_OTHER, h);
  e->key_off = off;
  e->key_len = (uint32_t)klen;
  a->other[i] = (other_slot){a->gen, (uint32_t)(a->n - 1)};
  a->n_other++;
  return e;
}

static inline int put_value_str(gb_attrs *a, entry *e, const char *val, size_t len) {
  uint32_t off;
  if (!e || arena_put(a, val, len, &off) != 0)
    return -1;
  e->str_off = off;
  e->v.has_str = true;
  e->v.str = a->arena + off;
  e->v.str_len = (uint32_t)len;
  e->v.num = 0; /* a defined value even when it is not a number */
  e->v.has_num = gb_attrs_parse_number(val, len, &e->v.num);
  return 0;
}

static inline int put_value_num(entry *e, double val) {
  if (!e)
    return -1;
  e->v.has_str = false;
  e->v.has_num = true;
  e->v.num = val == 0 ? 0.0 : val; /* -0 and 0 are the same number */
  return 0;
}

int gb_attrs_set_str(gb_attrs *a, const char *key, const char *val, size_t len) {
  return put_value_str(a, slot(a, key), val, len);
}

int gb_attrs_set_num(gb_attrs *a, const char *key, double val) {
  if (!isfinite(val))
    return -1;
  return put_value_num(slot(a, key), val);
}

size_t gb_attrs_size(const gb_attrs *a) { return a->n; }

uint64_t gb_attrs_key_compares(const gb_attrs *a) { return a->key_compares; }

void gb_attrs_get(const gb_attrs *a, size_t i, gb_attr_value *out) {
  const entry *e = &a->e[i];
  out->key = e->key_id != GB_ATTRS_KEY_OTHER ? key_names[e->key_id] : a->arena + e->key_off;
  out->key_len = e->key_len;
  out->key_hash = e->key_hash;
  out->key_id = e->key_id;
  out->has_str = e->v.has_str;
  out->has_num = e->v.has_num;
  out->str = e->v.has_str ? e->v.str : NULL;
  out->str_len = e->v.has_str ? e->v.str_len : 0;
  out->num = e->v.has_num ? e->v.num : 0;
}

const gb_attr_val *gb_attrs_value_id(const gb_attrs *a, uint32_t key_id) {
  if (key_id >= N_KEYS || a->stamp[key_id] != a->gen)
    return NULL;
  return &a->e[a->where[key_id]].v;
}

/* The entry index of key[0..len) with hash h, or -1. */
static ptrdiff_t find_entry(const gb_attrs *a, const char *key, size_t len, uint64_t h) {
  uint32_t k = schema_lookup(a, key, len, h);
  if (k != GB_ATTRS_KEY_OTHER)
    return k < N_KEYS && a->stamp[k] == a->gen ? (ptrdiff_t)a->where[k] : -1;
  if (a->n_other == 0)
    return -1;
  for (size_t i = h & (a->other_cap - 1); a->other[i].gen == a->gen;
       i = (i + 1) & (a->other_cap - 1))
    if (other_is(a, &a->e[a->other[i].index], key, len, h))
      return (ptrdiff_t)a->other[i].index;
  return -1;
}

const gb_attr_val *gb_attrs_value_hashed(const gb_attrs *a, const char *key, size_t len,
                                         uint64_t hash) {
  ptrdiff_t i = find_entry(a, key, len, hash);
  return i < 0 ? NULL : &a->e[i].v;
}

int gb_attrs_find(const gb_attrs *a, const char *key, gb_attr_value *out) {
  size_t len = strlen(key);
  ptrdiff_t i = find_entry(a, key, len, gb_attrs_key_hash(key, len));
  if (i < 0)
    return -1;
  gb_attrs_get(a, (size_t)i, out);
  return 0;
}

/* Setters by schema id for the event's own fields: no key to hash, copy or compare. A NaN or
 * infinite double leaves the attribute absent, as gb_attrs_set_num does. */
static inline void num_k(gb_attrs *a, uint32_t k, double v) {
  if (isfinite(v))
    put_value_num(slot_id(a, k), v);
}

/* Event fields are bounded inline strings: empty means absent. */
static void str_k(gb_attrs *a, uint32_t k, const char *s) {
  if (s[0] != '\0')
    put_value_str(a, slot_id(a, k), s, strlen(s));
}

static void add_game(gb_attrs *a, const gb_event *ev) {
  const gb_ev_game *g = &ev->u.game;
  str_k(a, K_GAME, g->game);
  str_k(a, K_ROOM, g->room);
  num_k(a, K_BET, (double)g->bet);
  num_k(a, K_COIN_BALANCE, (double)g->coin_balance);
  num_k(a, K_LEVEL, g->level);
  if (ev->type == GB_EV_GAME_END) {
    num_k(a, K_WON, g->won ? 1 : 0);
    num_k(a, K_SCORE, (double)g->score);
    num_k(a, K_COINS_DELTA, (double)g->coins_delta);
  }
}

static void add_purchase(gb_attrs *a, const gb_ev_purchase *p) {
  str_k(a, K_SKU, p->sku);
  num_k(a, K_AMOUNT, p->amount);
  str_k(a, K_CURRENCY, p->currency);
  if (p->app_id != 0) {
    num_k(a, K_APP_ID, p->app_id);
    num_k(a, K_PRICE, p->price);
    num_k(a, K_DISCOUNT, p->discount);
  }
}

static void add_prop(gb_attrs *a, const gb_ev_prop *p) {
  num_k(a, K_PROP_ID, (double)p->prop_id);
  str_k(a, K_CHALLENGE_ID, p->challenge_id);
  str_k(a, K_ARM, p->arm);
  num_k(a, K_TTL_S, (double)p->ttl_s);
  num_k(a, K_DECISION_ID, (double)p->decision_id);
  num_k(a, K_PROGRESS, (double)p->progress);
  num_k(a, K_TARGET, (double)p->target);
  str_k(a, K_REWARD_TYPE, p->reward_type);
  num_k(a, K_AMOUNT, (double)p->amount);
}

static void add_store(gb_attrs *a, const gb_ev_store *s) {
  if (s->app_id != 0)
    num_k(a, K_APP_ID, s->app_id);
  num_k(a, K_MINUTES, s->minutes);
  num_k(a, K_RECOMMENDED, s->recommended ? 1 : 0);
  num_k(a, K_HOURS_AT_REVIEW, s->hours_at_review);
  str_k(a, K_ARM, s->arm);
}

void gb_attrs_add_event(gb_attrs *a, const gb_event *ev) {
  /* 64-bit ids above 2^53 lose precision as doubles; criteria on ids are equality tests on
   * small test ids at most, and the exact ids travel in the event itself. */
  num_k(a, K_EVENT_ID, (double)ev->event_id);
  str_k(a, K_TYPE, gb_event_type_name(ev->type));
  num_k(a, K_TS, (double)ev->ts);
  num_k(a, K_PLAYER_ID, (double)ev->player_id);
  num_k(a, K_SESSION_ID, (double)ev->session_id);
  str_k(a, K_PLATFORM, ev->platform);
  str_k(a, K_COUNTRY, ev->country);
  switch (ev->type) {
  case GB_EV_GAME_START:
  case GB_EV_GAME_END:
    add_game(a, ev);
    break;
  case GB_EV_PURCHASE:
    add_purchase(a, &ev->u.purchase);
    break;
  case GB_EV_LEVEL_UP:
    num_k(a, K_LEVEL, ev->u.level);
    break;
  case GB_EV_BANKRUPT_RELIEF:
    num_k(a, K_AMOUNT, (double)ev->u.relief.amount);
    num_k(a, K_COIN_BALANCE, (double)ev->u.relief.coin_balance);
    break;
  case GB_EV_SESSION_END:
    num_k(a, K_DURATION_MS, (double)ev->u.duration_ms);
    break;
  case GB_EV_PROP_GENERATED:
  case GB_EV_PROP_SHOWN:
  case GB_EV_PROP_USED:
  case GB_EV_PROP_DISCARDED:
  case GB_EV_PROP_EXPIRED:
  case GB_EV_CHALLENGE_PROGRESS:
  case GB_EV_CHALLENGE_COMPLETED:
  case GB_EV_CHALLENGE_FAILED:
  case GB_EV_REWARD_GRANTED:
    add_prop(a, &ev->u.prop);
    break;
  case GB_EV_STORE_VISIT:
  case GB_EV_IMPRESSION:
  case GB_EV_CLICK:
  case GB_EV_WISHLIST:
  case GB_EV_PLAY_SESSION:
  case GB_EV_REVIEW:
  case GB_EV_REFUND:
    add_store(a, &ev->u.store);
    break;
  case GB_EV_OFFER_SHOWN:
  case GB_EV_OFFER_PURCHASED:
  case GB_EV_OFFER_DISMISSED:
    str_k(a, K_OFFER_TYPE, ev->u.offer.offer_type);
    num_k(a, K_PRICE, ev->u.offer.price);
    break;
  case GB_EV_CHALLENGE_UPSERT:
  case GB_EV_CHALLENGE_DELETE:
    str_k(a, K_CHALLENGE_ID, ev->u.control.challenge_id);
    num_k(a, K_EFFECTIVE_TS, (double)ev->u.control.effective_ts);
    break;
  case GB_EV_WATERMARK: /* the engine's own bookkeeping: nothing a definition matches on */
  case GB_EV_APP_LAUNCHED:
  case GB_EV_SESSION_START:
  case GB_EV__COUNT:
    break;
  }
}

void gb_attrs_add_player(gb_attrs *a, const gb_player_state *ps) {
  num_k(a, K_PLAYER_LEVEL, ps->level);
  num_k(a, K_PLAYER_COIN_BALANCE, (double)ps->coin_balance);
  if (ps->preferred_game && ps->preferred_game[0])
    str_k(a, K_PLAYER_PREFERRED_GAME, ps->preferred_game);
  num_k(a, K_PLAYER_DAYS_SINCE_INSTALL, ps->days_since_install);
}
