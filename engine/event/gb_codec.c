/* gb_codec: table-driven JSON and binary codecs for schema v1 events.
 *
 * One table per event type lists its fields (JSON name, C member, value kind, required or
 * optional, range) in wire order; the JSON decoder, both encoders and the binary decoder walk the
 * same tables, so the wire forms cannot drift apart. docs/events.md is the prose of these tables.
 *
 * The JSON decoder cannot convert a field when it sees it: fields may come in any order, "type"
 * included, and the same name means different things in different types ("amount" is a double
 * for a purchase and an integer for reward_granted). So the gb_json callback only files each known
 * field's value into a per-field slot, and the conversion runs once the type is known. */
#include "gb_codec.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_json.h"
#include "gb_varint.h"

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
  X(F_DEFINITION, "definition")

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

static const name_entry field_names[F__COUNT] = {
#define GB_X_NAME(id, name) [id] = {name, sizeof(name) - 1},
    GB_FIELDS(GB_X_NAME)
#undef GB_X_NAME
};

/* What the encoder writes before a field's value: `,"name":`. */
static const name_entry field_keys[F__COUNT] = {
#define GB_X_KEY(id, name) [id] = {",\"" name "\":", sizeof(",\"" name "\":") - 1},
    GB_FIELDS(GB_X_KEY)
#undef GB_X_KEY
};

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

#define MEMBER_SIZE(m) sizeof(((gb_event *)0)->m)
#define FIELD(id, kind, m, nd, rg)                                                                 \
  { id, kind, nd, rg, 0, offsetof(gb_event, m) }
#define U64(id, m, nd) FIELD(id, K_U64, m, nd, R_ANY)
#define I64(id, m, nd, rg) FIELD(id, K_I64, m, nd, rg)
#define U32(id, m, nd, rg) FIELD(id, K_U32, m, nd, rg)
#define I32(id, m, nd, rg) FIELD(id, K_I32, m, nd, rg)
#define F64(id, m, nd, rg) FIELD(id, K_F64, m, nd, rg)
#define BOOL(id, m, nd) FIELD(id, K_BOOL, m, nd, R_ANY)
#define STR(id, m, nd)                                                                             \
  { id, K_STR, nd, R_ANY, MEMBER_SIZE(m) - 1, offsetof(gb_event, m) }

/* event_id, (type), ts, player_id, session_id, platform, country. */
static const fspec common_head[] = {
    U64(F_EVENT_ID, event_id, REQ),   I64(F_TS, ts, REQ, R_NONNEG),
    U64(F_PLAYER_ID, player_id, REQ), U64(F_SESSION_ID, session_id, OPT),
    STR(F_PLATFORM, platform, OPT),   STR(F_COUNTRY, country, OPT),
};

static const fspec common_tail[] = {
    I32(F_UTC_OFFSET_MIN, utc_offset_min, OPT, R_UTC_OFFSET),
    I64(F_T_INTENDED_NS, t_intended_ns, OPT, R_NONNEG),
    I64(F_T_SENT_NS, t_sent_ns, OPT, R_NONNEG),
};

static const fspec session_end_fields[] = {I64(F_DURATION_MS, u.duration_ms, OPT, R_NONNEG)};

static const fspec game_start_fields[] = {
    STR(F_GAME, u.game.game, REQ),
    STR(F_ROOM, u.game.room, OPT),
    I64(F_BET, u.game.bet, REQ, R_NONNEG),
    I64(F_COIN_BALANCE, u.game.coin_balance, OPT, R_ANY),
    I32(F_LEVEL, u.game.level, OPT, R_NONNEG),
};

static const fspec game_end_fields[] = {
    STR(F_GAME, u.game.game, REQ),
    STR(F_ROOM, u.game.room, OPT),
    I64(F_BET, u.game.bet, REQ, R_NONNEG),
    BOOL(F_WON, u.game.won, REQ),
    I64(F_SCORE, u.game.score, OPT, R_ANY),
    I64(F_COINS_DELTA, u.game.coins_delta, REQ, R_ANY),
    I64(F_COIN_BALANCE, u.game.coin_balance, REQ, R_ANY),
    I32(F_LEVEL, u.game.level, OPT, R_NONNEG),
};

static const fspec purchase_fields[] = {
    STR(F_SKU, u.purchase.sku, REQ_CARD),
    F64(F_AMOUNT, u.purchase.amount, REQ_CARD, R_NONNEG),
    STR(F_CURRENCY, u.purchase.currency, REQ_CARD),
    U32(F_APP_ID, u.purchase.app_id, REQ_STEAM, R_ANY),
    F64(F_PRICE, u.purchase.price, REQ_STEAM, R_NONNEG),
    F64(F_DISCOUNT, u.purchase.discount, OPT, R_UNIT),
};

static const fspec level_up_fields[] = {I32(F_LEVEL, u.level, REQ, R_NONNEG)};

static const fspec bankrupt_relief_fields[] = {
    I64(F_AMOUNT, u.relief.amount, REQ, R_NONNEG),
    I64(F_COIN_BALANCE, u.relief.coin_balance, REQ, R_ANY),
};

static const fspec prop_generated_fields[] = {
    U64(F_PROP_ID, u.prop.prop_id, REQ),
    STR(F_CHALLENGE_ID, u.prop.challenge_id, REQ),
    STR(F_ARM, u.prop.arm, REQ),
    I64(F_TTL_S, u.prop.ttl_s, REQ, R_NONNEG),
    U64(F_DECISION_ID, u.prop.decision_id, OPT),
};

/* prop_shown, prop_used, prop_discarded, prop_expired. */
static const fspec prop_fields[] = {
    U64(F_PROP_ID, u.prop.prop_id, REQ),
    STR(F_CHALLENGE_ID, u.prop.challenge_id, OPT),
};

static const fspec challenge_progress_fields[] = {
    U64(F_PROP_ID, u.prop.prop_id, OPT),
    STR(F_CHALLENGE_ID, u.prop.challenge_id, REQ),
    I64(F_PROGRESS, u.prop.progress, REQ, R_ANY),
    I64(F_TARGET, u.prop.target, REQ, R_ANY),
};

/* challenge_completed, challenge_failed. */
static const fspec challenge_outcome_fields[] = {
    U64(F_PROP_ID, u.prop.prop_id, OPT),
    STR(F_CHALLENGE_ID, u.prop.challenge_id, REQ),
};

static const fspec reward_granted_fields[] = {
    U64(F_PROP_ID, u.prop.prop_id, OPT),
    STR(F_CHALLENGE_ID, u.prop.challenge_id, OPT),
    STR(F_REWARD_TYPE, u.prop.reward_type, REQ),
    I64(F_AMOUNT, u.prop.amount, REQ, R_ANY),
};

static const fspec impression_fields[] = {
    {F_APP_IDS, K_APP_IDS, REQ, R_ANY, 0, offsetof(gb_event, u.store.app_ids)},
    STR(F_ARM, u.store.arm, REQ),
};

static const fspec click_fields[] = {
    U32(F_APP_ID, u.store.app_id, REQ, R_POS),
    STR(F_ARM, u.store.arm, OPT),
};

/* wishlist, refund. */
static const fspec app_fields[] = {U32(F_APP_ID, u.store.app_id, REQ, R_POS)};

static const fspec play_session_fields[] = {
    U32(F_APP_ID, u.store.app_id, REQ, R_POS),
    F64(F_MINUTES, u.store.minutes, REQ, R_NONNEG),
};

static const fspec review_fields[] = {
    U32(F_APP_ID, u.store.app_id, REQ, R_POS),
    BOOL(F_RECOMMENDED, u.store.recommended, REQ),
    F64(F_HOURS_AT_REVIEW, u.store.hours_at_review, OPT, R_NONNEG),
};

/* offer_shown, offer_purchased. */
static const fspec offer_priced_fields[] = {
    STR(F_OFFER_TYPE, u.offer.offer_type, REQ),
    F64(F_PRICE, u.offer.price, REQ, R_NONNEG),
};

static const fspec offer_dismissed_fields[] = {
    STR(F_OFFER_TYPE, u.offer.offer_type, REQ),
    F64(F_PRICE, u.offer.price, OPT, R_NONNEG),
};

