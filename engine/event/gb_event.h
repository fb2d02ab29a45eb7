/* gb_event: schema v1 of the events that flow through gamebench (docs/events.md documents every
 * field, its unit and its JSON form).
 *
 * A gb_event is a fixed-size value (no pointers except challenge_upsert's definition), cheap to
 * copy through queues. Strings are inline, NUL-terminated, with the maximum lengths below; the
 * codecs reject longer values instead of truncating them. Times: `ts` is sim time in ms since the
 * Unix epoch; `t_intended_ns` and `t_sent_ns` are harness stamps on the gb_clock monotonic clock
 * (0 when absent) used for coordinated-omission-corrected and uncorrected latency. */
#ifndef GB_EVENT_H
#define GB_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Maximum string lengths in bytes, without the terminating NUL. */
enum {
  GB_PLATFORM_MAX = 15,
  GB_COUNTRY_MAX = 2, /* ISO 3166-1 alpha-2 */
  GB_GAME_MAX = 23,
  GB_ROOM_MAX = 15,
  GB_SKU_MAX = 31,
  GB_CURRENCY_MAX = 3, /* ISO 4217 */
  GB_CHALLENGE_ID_MAX = 31,
  GB_ARM_MAX = 15,
  GB_REWARD_TYPE_MAX = 15,
  GB_OFFER_TYPE_MAX = 23,
  GB_IMPRESSION_MAX = 16,   /* app_ids per impression */
  GB_DEFINITION_MAX = 65536 /* bytes of a challenge_upsert definition (JSON text) */
};

/* X-macro: enum constant, wire name. The order is part of the binary codec: append only. */
#define GB_EVENT_TYPES(X)                                                                          \
  X(GB_EV_APP_LAUNCHED, "app_launched")                                                            \
  X(GB_EV_SESSION_START, "session_start")                                                          \
  X(GB_EV_SESSION_END, "session_end")                                                              \
  X(GB_EV_GAME_START, "game_start")                                                                \
  X(GB_EV_GAME_END, "game_end")                                                                    \
  X(GB_EV_PURCHASE, "purchase")                                                                    \
  X(GB_EV_LEVEL_UP, "level_up")                                                                    \
  X(GB_EV_BANKRUPT_RELIEF, "bankrupt_relief")                                                      \
  X(GB_EV_PROP_GENERATED, "prop_generated")                                                        \
  X(GB_EV_PROP_SHOWN, "prop_shown")                                                                \
  X(GB_EV_PROP_USED, "prop_used")                                                                  \
  X(GB_EV_PROP_DISCARDED, "prop_discarded")                                                        \
  X(GB_EV_PROP_EXPIRED, "prop_expired")                                                            \
  X(GB_EV_CHALLENGE_PROGRESS, "challenge_progress")                                                \
  X(GB_EV_CHALLENGE_COMPLETED, "challenge_completed")                                              \
  X(GB_EV_CHALLENGE_FAILED, "challenge_failed")                                                    \
  X(GB_EV_REWARD_GRANTED, "reward_granted")                                                        \
  X(GB_EV_STORE_VISIT, "store_visit")                                                              \
  X(GB_EV_IMPRESSION, "impression")                                                                \
  X(GB_EV_CLICK, "click")                                                                          \
  X(GB_EV_WISHLIST, "wishlist")                                                                    \
  X(GB_EV_PLAY_SESSION, "play_session")                                                            \
  X(GB_EV_REVIEW, "review")                                                                        \
  X(GB_EV_REFUND, "refund")                                                                        \
  X(GB_EV_OFFER_SHOWN, "offer_shown")                                                              \
  X(GB_EV_OFFER_PURCHASED, "offer_purchased")                                                      \
  X(GB_EV_OFFER_DISMISSED, "offer_dismissed")                                                      \
  X(GB_EV_CHALLENGE_UPSERT, "challenge_upsert")                                                    \
  X(GB_EV_CHALLENGE_DELETE, "challenge_delete")

typedef enum gb_event_type {
#define GB_X_ENUM(c, n) c,
  GB_EVENT_TYPES(GB_X_ENUM)
#undef GB_X_ENUM
      GB_EV__COUNT
} gb_event_type;

