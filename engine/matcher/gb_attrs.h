/* gb_attrs: the attributes of one event plus its player's state, as the matcher sees them.
 *
 * A reusable builder of (key, value) pairs: clear it, add the event's fields and the player's
 * state, hand it to gb_matcher_match and gb_progress_update, repeat. Values are strings, numbers
 * or both: a string that reads entirely as a finite decimal number (the way platforms send
 * numbers as JSON strings, "bet": "100") also carries that number, so it compares as a number
 * against a numeric criterion. Booleans are numbers 1 / 0. Setting a key again replaces its
 * value. Keys and strings are copied. One gb_attrs per thread (not thread-safe); memory is kept
 * across gb_attrs_clear so that steady-state use does not allocate.
 *
 * Schema keys: the names gb_attrs_add_event and gb_attrs_add_player write (event_id, type, game,
 * bet, ..., player.level, ...) have fixed small ids (gb_attrs_schema_key). They are set and found
 * in O(1) without hashing or copying the key, whichever function sets them; readers such as the
 * matcher map them once to their own ids and then look values up by id (gb_attrs_get_id). */
#ifndef GB_ATTRS_H
#define GB_ATTRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_event.h"

typedef struct gb_attrs gb_attrs;

/* key_id of a key outside the event schema. */
#define GB_ATTRS_KEY_OTHER UINT32_MAX

/* One attribute as read back: key and string point into the gb_attrs and are valid until the next
 * set/clear. `str` is NUL-terminated; for a number set with gb_attrs_set_num, has_str is false. */
typedef struct gb_attr_value {
  const char *key;
  size_t key_len;
  uint64_t key_hash; /* gb_attrs_key_hash(key, key_len) */
  uint32_t key_id;   /* the schema key id (< gb_attrs_schema_size()), or GB_ATTRS_KEY_OTHER */
  bool has_str;
  bool has_num;
  const char *str;
  size_t str_len;
  double num;
} gb_attr_value;

/* The player's state joined into an event's attributes (what a definition's `player:`
 * predicates test). preferred_game NULL or "" leaves player.preferred_game absent. */
typedef struct gb_player_state {
  int32_t level;
  int64_t coin_balance;       /* coins */
  const char *preferred_game; /* a game name such as "dou_dizhu" */
  double days_since_install;  /* sim days, fractional */
} gb_player_state;

/* A new empty builder into *out (the caller frees it with gb_attrs_free), with room for an event
 * of the schema. Returns 0, or -1 with GB_ERR_RUNTIME when out of memory (*out is then
 * unchanged). */
int gb_attrs_new(gb_attrs **out, gb_err *err);

/* Frees a; NULL is allowed. */
void gb_attrs_free(gb_attrs *a);

/* Removes every attribute (keeps the memory). */
void gb_attrs_clear(gb_attrs *a);

/* Sets key (NUL-terminated, non-empty) to the string val[0..len) (need not be NUL-terminated).
 * If the string is a finite decimal number ("100", "-2.5", "1e3"), the attribute also carries
 * that number. Returns 0, or -1 when the key is empty or a string is longer than 2 GiB. The
 * builder's memory grows as events need it; a failed growth stops the program (per-event
 * state, gb_grow.h). */
int gb_attrs_set_str(gb_attrs *a, const char *key, const char *val, size_t len);

/* Sets key to the number val (NaN and infinities are rejected: -1). Returns 0 or -1. */
int gb_attrs_set_num(gb_attrs *a, const char *key, double val);

/* Adds every field of ev under its schema name: event_id, type (wire name), ts (sim ms),
 * player_id, session_id, platform, country, then the fields of its type — game_start/game_end:
 * game, room, bet, coin_balance, level, and for game_end won (0/1), score, coins_delta;
 * purchase: sku, amount, currency, app_id, price, discount; level_up: level; bankrupt_relief:
 * amount, coin_balance; session_end: duration_ms; prop_*, challenge_*, reward_granted: prop_id,
 * challenge_id, arm, ttl_s, decision_id, progress, target, reward_type, amount; store events:
 * app_id, minutes, recommended, hours_at_review, arm; offer_*: offer_type, price;
 * challenge_upsert/delete: challenge_id, effective_ts. Empty strings are left out (absent). */
void gb_attrs_add_event(gb_attrs *a, const gb_event *ev);

/* Adds player.level, player.coin_balance, player.preferred_game (unless NULL/empty) and
 * player.days_since_install from ps. */
void gb_attrs_add_player(gb_attrs *a, const gb_player_state *ps);

/* Stored attributes the setters (gb_attrs_set_str, gb_attrs_set_num) have compared with a key
 * outside the schema since gb_attrs_new: the cost of finding that key's entry. Keys outside the
 * schema are hashed into a table, so this grows by about one per set whatever the number of
 * attributes (tests check that an event with many keys is not quadratic). */
uint64_t gb_attrs_key_compares(const gb_attrs *a);

/* Number of attributes, and the i-th (i < size) in insertion order. */
size_t gb_attrs_size(const gb_attrs *a);
void gb_attrs_get(const gb_attrs *a, size_t i, gb_attr_value *out);

/* Finds key; returns 0 and fills out, or -1 when absent. */
int gb_attrs_find(const gb_attrs *a, const char *key, gb_attr_value *out);

/* The value of an attribute as stored, for readers that look values up per event (the
 * matcher): no copy. Valid until the next set or clear of the gb_attrs. */
typedef struct gb_attr_val {
  double num;      /* when has_num */
  const char *str; /* NUL-terminated, when has_str */
  uint32_t str_len;
  bool has_str, has_num;
} gb_attr_val;

/* The value of schema key key_id (any number: ids outside the schema are absent) in O(1), or
 * NULL when absent. */
const gb_attr_val *gb_attrs_value_id(const gb_attrs *a, uint32_t key_id);

/* The value of key[0..len) whose gb_attrs_key_hash is hash, or NULL when absent (callers that
 * keep the hash of the names they look up save rehashing them per event). */
const gb_attr_val *gb_attrs_value_hashed(const gb_attrs *a, const char *key, size_t len,
                                         uint64_t hash);

/* Number of schema keys; their ids are 0 .. size - 1 and never change meaning. */
uint32_t gb_attrs_schema_size(void);

/* Name of schema key id (< gb_attrs_schema_size()), e.g. "bet" or "player.level". */
const char *gb_attrs_schema_key(uint32_t id);

/* The schema id of key[0..len), or GB_ATTRS_KEY_OTHER when it is not a schema key. */
uint32_t gb_attrs_schema_id(const char *key, size_t len);

/* The hash under which keys are stored and looked up (xxh3 of the bytes). */
uint64_t gb_attrs_key_hash(const char *key, size_t len);

/* Parses s[0..len) as a finite decimal number (what gb_attrs_set_str does); returns true and sets
 * *out when the whole string is one. Used by the catalogue for criteria values. */
bool gb_attrs_parse_number(const char *s, size_t len, double *out);

#endif
