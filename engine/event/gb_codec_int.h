/* gb_codec_int: what the codec's files share. Not for other modules.
 *
 * One table per event type lists its fields (JSON name, C member, value kind, required or
 * optional, range) in wire order; the JSON decoder, both encoders and the binary decoder walk the
 * same tables, so the wire forms cannot drift apart. docs/events.md is the prose of these tables.
 *
 * gb_codec_fields.c holds the tables; gb_codec_json_decode.c and gb_codec_json_encode.c the JSON
 * forms, gb_codec_binary.c the binary form, gb_codec_wire.c the choice between them on the wire.
 * The binary fast paths unroll over the tables of the fields every event has and of a game's
 * rounds, whose contents the compiler folds in (across files through the build's LTO). */
#ifndef GB_CODEC_INT_H
#define GB_CODEC_INT_H

#include "gb_codec.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- Field catalogue ------------------------------------------------------------------------ */

/* X-macro: field id, JSON name. Every name any v1 type uses, once. */
#define GB_FIELDS(X)                                                                               \
  X(F_EVENT_ID, "event_id")                                                                        \
  X(F_TYPE, "type")                                                                                \
  X(F_TS, "ts")                                                                                    \
  X(F_PLAYER_ID, "player_id")                                                                      \
  X(F_SESSION_ID, "session_id")                                                                    \
  X(F_PLATFORM, "platform")                                                                        \
  X(F_COUNTRY, "country")                                                                          \
  X(F_UTC_OFFSET_MIN, "utc_offset_min")                                                            \
  X(F_T_INTENDED_NS, "t_intended_ns")                                                              \
  X(F_T_SENT_NS, "t_sent_ns")                                                                      \
  X(F_DURATION_MS, "duration_ms")                                                                  \
  X(F_GAME, "game")                                                                                \
  X(F_ROOM, "room")                                                                                \
  X(F_BET, "bet")                                                                                  \
  X(F_WON, "won")                                                                                  \
  X(F_SCORE, "score")                                                                              \
  X(F_COINS_DELTA, "coins_delta")                                                                  \
  X(F_COIN_BALANCE, "coin_balance")                                                                \
  X(F_LEVEL, "level")                                                                              \
  X(F_SKU, "sku")                                                                                  \
  X(F_AMOUNT, "amount")                                                                            \
  X(F_CURRENCY, "currency")                                                                        \
  X(F_APP_ID, "app_id")                                                                            \
  X(F_PRICE, "price")                                                                              \
  X(F_DISCOUNT, "discount")                                                                        \
  X(F_PROP_ID, "prop_id")                                                                          \
  X(F_CHALLENGE_ID, "challenge_id")                                                                \
  X(F_ARM, "arm")                                                                                  \
  X(F_TTL_S, "ttl_s")                                                                              \
  X(F_DECISION_ID, "decision_id")                                                                  \
  X(F_PROGRESS, "progress")                                                                        \
  X(F_TARGET, "target")                                                                            \
  X(F_REWARD_TYPE, "reward_type")                                                                  \
  X(F_APP_IDS, "app_ids")                                                                          \
  X(F_MINUTES, "minutes")                                                                          \
  X(F_RECOMMENDED, "recommended")                                                                  \
  X(F_HOURS_AT_REVIEW, "hours_at_review")                                                          \
  X(F_OFFER_TYPE, "offer_type")                                                                    \
  X(F_EFFECTIVE_TS, "effective_ts")                                                                \
  X(F_DEFINITION, "definition")                                                                    \
  X(F_PRODUCER, "producer")                                                                        \
  X(F_PRODUCERS, "producers")

typedef enum field_id {
#define GB_X_ENUM(id, name) id,
  GB_FIELDS(GB_X_ENUM)
#undef GB_X_ENUM
      F__COUNT
} field_id;

_Static_assert(F__COUNT <= 64, "the JSON decoder tracks seen fields in a uint64_t");

typedef struct name_entry {
  const char *name;
  size_t len;
} name_entry;

/* Each field's name, by field_id. */
extern const name_entry gb_codec_field_names[F__COUNT];

/* What the encoder writes before a field's value: `,"name":`, by field_id. */
extern const name_entry gb_codec_field_keys[F__COUNT];

typedef enum value_kind {
  K_U64,
  K_I64,
  K_U32,
  K_I32,
  K_F64,
  K_BOOL,
  K_STR,        /* inline char array, max_len bytes + NUL */
  K_APP_IDS,    /* u.store.app_ids / n_app_ids */
  K_DEFINITION, /* u.control.definition / definition_len */
} value_kind;