/* game_start and game_end (game_end-only fields are ignored on game_start). */
typedef struct gb_ev_game {
  char game[GB_GAME_MAX + 1];
  char room[GB_ROOM_MAX + 1];
  int64_t bet;          /* coins staked */
  int64_t coin_balance; /* after the game for game_end */
  int32_t level;
  bool won;            /* game_end */
  int64_t score;       /* game_end */
  int64_t coins_delta; /* game_end: net coins won (negative when lost), rake included */
} gb_ev_game;

/* purchase: a card-platform purchase (sku, amount, currency) or, when app_id != 0, a Steam-style
 * purchase (app_id, price, discount). */
typedef struct gb_ev_purchase {
  char sku[GB_SKU_MAX + 1];
  double amount; /* in currency units */
  char currency[GB_CURRENCY_MAX + 1];
  uint32_t app_id;
  double price;    /* in currency units, before discount */
  double discount; /* fraction 0..1 */
} gb_ev_purchase;

/* prop_* , challenge_* and reward_granted. */
typedef struct gb_ev_prop {
  uint64_t prop_id;
  char challenge_id[GB_CHALLENGE_ID_MAX + 1];
  char arm[GB_ARM_MAX + 1];                 /* prop_generated */
  int64_t ttl_s;                            /* prop_generated: sim seconds until the prop expires */
  uint64_t decision_id;                     /* prop_generated */
  int64_t progress;                         /* challenge_progress */
  int64_t target;                           /* challenge_progress */
  char reward_type[GB_REWARD_TYPE_MAX + 1]; /* reward_granted */
  int64_t amount;                           /* reward_granted */
} gb_ev_prop;

/* Steam-style store events. */
typedef struct gb_ev_store {
  uint32_t app_id;          /* click, wishlist, play_session, review, refund */
  double minutes;           /* play_session */
  bool recommended;         /* review */
  double hours_at_review;   /* review */
  char arm[GB_ARM_MAX + 1]; /* impression */
  uint32_t n_app_ids;       /* impression */
  uint32_t app_ids[GB_IMPRESSION_MAX];
} gb_ev_store;

typedef struct gb_ev_offer {
  char offer_type[GB_OFFER_TYPE_MAX + 1];
  double price;
} gb_ev_offer;

/* challenge_upsert / challenge_delete (operators, at run time). */
typedef struct gb_ev_control {
  char challenge_id[GB_CHALLENGE_ID_MAX + 1]; /* challenge_delete */
  int64_t effective_ts;                       /* sim ms; 0 = at the event's ts */
  char *definition; /* challenge_upsert: JSON object text, heap-owned by the event */
  size_t definition_len;
} gb_ev_control;

typedef struct gb_event {
  uint64_t event_id; /* unique per run; the key for idempotent processing */
  gb_event_type type;
  int64_t ts; /* sim time, ms since the Unix epoch */
  uint64_t player_id;
  uint64_t session_id;
  char platform[GB_PLATFORM_MAX + 1];
  char country[GB_COUNTRY_MAX + 1];
  /* The player's time zone as minutes east of UTC (standard time), -720 .. 840; 0 when unknown:
   * readers then take the country's main zone (gb_pipeline), so 0 and absent mean the same. */
  int32_t utc_offset_min;
  int64_t t_intended_ns; /* harness: intended emit time (gb_clock), 0 if unknown */
  int64_t t_sent_ns;     /* harness: actual send time (gb_clock), 0 if unknown */
  union {
    gb_ev_game game;         /* game_start, game_end */
    gb_ev_purchase purchase; /* purchase */
    int32_t level;           /* level_up: the new level */
    struct {
      int64_t amount;       /* bankrupt_relief: coins granted */
      int64_t coin_balance; /* bankrupt_relief: after the grant */
    } relief;
    int64_t duration_ms; /* session_end */
    gb_ev_prop prop;
    gb_ev_store store;
    gb_ev_offer offer;
    gb_ev_control control;
  } u;
} gb_event;

/* Wire name of a type ("game_end"); "unknown" for out-of-range values. */
const char *gb_event_type_name(gb_event_type type);

/* Parses a wire name; returns 0 and sets *out, or -1 when the name is not a v1 type. */
int gb_event_type_parse(const char *name, size_t len, gb_event_type *out);

/* Zeroes ev (all optional fields absent). */
void gb_event_init(gb_event *ev);

/* Releases what the event owns (challenge_upsert's definition) and re-initialises it. */
void gb_event_dispose(gb_event *ev);

#endif
