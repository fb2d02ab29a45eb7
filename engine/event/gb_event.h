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

/* What each event type is, besides its name: one table, read by every module that must tell
 * kinds of events apart (the transport's topics, the pipeline's decision points, the
 * recommender's feedback, the control path), so that a new type is described once.
 *
 * channel: the stream it travels on (Kafka: one topic each, gb_transport.h). Every channel of
 *   a player reaches the same shard, in the order the player's events were sent.
 * platform: the simulated platform whose players emit it (not the event's `platform` field,
 *   which is the player's device): the card/board-game platform, the Steam-style store, or any.
 * role: what the engine does with it —
 *   ACTIVITY        the player's own activity: aggregated, matched for challenge progress;
 *   DECISION_POINT  the engine answers it with a decision (the player waits for the answer);
 *   FEEDBACK        the player's reaction to something the engine decided (shown, used,
 *                   discarded, expired, clicked, completed, failed): the recommender learns
 *                   from it;
 *   NOTICE          a record of a decision's consequences (prop generated, progress, reward);
 *   CONTROL         an operator's change to the engine (the challenge catalogue), applied at
 *                   its sim time on every shard. */
typedef enum gb_event_channel {
  GB_CHANNEL_CARD = 0, /* card/board-game platform events; the default */
  GB_CHANNEL_STEAM,    /* Steam-style store events */
  GB_CHANNEL_FEEDBACK, /* players' reactions to props and challenge outcomes */
  GB_CHANNEL_CONTROL,  /* operators' challenge_upsert / challenge_delete */
  GB_CHANNEL__COUNT
} gb_event_channel;

typedef enum gb_event_platform {
  GB_PLATFORM_ANY = 0, /* both platforms emit it (sessions, purchases) or neither (control) */
  GB_PLATFORM_CARD,
  GB_PLATFORM_STEAM
} gb_event_platform;

typedef enum gb_event_role {
  GB_ROLE_ACTIVITY = 0,
  GB_ROLE_DECISION_POINT,
  GB_ROLE_FEEDBACK,
  GB_ROLE_NOTICE,
  GB_ROLE_CONTROL
} gb_event_role;

/* X-macro: enum constant, wire name, channel, platform, role (GB_CHANNEL_, GB_PLATFORM_ and
 * GB_ROLE_ suffixes). The order is part of the binary codec: append only. */
#define GB_EVENT_TYPES(X)                                                                          \
  X(GB_EV_APP_LAUNCHED, "app_launched", CARD, ANY, ACTIVITY)                                       \
  X(GB_EV_SESSION_START, "session_start", CARD, ANY, ACTIVITY)                                     \
  X(GB_EV_SESSION_END, "session_end", CARD, ANY, ACTIVITY)                                         \
  X(GB_EV_GAME_START, "game_start", CARD, CARD, ACTIVITY)                                          \
  X(GB_EV_GAME_END, "game_end", CARD, CARD, DECISION_POINT)                                        \
  X(GB_EV_PURCHASE, "purchase", CARD, ANY, ACTIVITY)                                               \
  X(GB_EV_LEVEL_UP, "level_up", CARD, CARD, ACTIVITY)                                              \
  X(GB_EV_BANKRUPT_RELIEF, "bankrupt_relief", CARD, CARD, ACTIVITY)                                \
  X(GB_EV_PROP_GENERATED, "prop_generated", FEEDBACK, CARD, NOTICE)                                \
  X(GB_EV_PROP_SHOWN, "prop_shown", FEEDBACK, CARD, FEEDBACK)                                      \
  X(GB_EV_PROP_USED, "prop_used", FEEDBACK, CARD, FEEDBACK)                                        \
  X(GB_EV_PROP_DISCARDED, "prop_discarded", FEEDBACK, CARD, FEEDBACK)                              \
  X(GB_EV_PROP_EXPIRED, "prop_expired", FEEDBACK, CARD, FEEDBACK)                                  \
  X(GB_EV_CHALLENGE_PROGRESS, "challenge_progress", FEEDBACK, CARD, NOTICE)                        \
  X(GB_EV_CHALLENGE_COMPLETED, "challenge_completed", FEEDBACK, CARD, FEEDBACK)                    \
  X(GB_EV_CHALLENGE_FAILED, "challenge_failed", FEEDBACK, CARD, FEEDBACK)                          \
  X(GB_EV_REWARD_GRANTED, "reward_granted", FEEDBACK, CARD, NOTICE)                                \
  X(GB_EV_STORE_VISIT, "store_visit", STEAM, STEAM, DECISION_POINT)                                \
  X(GB_EV_IMPRESSION, "impression", STEAM, STEAM, FEEDBACK)                                        \
  X(GB_EV_CLICK, "click", STEAM, STEAM, FEEDBACK)                                                  \
  X(GB_EV_WISHLIST, "wishlist", STEAM, STEAM, ACTIVITY)                                            \
  X(GB_EV_PLAY_SESSION, "play_session", STEAM, STEAM, ACTIVITY)                                    \
  X(GB_EV_REVIEW, "review", STEAM, STEAM, ACTIVITY)                                                \
  X(GB_EV_REFUND, "refund", STEAM, STEAM, ACTIVITY)                                                \
  X(GB_EV_OFFER_SHOWN, "offer_shown", STEAM, STEAM, FEEDBACK)                                      \
  X(GB_EV_OFFER_PURCHASED, "offer_purchased", STEAM, STEAM, FEEDBACK)                              \
  X(GB_EV_OFFER_DISMISSED, "offer_dismissed", STEAM, STEAM, FEEDBACK)                              \
  X(GB_EV_CHALLENGE_UPSERT, "challenge_upsert", CONTROL, ANY, CONTROL)                             \
  X(GB_EV_CHALLENGE_DELETE, "challenge_delete", CONTROL, ANY, CONTROL)                             \
  X(GB_EV_WATERMARK, "watermark", CONTROL, ANY, CONTROL)