/* The definition comes last, so that it is allocated only when the type's other fields are good
 * (a later error in t_intended_ns/t_sent_ns still frees it, through gb_event_dispose). */
static const fspec challenge_upsert_fields[] = {
    STR(F_CHALLENGE_ID, u.control.challenge_id, OPT),
    I64(F_EFFECTIVE_TS, u.control.effective_ts, OPT, R_NONNEG),
    {F_DEFINITION, K_DEFINITION, REQ, R_ANY, 0, offsetof(gb_event, u.control.definition)},
};

static const fspec challenge_delete_fields[] = {
    STR(F_CHALLENGE_ID, u.control.challenge_id, REQ),
    I64(F_EFFECTIVE_TS, u.control.effective_ts, OPT, R_NONNEG),
};

typedef struct type_spec {
  const fspec *fields;
  size_t n;
} type_spec;

#define ARRAY_LEN(arr) (sizeof(arr) / sizeof((arr)[0]))
#define SPEC(arr)                                                                                  \
  { arr, ARRAY_LEN(arr) }
static const type_spec type_specs[GB_EV__COUNT] = {
    [GB_EV_SESSION_END] = SPEC(session_end_fields),
    [GB_EV_GAME_START] = SPEC(game_start_fields),
    [GB_EV_GAME_END] = SPEC(game_end_fields),
    [GB_EV_PURCHASE] = SPEC(purchase_fields),
    [GB_EV_LEVEL_UP] = SPEC(level_up_fields),
    [GB_EV_BANKRUPT_RELIEF] = SPEC(bankrupt_relief_fields),
    [GB_EV_PROP_GENERATED] = SPEC(prop_generated_fields),
    [GB_EV_PROP_SHOWN] = SPEC(prop_fields),
    [GB_EV_PROP_USED] = SPEC(prop_fields),
    [GB_EV_PROP_DISCARDED] = SPEC(prop_fields),
    [GB_EV_PROP_EXPIRED] = SPEC(prop_fields),
    [GB_EV_CHALLENGE_PROGRESS] = SPEC(challenge_progress_fields),
    [GB_EV_CHALLENGE_COMPLETED] = SPEC(challenge_outcome_fields),
    [GB_EV_CHALLENGE_FAILED] = SPEC(challenge_outcome_fields),
    [GB_EV_REWARD_GRANTED] = SPEC(reward_granted_fields),
    [GB_EV_IMPRESSION] = SPEC(impression_fields),
    [GB_EV_CLICK] = SPEC(click_fields),
    [GB_EV_WISHLIST] = SPEC(app_fields),
    [GB_EV_PLAY_SESSION] = SPEC(play_session_fields),
    [GB_EV_REVIEW] = SPEC(review_fields),
    [GB_EV_REFUND] = SPEC(app_fields),
    [GB_EV_OFFER_SHOWN] = SPEC(offer_priced_fields),
    [GB_EV_OFFER_PURCHASED] = SPEC(offer_priced_fields),
    [GB_EV_OFFER_DISMISSED] = SPEC(offer_dismissed_fields),
    [GB_EV_CHALLENGE_UPSERT] = SPEC(challenge_upsert_fields),
    [GB_EV_CHALLENGE_DELETE] = SPEC(challenge_delete_fields),
};

/* Typed access to the member a spec describes. */
#define AT(ev, s, T) ((T *)((char *)(ev) + (s)->offset))
#define AT_C(ev, s, T) ((const T *)((const char *)(ev) + (s)->offset))

static bool is_steam_purchase(const gb_event *ev) {
  return ev->type == GB_EV_PURCHASE && ev->u.purchase.app_id != 0;
}

/* Whether the field must be present, given the event's form (only purchases have two). */
static bool is_required(const fspec *s, bool steam) {
  return s->need == REQ || (s->need == REQ_CARD && !steam) || (s->need == REQ_STEAM && steam);
}

/* ---- Name lookup ---------------------------------------------------------------------------- */

/* Open addressing over (length, first, middle, last byte): one probe for almost every key, no
 * hashing of whole strings. Power of two, more than twice the 39 fields or 29 types. */
enum { NAME_TABLE_SIZE = 128 };

typedef struct name_table {
  uint8_t slot[NAME_TABLE_SIZE]; /* index + 1 into the entries; 0 = empty */
} name_table;

static unsigned name_hash(const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  return ((unsigned)len * 31u + u[0] * 7u + u[len / 2] * 3u + u[len - 1]) & (NAME_TABLE_SIZE - 1);
}

static void name_table_build(name_table *t, const name_entry *entries, size_t n) {
  memset(t, 0, sizeof *t);
  for (size_t i = 0; i < n; i++) {
    unsigned h = name_hash(entries[i].name, entries[i].len);
    while (t->slot[h] != 0)
      h = (h + 1) & (NAME_TABLE_SIZE - 1);
    t->slot[h] = (uint8_t)(i + 1);
  }
}

/* Names are a few bytes long: calls to memcmp took 15% of a decode; this loop is inlined (the
 * decode got ~4% faster). */
static bool same_bytes(const char *a, const char *b, size_t len) {
  for (size_t k = 0; k < len; k++)
    if (a[k] != b[k])
      return false;
  return true;
}

static int name_find(const name_table *t, const name_entry *entries, const char *s, size_t len) {
  if (len == 0)
    return -1;
  for (unsigned h = name_hash(s, len);; h = (h + 1) & (NAME_TABLE_SIZE - 1)) {
    unsigned e = t->slot[h];
    if (e == 0)
      return -1;
    if (entries[e - 1].len == len && same_bytes(entries[e - 1].name, s, len))
      return (int)e - 1;
  }
}

/* ---- Decoder state -------------------------------------------------------------------------- */

/* Bytes of a string value kept per field: the longest string field has 31 bytes, and a number
 * sent as a string needs at most 24 in shortest form; 64 leaves room for longer decimal forms. */
enum { SLOT_STR_CAP = 64 };

/* One field's value as the parser gave it, kept until the type is known. */
typedef struct slot {
  gb_json_kind kind;
  bool b;
  int64_t i;
  uint64_t u;
  double d;
  size_t len; /* string: its full length (only SLOT_STR_CAP bytes kept); array: item count */
  char str[SLOT_STR_CAP];
} slot;

struct gb_codec {
  gb_json_parser *parser;
  uint64_t seen; /* bit per field_id present in the current object */
  slot slots[F__COUNT];
  slot app_ids[GB_IMPRESSION_MAX];
  char *def; /* the current object's definition, minified */
  size_t def_len, def_cap;
  name_table fields;
  name_table types;
  name_entry type_names[GB_EV__COUNT];
};

gb_codec *gb_codec_new(void) {
  gb_codec *c = calloc(1, sizeof *c);
  if (c == NULL)
    return NULL;
  c->parser = gb_json_parser_new();
  if (c->parser == NULL) {
    free(c);
    return NULL;
  }
  name_table_build(&c->fields, field_names, F__COUNT);
  for (int t = 0; t < GB_EV__COUNT; t++) {
    c->type_names[t].name = gb_event_type_name((gb_event_type)t);
    c->type_names[t].len = strlen(c->type_names[t].name);
  }
  name_table_build(&c->types, c->type_names, GB_EV__COUNT);
  return c;
}

void gb_codec_free(gb_codec *c) {
  if (c == NULL)
    return;
  gb_json_parser_free(c->parser);
  free(c->def);
  free(c);
}

static void slot_store(slot *s, const gb_json_value *v) {
  s->kind = v->kind;
  s->b = v->b;
  s->i = v->i;
  s->u = v->u;
  s->d = v->d;
  s->len = v->kind == GB_JSON_ARRAY ? v->n_items : v->len;
  if (v->kind == GB_JSON_STRING)
    memcpy(s->str, v->str, v->len < SLOT_STR_CAP ? v->len : SLOT_STR_CAP);
}

/* Keeps the definition's text minified: whitespace between tokens has no meaning, and without
 * newlines the event stays on one JSON line when re-encoded. */
