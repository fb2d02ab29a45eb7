#include "gb_attrs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_rng.h"

/* Seed of the key hash: any fixed value; it only has to be the same everywhere. */
enum { KEY_HASH_SEED = 0x6b6579 /* "key" */ };

/* Longest string tried as a number: longer numerals (beyond double precision) are not numbers
 * that criteria could meaningfully compare anyway. */
enum { NUMBER_TEXT_MAX = 63 };

typedef struct entry {
  uint64_t key_hash;
  uint32_t key_off, key_len;
  uint32_t str_off, str_len;
  bool has_str, has_num;
  double num;
} entry;

struct gb_attrs {
  entry *e;
  size_t n, cap;
  char *arena; /* keys and strings, NUL-terminated, addressed by offset (realloc moves it) */
  size_t used, arena_cap;
};

gb_attrs *gb_attrs_new(void) { return calloc(1, sizeof(gb_attrs)); }

void gb_attrs_free(gb_attrs *a) {
  if (!a)
    return;
  free(a->e);
  free(a->arena);
  free(a);
}

void gb_attrs_clear(gb_attrs *a) {
  a->n = 0;
  a->used = 0;
}

uint64_t gb_attrs_key_hash(const char *key, size_t len) {
  return gb_hash_bytes(key, len, KEY_HASH_SEED);
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

static int arena_put(gb_attrs *a, const char *s, size_t len, uint32_t *off) {
  if (len > UINT32_MAX / 2)
    return -1;
  if (a->used + len + 1 > a->arena_cap) {
    size_t cap = a->arena_cap ? a->arena_cap * 2 : 256;
    while (cap < a->used + len + 1)
      cap *= 2;
    char *p = realloc(a->arena, cap);
    if (!p)
      return -1;
    a->arena = p;
    a->arena_cap = cap;
  }
  memcpy(a->arena + a->used, s, len);
  a->arena[a->used + len] = '\0';
  *off = (uint32_t)a->used;
  a->used += len + 1;
  return 0;
}

/* The entry for key, created (without a value) when absent; NULL when out of memory. */
static entry *slot(gb_attrs *a, const char *key) {
  size_t klen = strlen(key);
  if (klen == 0)
    return NULL;
  uint64_t h = gb_attrs_key_hash(key, klen);
  for (size_t i = 0; i < a->n; i++) {
    entry *e = &a->e[i];
    if (e->key_hash == h && e->key_len == klen && memcmp(a->arena + e->key_off, key, klen) == 0)
      return e;
  }
  if (a->n == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 32;
    entry *p = realloc(a->e, cap * sizeof *p);
    if (!p)
      return NULL;
    a->e = p;
    a->cap = cap;
  }
  entry *e = &a->e[a->n];
  if (arena_put(a, key, klen, &e->key_off) != 0)
    return NULL;
  a->n++;
  e->key_hash = h;
  e->key_len = (uint32_t)klen;
  return e;
}

int gb_attrs_set_str(gb_attrs *a, const char *key, const char *val, size_t len) {
  entry *e = slot(a, key);
  if (!e)
    return -1;
  uint32_t off;
  if (arena_put(a, val, len, &off) != 0)
    return -1;
  e->has_str = true;
  e->str_off = off;
  e->str_len = (uint32_t)len;
  e->has_num = gb_attrs_parse_number(val, len, &e->num);
  return 0;
}

int gb_attrs_set_num(gb_attrs *a, const char *key, double val) {
  if (!isfinite(val))
    return -1;
  entry *e = slot(a, key);
  if (!e)
    return -1;
  e->has_str = false;
  e->has_num = true;
  e->num = val == 0 ? 0.0 : val;
  return 0;
}

size_t gb_attrs_size(const gb_attrs *a) { return a->n; }

void gb_attrs_get(const gb_attrs *a, size_t i, gb_attr_value *out) {
  const entry *e = &a->e[i];
  out->key = a->arena + e->key_off;
  out->key_len = e->key_len;
  out->key_hash = e->key_hash;
  out->has_str = e->has_str;
  out->has_num = e->has_num;
  out->str = e->has_str ? a->arena + e->str_off : NULL;
  out->str_len = e->has_str ? e->str_len : 0;
  out->num = e->has_num ? e->num : 0;
}

int gb_attrs_find(const gb_attrs *a, const char *key, gb_attr_value *out) {
  size_t klen = strlen(key);
  uint64_t h = gb_attrs_key_hash(key, klen);
  for (size_t i = 0; i < a->n; i++) {
    const entry *e = &a->e[i];
    if (e->key_hash == h && e->key_len == klen && memcmp(a->arena + e->key_off, key, klen) == 0) {
      gb_attrs_get(a, i, out);
      return 0;
    }
  }
  return -1;
}

/* Event fields are bounded inline strings: empty means absent. */
static void put_str(gb_attrs *a, const char *key, const char *s) {
  if (s[0] != '\0')
    gb_attrs_set_str(a, key, s, strlen(s));
}

static void add_game(gb_attrs *a, const gb_event *ev) {
  const gb_ev_game *g = &ev->u.game;
  put_str(a, "game", g->game);
  put_str(a, "room", g->room);
  gb_attrs_set_num(a, "bet", (double)g->bet);
  gb_attrs_set_num(a, "coin_balance", (double)g->coin_balance);
  gb_attrs_set_num(a, "level", g->level);
  if (ev->type == GB_EV_GAME_END) {
    gb_attrs_set_num(a, "won", g->won ? 1 : 0);
    gb_attrs_set_num(a, "score", (double)g->score);
    gb_attrs_set_num(a, "coins_delta", (double)g->coins_delta);
  }
}

static void add_purchase(gb_attrs *a, const gb_ev_purchase *p) {
  put_str(a, "sku", p->sku);
  gb_attrs_set_num(a, "amount", p->amount);
  put_str(a, "currency", p->currency);
  if (p->app_id != 0) {
    gb_attrs_set_num(a, "app_id", p->app_id);
    gb_attrs_set_num(a, "price", p->price);
    gb_attrs_set_num(a, "discount", p->discount);
  }
}

static void add_prop(gb_attrs *a, const gb_ev_prop *p) {
  gb_attrs_set_num(a, "prop_id", (double)p->prop_id);
  put_str(a, "challenge_id", p->challenge_id);
  put_str(a, "arm", p->arm);
  gb_attrs_set_num(a, "ttl_s", (double)p->ttl_s);
  gb_attrs_set_num(a, "decision_id", (double)p->decision_id);
  gb_attrs_set_num(a, "progress", (double)p->progress);
  gb_attrs_set_num(a, "target", (double)p->target);
  put_str(a, "reward_type", p->reward_type);
  gb_attrs_set_num(a, "amount", (double)p->amount);
}

static void add_store(gb_attrs *a, const gb_ev_store *s) {
  if (s->app_id != 0)
    gb_attrs_set_num(a, "app_id", s->app_id);
  gb_attrs_set_num(a, "minutes", s->minutes);
  gb_attrs_set_num(a, "recommended", s->recommended ? 1 : 0);
  gb_attrs_set_num(a, "hours_at_review", s->hours_at_review);
  put_str(a, "arm", s->arm);
}

void gb_attrs_add_event(gb_attrs *a, const gb_event *ev) {
  /* 64-bit ids above 2^53 lose precision as doubles; criteria on ids are equality tests on
   * small test ids at most, and the exact ids travel in the event itself. */
  gb_attrs_set_num(a, "event_id", (double)ev->event_id);
  const char *type = gb_event_type_name(ev->type);
  gb_attrs_set_str(a, "type", type, strlen(type));
  gb_attrs_set_num(a, "ts", (double)ev->ts);
  gb_attrs_set_num(a, "player_id", (double)ev->player_id);
  gb_attrs_set_num(a, "session_id", (double)ev->session_id);
  put_str(a, "platform", ev->platform);
  put_str(a, "country", ev->country);
  switch (ev->type) {
  case GB_EV_GAME_START:
  case GB_EV_GAME_END:
    add_game(a, ev);
    break;
  case GB_EV_PURCHASE:
    add_purchase(a, &ev->u.purchase);
    break;
  case GB_EV_LEVEL_UP:
    gb_attrs_set_num(a, "level", ev->u.level);
    break;
  case GB_EV_BANKRUPT_RELIEF:
    gb_attrs_set_num(a, "amount", (double)ev->u.relief.amount);
    gb_attrs_set_num(a, "coin_balance", (double)ev->u.relief.coin_balance);
    break;
  case GB_EV_SESSION_END:
    gb_attrs_set_num(a, "duration_ms", (double)ev->u.duration_ms);
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
    put_str(a, "offer_type", ev->u.offer.offer_type);
    gb_attrs_set_num(a, "price", ev->u.offer.price);
    break;
  case GB_EV_CHALLENGE_UPSERT:
  case GB_EV_CHALLENGE_DELETE:
    put_str(a, "challenge_id", ev->u.control.challenge_id);
    gb_attrs_set_num(a, "effective_ts", (double)ev->u.control.effective_ts);
    break;
  case GB_EV_APP_LAUNCHED:
  case GB_EV_SESSION_START:
  case GB_EV__COUNT:
    break;
  }
}

void gb_attrs_add_player(gb_attrs *a, const gb_player_state *ps) {
  gb_attrs_set_num(a, "player.level", ps->level);
  gb_attrs_set_num(a, "player.coin_balance", (double)ps->coin_balance);
  if (ps->preferred_game && ps->preferred_game[0])
    gb_attrs_set_str(a, "player.preferred_game", ps->preferred_game, strlen(ps->preferred_game));
  gb_attrs_set_num(a, "player.days_since_install", ps->days_since_install);
}