typedef enum gb_event_type {
#define GB_X_ENUM(c, n, channel, platform, role) c,
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

/* watermark: a producer's promise that it will send no event with ts below this event's ts —
 * what lets the engine's shards agree that a sim-time epoch is over (the recommender's models
 * change only at epoch boundaries). Sent on the control channel, so each partition gets a copy
 * at the same place in the producer's stream; every copy counts (none is a duplicate). */
typedef struct gb_ev_watermark {
  uint32_t producer;  /* the sending producer's index, < producers */
  uint32_t producers; /* how many producers feed the engine: it waits for each one's */
} gb_ev_watermark;

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
    gb_ev_watermark mark;
  } u;
} gb_event;

/* A type's row of the table (gb_event_channel_of & co. read it). */
typedef struct gb_event_info {
  uint8_t channel;  /* gb_event_channel */
  uint8_t platform; /* gb_event_platform */
  uint8_t role;     /* gb_event_role */
} gb_event_info;

/* The table itself, indexed by type (read-only). Out-of-range types must not be looked up:
 * decoded events always have a valid type. */
extern const gb_event_info gb_event_infos[GB_EV__COUNT];

static inline gb_event_channel gb_event_channel_of(gb_event_type type) {
  return (gb_event_channel)gb_event_infos[type].channel;
}

static inline gb_event_platform gb_event_platform_of(gb_event_type type) {
  return (gb_event_platform)gb_event_infos[type].platform;
}

static inline gb_event_role gb_event_role_of(gb_event_type type) {
  return (gb_event_role)gb_event_infos[type].role;
}

static inline bool gb_event_is_decision_point(gb_event_type type) {
  return gb_event_role_of(type) == GB_ROLE_DECISION_POINT;
}

static inline bool gb_event_is_feedback(gb_event_type type) {
  return gb_event_role_of(type) == GB_ROLE_FEEDBACK;
}

static inline bool gb_event_is_control(gb_event_type type) {
  return gb_event_role_of(type) == GB_ROLE_CONTROL;
}

/* Lower-case channel name ("card", "steam", "feedback", "control"; Kafka topic suffixes), and
 * role name ("activity", "decision_point", …); "unknown" for out-of-range values. */
const char *gb_event_channel_name(gb_event_channel channel);
const char *gb_event_role_name(gb_event_role role);

/* Wire name of a type ("game_end"); "unknown" for out-of-range values. */
const char *gb_event_type_name(gb_event_type type);

/* Parses a wire name; returns 0 and sets *out, or -1 when the name is not a v1 type. */
int gb_event_type_parse(const char *name, size_t len, gb_event_type *out);

/* The player's UTC offset in minutes east of UTC, which places local midnight (daily progress
 * rules, local days of features and stats): the event's utc_offset_min when it has one (the
 * simulator's events do), else its country's main zone (standard time; 0 when unknown). */
int32_t gb_event_local_offset_min(const gb_event *ev);

/* Zeroes ev (all optional fields absent). */
void gb_event_init(gb_event *ev);

/* Releases what the event owns (challenge_upsert's definition) and re-initialises it. */
void gb_event_dispose(gb_event *ev);

#endif