static int keep_definition(gb_codec *c, const char *text, size_t len, gb_err *err) {
  if (len > c->def_cap) {
    char *nd = realloc(c->def, len);
    if (nd == NULL)
      return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a %zu-byte definition", len);
    c->def = nd;
    c->def_cap = len;
  }
  if (gb_json_minify(text, len, c->def, &c->def_len, err) != 0)
    return gb_err_prefix(err, "field 'definition': ");
  return 0;
}

static int on_field(void *ctx, const char *key, size_t key_len, const gb_json_value *v,
                    gb_err *err) {
  gb_codec *c = ctx;
  int f = name_find(&c->fields, field_names, key, key_len);
  if (f < 0)
    return 0; /* unknown fields are ignored: forward compatibility */
  slot *s = &c->slots[f];
  slot_store(s, v);
  if (f == F_APP_IDS && v->kind == GB_JSON_ARRAY) {
    for (size_t k = 0; k < v->n_items && k < GB_IMPRESSION_MAX; k++)
      slot_store(&c->app_ids[k], &v->items[k]);
  } else if (f == F_DEFINITION && v->kind == GB_JSON_OBJECT) {
    if (keep_definition(c, v->str, v->len, err) != 0)
      return -1;
    s->len = c->def_len;
  }
  c->seen |= UINT64_C(1) << f;
  return 0;
}

/* ---- Conversion with precise errors --------------------------------------------------------- */

/* Where a value sits, for messages: "field 'bet'" or "field 'app_ids', item 3". */
typedef struct where {
  const char *field;
  int item; /* -1 when the value is the field itself */
} where;