typedef enum need {
  OPT,
  REQ,
  REQ_CARD, /* purchase: required in the card-platform form (app_id absent or 0) */
  REQ_STEAM /* purchase: required in the Steam form (app_id != 0) */
} need;

typedef enum range {
  R_ANY,
  R_NONNEG,
  R_POS,
  R_UNIT,      /* doubles in [0, 1] */
  R_UTC_OFFSET /* minutes east of UTC: [-720, 840] (UTC-12:00 .. UTC+14:00) */
} range;

enum { UTC_OFFSET_MIN = -720, UTC_OFFSET_MAX = 840 };

typedef struct fspec {
  uint8_t id;       /* field_id */
  uint8_t kind;     /* value_kind */
  uint8_t need;     /* need */
  uint8_t range;    /* range */
  uint16_t max_len; /* K_STR: bytes without the NUL */
  uint16_t offset;  /* of the member in gb_event */
} fspec;

_Static_assert(sizeof(gb_event) <= UINT16_MAX, "fspec.offset is 16 bits");

typedef struct type_spec {
  const fspec *fields;
  size_t n;
} type_spec;

#define ARRAY_LEN(arr) (sizeof(arr) / sizeof((arr)[0]))

/* The lengths of the tables below (the definitions in gb_codec_fields.c must agree, or they do
 * not compile). */
enum {
  GB_CODEC_COMMON_HEAD_N = 6,
  GB_CODEC_COMMON_TAIL_N = 3,
  GB_CODEC_GAME_START_N = 5,
  GB_CODEC_GAME_END_N = 8
};

/* event_id, (type), ts, player_id, session_id, platform, country. */
extern const fspec gb_codec_common_head[GB_CODEC_COMMON_HEAD_N];

/* utc_offset_min, t_intended_ns, t_sent_ns. */
extern const fspec gb_codec_common_tail[GB_CODEC_COMMON_TAIL_N];

/* A game's rounds, most of the events: the binary fast paths unroll over these two. */
extern const fspec gb_codec_game_start_fields[GB_CODEC_GAME_START_N];
extern const fspec gb_codec_game_end_fields[GB_CODEC_GAME_END_N];

/* Each type's own fields, in wire order, by gb_event_type. */
extern const type_spec gb_codec_type_specs[GB_EV__COUNT];

/* Typed access to the member a spec describes. */
#define AT(ev, s, T) ((T *)((char *)(ev) + (s)->offset))
#define AT_C(ev, s, T) ((const T *)((const char *)(ev) + (s)->offset))

static inline bool is_steam_purchase(const gb_event *ev) {
  return ev->type == GB_EV_PURCHASE && ev->u.purchase.app_id != 0;
}

/* Whether the field must be present, given the event's form (only purchases have two). */
static inline bool is_required(const fspec *s, bool steam) {
  return s->need == REQ || (s->need == REQ_CARD && !steam) || (s->need == REQ_STEAM && steam);
}

/* ---- Output buffer (both encoders) ---------------------------------------------------------- */

/* Writes pieces while they fit and counts every byte, so that the return value is the full
 * length even when the caller's buffer is short (snprintf's convention). */
typedef struct wbuf {
  uint8_t *buf;
  size_t cap;
  size_t pos;
} wbuf;

static inline void put(wbuf *w, const void *src, size_t n) {
  if (n == 0) /* src may be NULL then, which memcpy does not allow */
    return;
  if (n <= w->cap && w->pos <= w->cap - n)
    memcpy(w->buf + w->pos, src, n);
  else if (w->pos < w->cap) /* the piece that crosses cap: its head, so buf holds a prefix */
    memcpy(w->buf + w->pos, src, w->cap - w->pos);
  w->pos += n;
}

static inline void put_byte(wbuf *w, uint8_t b) {
  if (w->pos < w->cap)
    w->buf[w->pos] = b;
  w->pos++;
}

/* Length of an inline string member, never beyond its maximum even if unterminated. */
static inline size_t str_len(const char *s, size_t max_len) {
  const char *nul = memchr(s, '\0', max_len);
  return nul ? (size_t)(nul - s) : max_len;
}

static inline size_t n_app_ids(const gb_event *ev) {
  return ev->u.store.n_app_ids < GB_IMPRESSION_MAX ? ev->u.store.n_app_ids : GB_IMPRESSION_MAX;
}

#endif