static int field_error(gb_err *err, where w, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int field_error(gb_err *err, where w, const char *fmt, ...) {
  char reason[GB_ERR_MSG_MAX / 2];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  if (w.item >= 0)
    return gb_err_set(err, GB_ERR_INPUT, "field '%s', item %d: %s", w.field, w.item, reason);
  return gb_err_set(err, GB_ERR_INPUT, "field '%s': %s", w.field, reason);
}

/* Longest string prefix quoted in an error message. */
enum { QUOTE_MAX = 40 };

/* Copies the start of a string value into buf for a message, escaping control bytes, quotes and
 * backslashes (the message stays one line) and marking a cut with "...". */
static const char *quote(const slot *s, char *buf, size_t cap) {
  size_t n = 0, shown = s->len < QUOTE_MAX ? s->len : QUOTE_MAX;
  for (size_t k = 0; k < shown && n + 8 < cap; k++) {
    unsigned char ch = (unsigned char)s->str[k];
    if (ch < 0x20 || ch == '"' || ch == '\\')
      n += (size_t)snprintf(buf + n, cap - n, "\\x%02x", ch);
    else
      buf[n++] = (char)ch;
  }
  snprintf(buf + n, cap - n, "%s", s->len > shown ? "..." : "");
  return buf;
}

enum { QUOTED_MAX = 4 * QUOTE_MAX + 8 /* every byte escaped, plus the ellipsis and NUL */ };

/* Describes a value for a message: `string "abc"`, `-5`, `1.5`, `true`, `an array`. */
static const char *describe(const slot *s, char *buf, size_t cap) {
  char q[QUOTED_MAX];
  switch (s->kind) {
  case GB_JSON_NULL:
    return "null";
  case GB_JSON_BOOL:
    return s->b ? "true" : "false";
  case GB_JSON_INT:
    snprintf(buf, cap, "%" PRId64, s->i);
    return buf;
  case GB_JSON_UINT:
    snprintf(buf, cap, "%" PRIu64, s->u);
    return buf;
  case GB_JSON_DOUBLE:
    if (cap <= GB_JSON_DOUBLE_MAX)
      return "a number";
    buf[gb_json_format_double(s->d, buf)] = '\0';
    return buf;
  case GB_JSON_ARRAY:
    return "an array";
  case GB_JSON_OBJECT:
    return "an object";
  case GB_JSON_STRING:
    break;
  }
  snprintf(buf, cap, "string \"%s\"", quote(s, q, sizeof q));
  return buf;
}

enum { DESCRIBE_MAX = QUOTED_MAX + 16 /* plus `string ""` */ };

static int wrong_kind(gb_err *err, where w, const char *expected, const slot *s) {
  char d[DESCRIBE_MAX];
  return field_error(err, w, "expected %s, got %s", expected, describe(s, d, sizeof d));
}

/* The slot as a number (a JSON number, or a string holding one); -1 when it is neither. */
static int as_number(const slot *s, gb_json_value *num) {
  switch (s->kind) {
  case GB_JSON_INT:
  case GB_JSON_UINT:
  case GB_JSON_DOUBLE:
    num->kind = s->kind;
    num->i = s->i;
    num->u = s->u;
    num->d = s->d;
    return 0;
  case GB_JSON_STRING:
    if (s->len > SLOT_STR_CAP)
      return -1;
    return gb_json_number_parse(s->str, s->len, num);
  default:
    return -1;
  }
}

/* 2^63 as a double: the first value beyond int64_t (exact in binary). */
#define TWO_POW_63 9223372036854775808.0

static int out_of_range(gb_err *err, where w, const slot *s, const char *bounds) {
  char d[DESCRIBE_MAX];
  return field_error(err, w, "%s is out of range %s", describe(s, d, sizeof d), bounds);
}

static int i64_out_of_range(gb_err *err, where w, const slot *s, int64_t min, int64_t max) {
  char bounds[64];
  snprintf(bounds, sizeof bounds, "[%" PRId64 ", %" PRId64 "]", min, max);
  return out_of_range(err, w, s, bounds);
}

static int u64_out_of_range(gb_err *err, where w, const slot *s, uint64_t min, uint64_t max) {
  char bounds[64];
  snprintf(bounds, sizeof bounds, "[%" PRIu64 ", %" PRIu64 "]", min, max);
  return out_of_range(err, w, s, bounds);
}

static int to_i64(const slot *s, where w, int64_t min, int64_t max, int64_t *out, gb_err *err) {
  gb_json_value num;
  if (as_number(s, &num) != 0)
    return wrong_kind(err, w, "a number", s);
  int64_t v;
  if (num.kind == GB_JSON_INT) {
    v = num.i;
  } else if (num.kind == GB_JSON_UINT) {
    return i64_out_of_range(err, w, s, min, max);
  } else if (num.d != trunc(num.d)) {
    return wrong_kind(err, w, "an integer", s);
  } else if (num.d < -TWO_POW_63 || num.d >= TWO_POW_63) {
    return i64_out_of_range(err, w, s, min, max);
  } else {
    v = (int64_t)num.d;
  }
  if (v < min || v > max)
    return i64_out_of_range(err, w, s, min, max);
  *out = v;
  return 0;
}

static int to_u64(const slot *s, where w, uint64_t min, uint64_t max, uint64_t *out, gb_err *err) {
  gb_json_value num;
  if (as_number(s, &num) != 0)
    return wrong_kind(err, w, "a number", s);
  uint64_t v;
  if (num.kind == GB_JSON_INT) {
    if (num.i < 0)
      return u64_out_of_range(err, w, s, min, max);
    v = (uint64_t)num.i;
  } else if (num.kind == GB_JSON_UINT) {
    v = num.u;
  } else if (num.d != trunc(num.d)) {
    return wrong_kind(err, w, "an integer", s);
  } else if (num.d < 0 || num.d >= 2 * TWO_POW_63) {
    return u64_out_of_range(err, w, s, min, max);
  } else {
    v = (uint64_t)num.d;
  }
  if (v < min || v > max)
    return u64_out_of_range(err, w, s, min, max);
  *out = v;
  return 0;
}

static int to_f64(const slot *s, where w, range rg, double *out, gb_err *err) {
  gb_json_value num;
  if (as_number(s, &num) != 0)
    return wrong_kind(err, w, "a number", s);
  double v = num.kind == GB_JSON_INT    ? (double)num.i
             : num.kind == GB_JSON_UINT ? (double)num.u
                                        : num.d;
  if (rg == R_NONNEG && v < 0)
    return out_of_range(err, w, s, "[0, inf)");
  if (rg == R_POS && v <= 0)
    return out_of_range(err, w, s, "(0, inf)");
  if (rg == R_UNIT && !(v >= 0 && v <= 1))
    return out_of_range(err, w, s, "[0, 1]");
  *out = v;
  return 0;
}

static int to_bool(const slot *s, where w, bool *out, gb_err *err) {
  if (s->kind == GB_JSON_BOOL) {
    *out = s->b;
    return 0;
  }
  if (s->kind == GB_JSON_INT && (s->i == 0 || s->i == 1)) {
    *out = s->i == 1;
    return 0;
  }
  if (s->kind == GB_JSON_STRING) {
    static const struct {
      const char *text;
      bool value;
    } words[] = {{"true", true}, {"false", false}, {"1", true}, {"0", false}};
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
      if (s->len == strlen(words[k].text) && memcmp(s->str, words[k].text, s->len) == 0) {
        *out = words[k].value;
        return 0;
      }
  }
  return wrong_kind(err, w, "a boolean (true/false or 0/1)", s);
}

static int to_str(const slot *s, where w, const fspec *spec, bool required, char *out,
                  gb_err *err) {
  if (s->kind != GB_JSON_STRING)
    return wrong_kind(err, w, "a string", s);
  if (s->len > spec->max_len)
    return field_error(err, w, "longer than %u bytes", (unsigned)spec->max_len);
  if (memchr(s->str, '\0', s->len) != NULL)
    return field_error(err, w, "contains a NUL byte");
  if (required && s->len == 0)
    return field_error(err, w, "must not be empty");
  memcpy(out, s->str, s->len);
  out[s->len] = '\0';
  return 0;
}

static int64_t range_min(range rg) {
  return rg == R_POS ? 1 : rg == R_NONNEG ? 0 : rg == R_UTC_OFFSET ? UTC_OFFSET_MIN : INT64_MIN;
}

static int64_t range_max(range rg) { return rg == R_UTC_OFFSET ? UTC_OFFSET_MAX : INT64_MAX; }

static int to_app_ids(const gb_codec *c, const slot *s, where w, gb_event *ev, gb_err *err) {
  if (s->kind != GB_JSON_ARRAY)
    return wrong_kind(err, w, "an array of app ids", s);
  if (s->len > GB_IMPRESSION_MAX)
    return field_error(err, w, "more than %d app ids (%zu)", (int)GB_IMPRESSION_MAX, s->len);
  for (size_t k = 0; k < s->len; k++) {
    uint64_t v;
    where wi = {w.field, (int)k};
    if (to_u64(&c->app_ids[k], wi, 1, UINT32_MAX, &v, err) != 0)
      return -1;
    ev->u.store.app_ids[k] = (uint32_t)v;
  }
  ev->u.store.n_app_ids = (uint32_t)s->len;
  return 0;
}

static int to_definition(const gb_codec *c, const slot *s, where w, gb_event *ev, gb_err *err) {
  if (s->kind != GB_JSON_OBJECT)
    return wrong_kind(err, w, "a JSON object", s);
  if (c->def_len > GB_DEFINITION_MAX)
    return field_error(err, w, "longer than %d bytes (minified: %zu)", (int)GB_DEFINITION_MAX,
                       c->def_len);
  char *text = malloc(c->def_len + 1);
  if (text == NULL)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a %zu-byte definition", c->def_len);
  memcpy(text, c->def, c->def_len);
  text[c->def_len] = '\0';
  ev->u.control.definition = text;
  ev->u.control.definition_len = c->def_len;
  return 0;
}

/* Converts one present field into its member. */
static int decode_field(const gb_codec *c, const fspec *spec, bool required, gb_event *ev,
                        gb_err *err) {
  const slot *s = &c->slots[spec->id];
  where w = {field_names[spec->id].name, -1};
  int64_t i;
  uint64_t u;
  switch ((value_kind)spec->kind) {
  case K_U64:
    return to_u64(s, w, 0, UINT64_MAX, AT(ev, spec, uint64_t), err);
  case K_I64:
    return to_i64(s, w, range_min(spec->range), INT64_MAX, AT(ev, spec, int64_t), err);
  case K_U32:
    if (to_u64(s, w, (uint64_t)(spec->range == R_POS), UINT32_MAX, &u, err) != 0)
      return -1;
    *AT(ev, spec, uint32_t) = (uint32_t)u;
    return 0;
  case K_I32:
    if (to_i64(s, w, range_min(spec->range) > INT32_MIN ? range_min(spec->range) : INT32_MIN,
               range_max(spec->range) < INT32_MAX ? range_max(spec->range) : INT32_MAX, &i,
               err) != 0)
      return -1;
    *AT(ev, spec, int32_t) = (int32_t)i;
    return 0;
  case K_F64:
    return to_f64(s, w, (range)spec->range, AT(ev, spec, double), err);
  case K_BOOL:
    return to_bool(s, w, AT(ev, spec, bool), err);
  case K_STR:
    return to_str(s, w, spec, required, AT(ev, spec, char), err);
  case K_APP_IDS:
    return to_app_ids(c, s, w, ev, err);
  case K_DEFINITION:
    return to_definition(c, s, w, ev, err);
  }
  return field_error(err, w, "internal error: unknown value kind %u", (unsigned)spec->kind);
}

static bool present(const gb_codec *c, int f) {
  return (c->seen >> f & 1) && c->slots[f].kind != GB_JSON_NULL;
}

static int missing(gb_err *err, int f, const gb_event *ev) {
  const char *name = field_names[f].name;
  if (ev == NULL)
    return gb_err_set(err, GB_ERR_INPUT, "missing required field '%s'", name);
  if (ev->type == GB_EV_PURCHASE)
    return gb_err_set(err, GB_ERR_INPUT,
                      "missing required field '%s' for a purchase (it needs sku, amount and "
                      "currency, or app_id and price)",
                      name);
  return gb_err_set(err, GB_ERR_INPUT, "missing required field '%s' for a %s event", name,
                    gb_event_type_name(ev->type));
}

/* Converts the listed fields; ev_for_msg is NULL for the common fields (plainer messages). */
static int decode_fields(const gb_codec *c, const fspec *specs, size_t n, gb_event *ev,
                         const gb_event *ev_for_msg, gb_err *err) {
  for (size_t k = 0; k < n; k++) {
    const fspec *spec = &specs[k];
    if (present(c, spec->id)) {
      if (decode_field(c, spec, spec->need == REQ, ev, err) != 0)
        return -1;
    } else if (spec->need == REQ) {
      return missing(err, spec->id, ev_for_msg);
    }
  }
  return 0;
}

/* A purchase's required fields depend on its form, known once app_id has been read. */
static int check_form(const gb_codec *c, const type_spec *ts, const gb_event *ev, gb_err *err) {
  bool steam = is_steam_purchase(ev);
  for (size_t k = 0; k < ts->n; k++) {
    const fspec *spec = &ts->fields[k];
    if (spec->need != REQ && is_required(spec, steam) && !present(c, spec->id))
      return missing(err, spec->id, ev);
    if (spec->need != REQ && is_required(spec, steam) && spec->kind == K_STR &&
        AT_C(ev, spec, char)[0] == '\0') {
      where w = {field_names[spec->id].name, -1};
      return field_error(err, w, "must not be empty");
    }
  }
  return 0;
}

static int decode_type(const gb_codec *c, gb_event *ev, gb_err *err) {
  if (!present(c, F_TYPE))
    return missing(err, F_TYPE, NULL);
  const slot *s = &c->slots[F_TYPE];
  where w = {"type", -1};
  if (s->kind != GB_JSON_STRING)
    return wrong_kind(err, w, "a string", s);
  int t = s->len > SLOT_STR_CAP ? -1 : name_find(&c->types, c->type_names, s->str, s->len);
  if (t < 0) {
    char q[QUOTED_MAX];
    return gb_err_set(err, GB_ERR_INPUT, "unknown event type '%s'", quote(s, q, sizeof q));
  }
  ev->type = (gb_event_type)t;
  return 0;
}

static int finish(const gb_codec *c, gb_event *ev, gb_err *err) {
  if (decode_type(c, ev, err) != 0)
    return -1;
  if (decode_fields(c, common_head, ARRAY_LEN(common_head), ev, NULL, err) != 0)
    return -1;
  const type_spec *ts = &type_specs[ev->type];
  if (decode_fields(c, ts->fields, ts->n, ev, ev, err) != 0)
    return -1;
  if (ev->type == GB_EV_PURCHASE && check_form(c, ts, ev, err) != 0)
    return -1;
  return decode_fields(c, common_tail, ARRAY_LEN(common_tail), ev, NULL, err);
}

int gb_codec_decode_json(gb_codec *c, const char *json, size_t len, gb_event *out, gb_err *err) {
  gb_event_init(out);
  c->seen = 0;
  c->def_len = 0;
  if (gb_json_parse_object(c->parser, json, len, on_field, c, err) != 0)
    return -1;
  if (finish(c, out, err) != 0) {
    gb_event_dispose(out);
    return -1;
  }
  return 0;
}

/* ---- Output buffer -------------------------------------------------------------------------- */

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

/* ---- JSON encoding -------------------------------------------------------------------------- */

/* "00" "01" ... "99": two digits per division, half the divisions of one digit at a time. */
static const char digit_pairs[] = "00010203040506070809"
                                  "10111213141516171819"
                                  "20212223242526272829"
                                  "30313233343536373839"
                                  "40414243444546474849"
                                  "50515253545556575859"
                                  "60616263646566676869"
                                  "70717273747576777879"
                                  "80818283848586878889"
                                  "90919293949596979899";

enum { U64_DIGITS_MAX = 20 /* 18446744073709551615 */ };

static void put_u64(wbuf *w, uint64_t v) {
  char tmp[U64_DIGITS_MAX];
  char *p = tmp + sizeof tmp;
  while (v >= 100) {
    unsigned r = (unsigned)(v % 100);
    v /= 100;
    p -= 2;
    memcpy(p, digit_pairs + 2 * r, 2);
  }
  if (v >= 10) {
    p -= 2;
    memcpy(p, digit_pairs + 2 * v, 2);
  } else {
    *--p = (char)('0' + v);
  }
  put(w, p, (size_t)(tmp + sizeof tmp - p));
}

static void put_i64(wbuf *w, int64_t v) {
  if (v < 0) {
    put_byte(w, '-');
    put_u64(w, (uint64_t)0 - (uint64_t)v); /* well defined for INT64_MIN too */
    return;
  }
  put_u64(w, (uint64_t)v);
}

static void put_f64(wbuf *w, double d) {
  char tmp[GB_JSON_DOUBLE_MAX];
  put(w, tmp, gb_json_format_double(d, tmp));
}

static void put_json_string(wbuf *w, const char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  put_byte(w, '"');
  size_t start = 0;
  for (size_t k = 0; k < len; k++) {
    unsigned char ch = (unsigned char)s[k];
    if (ch >= 0x20 && ch != '"' && ch != '\\')
      continue;
    put(w, s + start, k - start);
    start = k + 1;
    char esc[6] = {'\\', (char)ch, 0, 0, 0, 0};
    size_t n = 2;
    switch (ch) {
    case '"':
    case '\\':
      break;
    case '\n':
      esc[1] = 'n';
      break;
    case '\r':
      esc[1] = 'r';
      break;
    case '\t':
      esc[1] = 't';
      break;
    case '\b':
      esc[1] = 'b';
      break;
    case '\f':
      esc[1] = 'f';
      break;
    default: /* other control bytes: \u00XX */
      memcpy(esc + 1, "u00", 3);
      esc[4] = hex[ch >> 4];
      esc[5] = hex[ch & 0xf];
      n = 6;
    }
    put(w, esc, n);
  }
  put(w, s + start, len - start);
  put_byte(w, '"');
}

/* Length of an inline string member, never beyond its maximum even if unterminated. */
static size_t str_len(const char *s, size_t max_len) {
  const char *nul = memchr(s, '\0', max_len);
  return nul ? (size_t)(nul - s) : max_len;
}

static void put_definition(wbuf *w, const gb_ev_control *ctl) {
  if (ctl->definition == NULL || ctl->definition_len == 0) {
    put(w, "null", 4);
    return;
  }
  const char *d = ctl->definition;
  size_t start = 0;
  for (size_t k = 0; k < ctl->definition_len; k++) {
    if (d[k] != '\n' && d[k] != '\r')
      continue;
    put(w, d + start, k - start);
    put_byte(w, ' ');
    start = k + 1;
  }
  put(w, d + start, ctl->definition_len - start);
}

static size_t n_app_ids(const gb_event *ev) {
  return ev->u.store.n_app_ids < GB_IMPRESSION_MAX ? ev->u.store.n_app_ids : GB_IMPRESSION_MAX;
}

static bool is_zero(const gb_event *ev, const fspec *spec) {
  switch ((value_kind)spec->kind) {
  case K_U64:
    return *AT_C(ev, spec, uint64_t) == 0;
  case K_I64:
    return *AT_C(ev, spec, int64_t) == 0;
  case K_U32:
    return *AT_C(ev, spec, uint32_t) == 0;
  case K_I32:
    return *AT_C(ev, spec, int32_t) == 0;
  case K_F64: {
    uint64_t bits; /* by bits, so that -0.0 is not zero and survives */
    memcpy(&bits, AT_C(ev, spec, double), sizeof bits);
    return bits == 0;
  }
  case K_BOOL:
    return !*AT_C(ev, spec, bool);
  case K_STR:
    return AT_C(ev, spec, char)[0] == '\0';
  case K_APP_IDS:
    return n_app_ids(ev) == 0;
  case K_DEFINITION:
    return ev->u.control.definition == NULL;
  }
  return true;
}

static void put_json_value(wbuf *w, const gb_event *ev, const fspec *spec) {
  switch ((value_kind)spec->kind) {
  case K_U64:
    put_u64(w, *AT_C(ev, spec, uint64_t));
    return;
  case K_I64:
    put_i64(w, *AT_C(ev, spec, int64_t));
    return;
  case K_U32:
    put_u64(w, *AT_C(ev, spec, uint32_t));
    return;
  case K_I32:
    put_i64(w, *AT_C(ev, spec, int32_t));
    return;
  case K_F64:
    put_f64(w, *AT_C(ev, spec, double));
    return;
  case K_BOOL:
    if (*AT_C(ev, spec, bool))
      put(w, "true", 4);
    else
      put(w, "false", 5);
    return;
  case K_STR: {
    const char *s = AT_C(ev, spec, char);
    put_json_string(w, s, str_len(s, spec->max_len));
    return;
  }
  case K_APP_IDS: {
    size_t n = n_app_ids(ev);
    put_byte(w, '[');
    for (size_t k = 0; k < n; k++) {
      if (k > 0)
        put_byte(w, ',');
      put_u64(w, ev->u.store.app_ids[k]);
    }
    put_byte(w, ']');
    return;
  }
  case K_DEFINITION:
    put_definition(w, &ev->u.control);
    return;
  }
}

/* Required fields always; optional ones (always_all aside) only when non-zero. */
static void put_json_fields(wbuf *w, const gb_event *ev, const fspec *specs, size_t n,
                            bool always_all) {
  bool steam = is_steam_purchase(ev);
  for (size_t k = 0; k < n; k++) {
    const fspec *spec = &specs[k];
    if (!always_all && !is_required(spec, steam) && is_zero(ev, spec))
      continue;
    put(w, field_keys[spec->id].name, field_keys[spec->id].len);
    put_json_value(w, ev, spec);
  }
}

size_t gb_event_encode_json(const gb_event *ev, char *buf, size_t cap) {
  if ((unsigned)ev->type >= GB_EV__COUNT) {
    if (cap > 0)
      buf[0] = '\0';
    return 0;
  }
  wbuf w = {(uint8_t *)buf, cap, 0};
  const type_spec *ts = &type_specs[ev->type];
  /* event_id opens the object: its key without the leading comma */
  put_byte(&w, '{');
  put(&w, field_keys[F_EVENT_ID].name + 1, field_keys[F_EVENT_ID].len - 1);
  put_u64(&w, ev->event_id);
  put(&w, field_keys[F_TYPE].name, field_keys[F_TYPE].len);
  const char *type_name = gb_event_type_name(ev->type);
  put_json_string(&w, type_name, strlen(type_name));
  put_json_fields(&w, ev, common_head + 1, ARRAY_LEN(common_head) - 1, true);
  put_json_fields(&w, ev, ts->fields, ts->n, false);
  put_json_fields(&w, ev, common_tail, ARRAY_LEN(common_tail), false);
  put_byte(&w, '}');
  if (w.pos < cap)
    buf[w.pos] = '\0';
  return w.pos;
}

/* ---- Binary encoding ------------------------------------------------------------------------ */

enum { VARINT_MAX = GB_VARINT_MAX /* bytes of a LEB128 uint64 */ };

static void put_varint(wbuf *w, uint64_t v) {
  uint8_t tmp[GB_VARINT_MAX];
  put(w, tmp, gb_varint_put(tmp, v));
}

/* Zigzag maps small negative numbers to small unsigned ones (0, -1, 1, -2 -> 0, 1, 2, 3). */
static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

static int64_t unzigzag(uint64_t u) { return (int64_t)(u >> 1) ^ -(int64_t)(u & 1); }

static void put_binary_value(wbuf *w, const gb_event *ev, const fspec *spec) {
  switch ((value_kind)spec->kind) {
  case K_U64:
    put_varint(w, *AT_C(ev, spec, uint64_t));
    return;
  case K_I64:
    put_varint(w, zigzag(*AT_C(ev, spec, int64_t)));
    return;
  case K_U32:
    put_varint(w, *AT_C(ev, spec, uint32_t));
    return;
  case K_I32:
    put_varint(w, zigzag(*AT_C(ev, spec, int32_t)));
    return;
  case K_F64: {
    uint64_t bits;
    uint8_t le[8];
    memcpy(&bits, AT_C(ev, spec, double), sizeof bits);
    for (int k = 0; k < 8; k++)
      le[k] = (uint8_t)(bits >> (8 * k));
    put(w, le, sizeof le);
    return;
  }
  case K_BOOL:
    put_byte(w, *AT_C(ev, spec, bool) ? 1 : 0);
    return;
  case K_STR: {
    const char *s = AT_C(ev, spec, char);
    size_t n = str_len(s, spec->max_len);
    put_varint(w, n);
    put(w, s, n);
    return;
  }
  case K_APP_IDS: {
    size_t n = n_app_ids(ev);
    put_varint(w, n);
    for (size_t k = 0; k < n; k++)
      put_varint(w, ev->u.store.app_ids[k]);
    return;
  }
  case K_DEFINITION: {
    const gb_ev_control *ctl = &ev->u.control;
    size_t n = ctl->definition ? ctl->definition_len : 0;
    put_varint(w, n);
    put(w, ctl->definition, n);
    return;
  }
  }
}

static void put_binary_fields(wbuf *w, const gb_event *ev, const fspec *specs, size_t n) {
  for (size_t k = 0; k < n; k++)
    put_binary_value(w, ev, &specs[k]);
}

static void put_binary_event(wbuf *w, const gb_event *ev) {
  const type_spec *ts = &type_specs[ev->type];
  put_byte(w, (uint8_t)ev->type);
  put_binary_fields(w, ev, common_head, ARRAY_LEN(common_head));
  put_binary_fields(w, ev, ts->fields, ts->n);
  put_binary_fields(w, ev, common_tail, ARRAY_LEN(common_tail));
}

/* -- The fast path: the simulator encodes every event it sends, a dozen varints or more each.
 * It writes into a scratch buffer through a cursor kept in a register, each varint as one
 * 8-byte store (no branch per byte, no copy through a temporary whose byte stores the copy's
 * wider loads cannot forward from); the bytes stored past a piece are the next piece's or
 * beyond the encoding. The same bytes as put_binary_event. */

/* The 7-bit groups of v (< 2^56) spread to one per byte: group k lands in byte k, bit 7 clear.
 * The inverse of pack_groups (below): halves, then pairs of pairs, then pairs of bytes. */
static inline uint64_t spread_groups(uint64_t v) {
  uint64_t x = (v & 0x000000000fffffffULL) | ((v & 0x00fffffff0000000ULL) << 4);
  x = (x & 0x00003fff00003fffULL) | ((x & 0x0fffc0000fffc000ULL) << 2);
  return (x & 0x007f007f007f007fULL) | ((x & 0x3f803f803f803f80ULL) << 1);
}

/* v's 8 bytes at p, least significant first: one store. */
static inline void store_le64(uint8_t *p, uint64_t v) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  memcpy(p, &v, sizeof v);
}

enum {
  VARINT_WORD_BITS = 56, /* the value bits of an 8-byte varint: 8 groups of 7 */
  FAST_ROOM = VARINT_MAX /* room a fixed-size piece needs: its 8-byte stores stay inside */
};

/* v's LEB128 form at p, which has VARINT_MAX bytes of room; returns the end of it. */
static inline __attribute__((always_inline)) uint8_t *fast_varint(uint8_t *p, uint64_t v) {
  const uint64_t continuations = 0x8080808080808080ULL; /* bit 7 of each byte */
  if (v < (UINT64_C(1) << VARINT_WORD_BITS)) {
    size_t n = (64 - (size_t)__builtin_clzll(v | 1) + 6) / 7; /* a byte per started 7 bits */
    uint64_t before_last = (UINT64_C(1) << (8 * (n - 1))) - 1;
    store_le64(p, spread_groups(v) | (continuations & before_last));
    return p + n;
  }
  /* 9 or 10 bytes (hashes such as session ids): the first 8 all continue */
  store_le64(p, spread_groups(v & ((UINT64_C(1) << VARINT_WORD_BITS) - 1)) | continuations);
  p += 8;
  for (v >>= VARINT_WORD_BITS; v >= 0x80; v >>= 7)
    *p++ = (uint8_t)(v | 0x80);
  *p++ = (uint8_t)v;
  return p;
}

/* The field of spec at p; NULL when it might not fit before end (or for a definition, which is
 * not bounded): the caller then takes the counting writer. */
static inline __attribute__((always_inline)) uint8_t *
fast_field(uint8_t *p, const uint8_t *end, const gb_event *ev, const fspec *spec) {
  if (end - p < FAST_ROOM)
    return NULL;
  switch ((value_kind)spec->kind) {
  case K_U64:
    p = fast_varint(p, *AT_C(ev, spec, uint64_t));
    break;
  case K_I64:
    p = fast_varint(p, zigzag(*AT_C(ev, spec, int64_t)));
    break;
  case K_U32:
    p = fast_varint(p, *AT_C(ev, spec, uint32_t));
    break;
  case K_I32:
    p = fast_varint(p, zigzag(*AT_C(ev, spec, int32_t)));
    break;
  case K_F64: {
    uint64_t bits;
    memcpy(&bits, AT_C(ev, spec, double), sizeof bits);
    store_le64(p, bits);
    p += sizeof bits;
    break;
  }
  case K_BOOL:
    *p++ = *AT_C(ev, spec, bool) ? 1 : 0;
    break;
  case K_STR: {
    const char *str = AT_C(ev, spec, char);
    size_t len = str_len(str, spec->max_len);
    if ((size_t)(end - p) < VARINT_MAX + len)
      return NULL;
    p = fast_varint(p, len);
    memcpy(p, str, len);
    p += len;
    break;
  }
  case K_APP_IDS: {
    size_t count = n_app_ids(ev);
    if ((size_t)(end - p) < VARINT_MAX * (count + 1))
      return NULL;
    p = fast_varint(p, count);
    for (size_t i = 0; i < count; i++)
      p = fast_varint(p, ev->u.store.app_ids[i]);
    break;
  }
  case K_DEFINITION:
    return NULL;
  }
  return p;
}

/* The fields of specs at p (NULL as fast_field). */
static uint8_t *fast_fields(uint8_t *p, const uint8_t *end, const gb_event *ev, const fspec *specs,
                            size_t n) {
  for (size_t k = 0; k < n && p; k++)
    p = fast_field(p, end, ev, &specs[k]);
  return p;
}

/* The fields every event has, unrolled with their specs as constants (as get_fixed_fields). */
static inline __attribute__((always_inline)) uint8_t *
fast_fixed_fields(uint8_t *p, const uint8_t *end, const gb_event *ev, const fspec *specs,
                  size_t n) {
#pragma GCC unroll 8
  for (size_t k = 0; k < n; k++)
    if (p)
      p = fast_field(p, end, ev, &specs[k]);
  return p;
}

/* ev (not a challenge_upsert) into scratch[0..cap); its length, or 0 when it might not fit. */
static size_t fast_binary_event(const gb_event *ev, uint8_t *scratch, size_t cap) {
  const type_spec *ts = &type_specs[ev->type];
  const uint8_t *end = scratch + cap;
  uint8_t *p = scratch;
  *p++ = (uint8_t)ev->type;
  p = fast_fixed_fields(p, end, ev, common_head, ARRAY_LEN(common_head));
  /* a game's rounds are most of the events: their fields unrolled too */
  if (p && ev->type == GB_EV_GAME_END)
    p = fast_fixed_fields(p, end, ev, game_end_fields, ARRAY_LEN(game_end_fields));
  else if (p && ev->type == GB_EV_GAME_START)
    p = fast_fixed_fields(p, end, ev, game_start_fields, ARRAY_LEN(game_start_fields));
  else if (p)
    p = fast_fields(p, end, ev, ts->fields, ts->n);
  if (p)
    p = fast_fixed_fields(p, end, ev, common_tail, ARRAY_LEN(common_tail));
  return p ? (size_t)(p - scratch) : 0;
}

size_t gb_event_encode_binary(const gb_event *ev, uint8_t *buf, size_t cap) {
  if ((unsigned)ev->type >= GB_EV__COUNT)
    return 0;
  if (ev->type != GB_EV_CHALLENGE_UPSERT) {
    uint8_t scratch[GB_EVENT_BINARY_MAX + FAST_ROOM]; /* + the stores past the last piece */
    size_t n = fast_binary_event(ev, scratch, sizeof scratch);
    if (n > 0) {
      if (cap > 0)
        memcpy(buf, scratch, n < cap ? n : cap);
      return n;
    }
  }
  wbuf w = {buf, cap, 0};
  put_binary_event(&w, ev);
  return w.pos;
}

/* ---- Binary decoding ------------------------------------------------------------------------ */

typedef struct rbuf {
  const uint8_t *buf;
  size_t len;
  size_t pos;
} rbuf;

static int binary_error(gb_err *err, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int binary_error(gb_err *err, const char *field, const char *fmt, ...) {
  char reason[GB_ERR_MSG_MAX / 2];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  return gb_err_set(err, GB_ERR_INPUT, "binary event: field '%s': %s", field, reason);
}

static int truncated(gb_err *err, const rbuf *r, const char *field) {
  return binary_error(err, field, "truncated at byte %zu of %zu", r->pos, r->len);
}

/* Rare (values of 10 bytes, truncated or corrupt input): kept out of the fast path's way. */
static __attribute__((noinline, cold)) int get_varint_checked(rbuf *r, const char *field,
                                                              uint64_t *out, gb_err *err) {
  uint64_t v = 0;
  for (int shift = 0; shift < 7 * VARINT_MAX; shift += 7) {
    if (r->pos == r->len)
      return truncated(err, r, field);
    uint8_t b = r->buf[r->pos++];
    /* the tenth byte holds bit 63 only */
    if (shift == 7 * (VARINT_MAX - 1) && b > 1)
      return binary_error(err, field, "varint overflows 64 bits");
    v |= (uint64_t)(b & 0x7f) << shift;
    if (b < 0x80) {
      *out = v;
      return 0;
    }
  }
  return binary_error(err, field, "varint longer than %d bytes", VARINT_MAX);
}

/* The 8 bytes at p as a little-endian number: one load. */
static inline uint64_t load_le64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

/* The 7-bit groups of the bytes of x (continuation bits clear), packed: byte k's group lands at
 * bit 7k. Pairs of bytes, then pairs of pairs, then the two halves, without a branch. */
static inline uint64_t pack_groups(uint64_t x) {
  x = ((x >> 1) & 0x3f803f803f803f80ULL) | (x & 0x007f007f007f007fULL);
  x = ((x >> 2) & 0x0fffc0000fffc000ULL) | (x & 0x00003fff00003fffULL);
  return ((x >> 4) & 0x00fffffff0000000ULL) | (x & 0x000000000fffffffULL);
}

/* A varint that get_varint's one-word case does not cover: 9 or 10 bytes, or near the end of
 * the message. */
static __attribute__((noinline)) int get_varint_long(rbuf *r, const char *field, uint64_t *out,
                                                     gb_err *err) {
  const uint8_t *p = r->buf + r->pos;
  size_t avail = r->len - r->pos;
  /* 9 or 10 bytes (hashes such as session ids): the tenth may hold bit 63 only */
  if (avail >= VARINT_MAX && (p[8] < 0x80 || p[9] <= 1)) {
    uint64_t v = pack_groups(load_le64(p) & 0x7f7f7f7f7f7f7f7fULL) | (uint64_t)(p[8] & 0x7f) << 56;
    if (p[8] >= 0x80)
      v |= (uint64_t)p[9] << 63;
    r->pos += p[8] < 0x80 ? VARINT_MAX - 1 : VARINT_MAX;
    *out = v;
    return 0;
  }
  /* near the end: up to 9 bytes (63 bits, where the overflow check of the tenth byte cannot
   * apply) without the per-byte checks */
  size_t n = avail < VARINT_MAX - 1 ? avail : VARINT_MAX - 1;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
    if (p[i] < 0x80) {
      r->pos += i + 1;
      *out = v;
      return 0;
    }
  }
  return get_varint_checked(r, field, out, err);
}

/* Every event the engine takes is a dozen varints or more, so the common case goes without a
 * call or a branch per byte: with 8 bytes left, a value that ends within them (up to 56 bits:
 * ids, sim ms, clock stamps) is read as one word. get_varint_long covers longer values and the
 * end of the message; anything else, errors included, takes get_varint_checked from the start. */
static inline __attribute__((always_inline)) int get_varint(rbuf *r, const char *field,
                                                            uint64_t *out, gb_err *err) {
  if (r->len - r->pos >= 8) {
    uint64_t w = load_le64(r->buf + r->pos);
    uint64_t stops = ~w & 0x8080808080808080ULL; /* bytes without the continuation bit */
    if (stops != 0) {
      /* up to and including the first stop byte: stops ^ (stops - 1) masks through its bit 7 */
      r->pos += (size_t)__builtin_ctzll(stops) / 8 + 1;
      *out = pack_groups(w & (stops ^ (stops - 1)) & 0x7f7f7f7f7f7f7f7fULL);
      return 0;
    }
  }
  return get_varint_long(r, field, out, err);
}

static int get_bytes(rbuf *r, const char *field, size_t n, const uint8_t **out, gb_err *err) {
  if (n > r->len - r->pos)
    return truncated(err, r, field);
  *out = r->buf + r->pos;
  r->pos += n;
  return 0;
}

static int get_string(rbuf *r, const char *field, size_t max_len, char *out, gb_err *err) {
  uint64_t n;
  const uint8_t *bytes = NULL;
  if (get_varint(r, field, &n, err) != 0)
    return -1;
  if (n > max_len)
    return binary_error(err, field, "longer than %zu bytes", max_len);
  if (get_bytes(r, field, (size_t)n, &bytes, err) != 0)
    return -1;
  /* One pass that checks and copies: the strings are a few bytes (names, codes), where calls
   * to memchr and memcpy cost more than the bytes. */
  for (size_t i = 0; i < (size_t)n; i++) {
    if (bytes[i] == '\0')
      return binary_error(err, field, "contains a NUL byte");
    out[i] = (char)bytes[i];
  }
  out[n] = '\0';
  return 0;
}

static int get_definition(rbuf *r, const char *field, gb_ev_control *ctl, gb_err *err) {
  uint64_t n;
  const uint8_t *bytes = NULL;
  if (get_varint(r, field, &n, err) != 0)
    return -1;
  if (n > GB_DEFINITION_MAX)
    return binary_error(err, field, "longer than %d bytes", (int)GB_DEFINITION_MAX);
  if (get_bytes(r, field, (size_t)n, &bytes, err) != 0)
    return -1;
  if (n == 0)
    return 0;
  char *text = malloc((size_t)n + 1);
  if (text == NULL)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a %zu-byte definition", (size_t)n);
  memcpy(text, bytes, (size_t)n);
  text[n] = '\0';
  ctl->definition = text;
  ctl->definition_len = (size_t)n;
  return 0;
}

/* Inlined into get_binary_fields' loop: one call per group of fields, not per field. */
static inline __attribute__((always_inline)) int get_binary_value(rbuf *r, gb_event *ev,
                                                                  const fspec *spec, gb_err *err) {
  const char *field = field_names[spec->id].name;
  uint64_t u;
  const uint8_t *bytes = NULL;
  switch ((value_kind)spec->kind) {
  case K_U64:
    return get_varint(r, field, AT(ev, spec, uint64_t), err);
  case K_I64:
    if (get_varint(r, field, &u, err) != 0)
      return -1;
    *AT(ev, spec, int64_t) = unzigzag(u);
    return 0;
  case K_U32:
    if (get_varint(r, field, &u, err) != 0)
      return -1;
    if (u > UINT32_MAX)
      return binary_error(err, field, "%" PRIu64 " does not fit 32 bits", u);
    *AT(ev, spec, uint32_t) = (uint32_t)u;
    return 0;
  case K_I32: {
    if (get_varint(r, field, &u, err) != 0)
      return -1;
    int64_t v = unzigzag(u);
    if (v < INT32_MIN || v > INT32_MAX)
      return binary_error(err, field, "%" PRId64 " does not fit 32 bits", v);
    if (spec->range == R_UTC_OFFSET && (v < UTC_OFFSET_MIN || v > UTC_OFFSET_MAX))
      return binary_error(err, field, "%" PRId64 " is out of range [%d, %d]", v, UTC_OFFSET_MIN,
                          UTC_OFFSET_MAX);
    *AT(ev, spec, int32_t) = (int32_t)v;
    return 0;
  }
  case K_F64: {
    uint64_t bits = 0;
    if (get_bytes(r, field, 8, &bytes, err) != 0)
      return -1;
    for (int k = 0; k < 8; k++)
      bits |= (uint64_t)bytes[k] << (8 * k);
    memcpy(AT(ev, spec, double), &bits, sizeof bits);
    return 0;
  }
  case K_BOOL:
    if (get_bytes(r, field, 1, &bytes, err) != 0)
      return -1;
    if (bytes[0] > 1)
      return binary_error(err, field, "boolean byte %u is neither 0 nor 1", bytes[0]);
    *AT(ev, spec, bool) = bytes[0] == 1;
    return 0;
  case K_STR:
    return get_string(r, field, spec->max_len, AT(ev, spec, char), err);
  case K_APP_IDS:
    if (get_varint(r, field, &u, err) != 0)
      return -1;
    if (u > GB_IMPRESSION_MAX)
      return binary_error(err, field, "%" PRIu64 " app ids, more than %d", u,
                          (int)GB_IMPRESSION_MAX);
    ev->u.store.n_app_ids = (uint32_t)u;
    for (uint32_t k = 0; k < ev->u.store.n_app_ids; k++) {
      uint64_t id;
      if (get_varint(r, field, &id, err) != 0)
        return -1;
      if (id > UINT32_MAX)
        return binary_error(err, field, "app id %" PRIu64 " does not fit 32 bits", id);
      ev->u.store.app_ids[k] = (uint32_t)id;
    }
    return 0;
  case K_DEFINITION:
    return get_definition(r, field, &ev->u.control, err);
  }
  return binary_error(err, field, "internal error: unknown value kind %u", (unsigned)spec->kind);
}

static int get_binary_fields(rbuf *r, gb_event *ev, const fspec *specs, size_t n, gb_err *err) {
  for (size_t k = 0; k < n; k++)
    if (get_binary_value(r, ev, &specs[k], err) != 0)
      return -1;
  return 0;
}

/* The fields every event has (common_head, common_tail), unrolled where the specs are
 * constants: each field's kind, range and offset are then known at compile time, so that it
 * decodes without the loop's per-field load of its spec and jump on its kind. */
static inline __attribute__((always_inline)) int
get_fixed_fields(rbuf *r, gb_event *ev, const fspec *specs, size_t n, gb_err *err) {
#pragma GCC unroll 8
  for (size_t k = 0; k < n; k++)
    if (get_binary_value(r, ev, &specs[k], err) != 0)
      return -1;
  return 0;
}

/* The fields of the event's type: a game's rounds (most of the events) unrolled. */
static int get_type_fields(rbuf *r, gb_event *ev, const type_spec *ts, gb_err *err) {
  if (ev->type == GB_EV_GAME_END)
    return get_fixed_fields(r, ev, game_end_fields, ARRAY_LEN(game_end_fields), err);
  if (ev->type == GB_EV_GAME_START)
    return get_fixed_fields(r, ev, game_start_fields, ARRAY_LEN(game_start_fields), err);
  return get_binary_fields(r, ev, ts->fields, ts->n, err);
}

int gb_event_decode_binary(const uint8_t *buf, size_t len, gb_event *out, size_t *consumed,
                           gb_err *err) {
  rbuf r = {buf, len, 0};
  gb_event_init(out);
  *consumed = 0;
  if (len == 0)
    return truncated(err, &r, "type");
  if (buf[0] >= GB_EV__COUNT)
    return gb_err_set(err, GB_ERR_INPUT, "binary event: bad type tag %u (schema v1 has 0..%d)",
                      buf[0], GB_EV__COUNT - 1);
  out->type = (gb_event_type)buf[0];
  r.pos = 1;
  const type_spec *ts = &type_specs[out->type];
  if (get_fixed_fields(&r, out, common_head, ARRAY_LEN(common_head), err) != 0 ||
      get_type_fields(&r, out, ts, err) != 0 ||
      get_fixed_fields(&r, out, common_tail, ARRAY_LEN(common_tail), err) != 0) {
    gb_event_dispose(out);
    return -1;
  }
  *consumed = r.pos;
  return 0;
}

int gb_event_peek_player_id(const void *msg, size_t len, uint64_t *player_id) {
  const uint8_t *b = msg;
  if (len < 2 || b[0] != GB_WIRE_BINARY || b[1] >= GB_EV__COUNT)
    return -1;
  rbuf r = {b + 2, len - 2, 0};
  gb_err ignored; /* the decoder reports errors */
  for (size_t k = 0; k < ARRAY_LEN(common_head); k++) {
    const fspec *spec = &common_head[k];
    uint64_t v;
    if ((spec->kind != K_U64 && spec->kind != K_I64) ||
        get_varint(&r, field_names[spec->id].name, &v, &ignored) != 0)
      return -1;
    if (spec->id == F_PLAYER_ID) {
      *player_id = v;
      return 0;
    }
  }
  return -1;
}

/* ---- On the wire ---------------------------------------------------------------------------- */

size_t gb_event_encode_wire(const gb_event *ev, bool binary, char *buf, size_t cap) {
  if (!binary)
    return gb_event_encode_json(ev, buf, cap);
  if (cap == 0)
    return 1 + gb_event_encode_binary(ev, NULL, 0);
  buf[0] = (char)GB_WIRE_BINARY;
  return 1 + gb_event_encode_binary(ev, (uint8_t *)buf + 1, cap - 1);
}

int gb_event_decode_wire(gb_codec *c, const void *msg, size_t len, gb_event *out, gb_err *err) {
  const uint8_t *b = msg;
  if (len == 0 || b[0] != GB_WIRE_BINARY)
    return gb_codec_decode_json(c, msg, len, out, err);
  size_t used = 0;
  if (gb_event_decode_binary(b + 1, len - 1, out, &used, err) != 0)
    return -1;
  if (used != len - 1) {
    gb_event_dispose(out);
    return gb_err_set(err, GB_ERR_INPUT, "binary event: %zu bytes after the event", len - 1 - used);
  }
  return 0;
}
