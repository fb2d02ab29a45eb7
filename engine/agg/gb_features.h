/* gb_features: the per-player aggregates of one engine shard and the feature vector a
 * recommender reads at a decision (a game_end).
 *
 * The model is Blurr's "Offer AI" example (github.com/productml/blurr, examples/offer-ai): raw
 * events become session aggregates (games, wins, coins, purchases per session_id) and identity
 * aggregates (country, platform, install day); window features anchored at the decision (the
 * previous session, the last 7 days, today) go to a contextual bandit. What differs from the
 * example's DTCs, on purpose (its defects, fixed here):
 * - division by zero: its win_ratio is games_won / games_played with games_played counted on
 *   game_start and wins on game_end, so a session whose first game_end had no game_start in it
 *   divided by zero, and a game still going counted as lost. Here both come from game_end, and
 *   every ratio is 0 when its denominator is 0;
 * - leakage of the anchor: its windows are made of whole sessions selected relative to the
 *   anchor session's start, so the anchor session's aggregates — events after the offer,
 *   including the offer's own purchase, the label — could enter the features. Here the caller
 *   fills the vector before folding the decision event, the current session's values are those
 *   of its events so far, and the 7-day window holds single purchases by their own ts, in
 *   [t - 7 d, t);
 * - money drifting with order: its purchase sums are float additions, whose result depends on
 *   the order of the terms. Here amounts are integer minor units (cents, rounded once per
 *   purchase), summed exactly, and converted to currency units only in the vector;
 * - missing windows: a window with fewer sessions than asked (a player's first session has no
 *   previous one) raised an error and the anchor's row was dropped, so first sessions never
 *   reached the model. Here a missing window gives the documented neutral value.
 *
 * Sessions: a session is the run of a player's events with the same session_id. An event whose
 * session_id is non-zero and differs from the current one closes the current session (it becomes
 * the "previous session", replacing the one before) and opens a new one; session_end closes
 * nothing (events after it with the same id belong to the same session), and an event with
 * session_id 0 stays in the current session. The player's first event opens its first session,
 * whatever its id (so a run of id-0 events before the first real session is a session too).
 * Games are game_end events. Local days are days since 1970-01-01 in the player's zone,
 * floor((ts + offset) / 1 d), correct for times before 1970. Windows at a decision at t read the
 * events folded before it by their ts: PURCHASE_7D the purchases with ts in [t - 7 d, t) (one
 * at t itself is out), DAYS_SINCE_LAST_PURCHASE the latest purchase (0 days for one at t),
 * GAMES_TODAY the game_ends whose local day (in their own event's zone) is t's local day (in
 * the decision's zone).
 *
 * Order: a player's events are expected in stream order with non-decreasing ts (the transport
 * keeps each player's order); every feature depends only on that player's events and their
 * order, never on how players interleave, except the two shard-wide name tables below once
 * they are full.
 *
 * Limits (nothing wraps):
 * - session games and wins, and games today, saturate at 65535 (18 hours of one-second
 *   games);
 * - per-game counts, for the favourite game share, are kept exactly for the first
 *   GB_FEATURES_GAMES_KEPT distinct games a player plays; the games of any further game, and of
 *   names beyond the shard's table of GB_AGG_GAMES_MAX names (which then depends on which names
 *   the shard saw first), count in the total only, so the share is exact whenever the most
 *   played game is among the player's first GB_FEATURES_GAMES_KEPT, and a lower bound
 *   otherwise (the simulated card platform has 12 games and a favourite played in 60 % of
 *   rounds: it is almost always among the first 8). When one game's count would pass 65535,
 *   the player's counts and total are halved (rounded down): the share stays close, no longer
 *   exact;
 * - platforms: up to GB_FEATURES_PLATFORMS_MAX distinct names per shard; a further one reads
 *   as "" (unknown).
 *
 * Memory: 80 bytes per player slot (the table is pre-sized from expected_players and grows
 * with the slots seen), plus, for players who ever bought, 48 bytes and their purchases of the
 * last 7 days (16 bytes each, room for 4 at first). Not thread-safe: one shard's thread. */
#ifndef GB_FEATURES_H
#define GB_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_agg.h"
#include "gb_err.h"
#include "gb_event.h"

enum {
  GB_FEATURES_GAMES_KEPT = 8,      /* distinct games per player counted exactly */
  GB_FEATURES_PLATFORMS_MAX = 255, /* distinct platform names per shard */
};

/* The day the features count in, in sim ms. */
#define GB_FEATURES_DAY_MS INT64_C(86400000)

/* The features of a decision, in CSV column order. Money is in currency units (the purchase's
 * own currency; a player is assumed to pay in one), coins in coins, times in days. */
typedef enum gb_feature {
  GB_FEAT_LAST_SESSION_GAMES,       /* games ended in the player's previous session */
  GB_FEAT_LAST_SESSION_WIN_RATIO,   /* won / played in it; 0 when it had no games */
  GB_FEAT_LAST_SESSION_COINS_DELTA, /* sum of its game_end coins_delta */
  GB_FEAT_LAST_SESSION_PURCHASE,    /* purchase amount in it (currency units) */
  GB_FEAT_SESSION_GAMES,            /* the current session so far */
  GB_FEAT_SESSION_WIN_RATIO,        /* won / played in it so far; 0 when none */
  GB_FEAT_PURCHASE_7D,              /* purchases with ts in [t - 7 d, t) */
  GB_FEAT_GAMES_TODAY,              /* games ended on the player's local day of t, before t */
  GB_FEAT_DAYS_SINCE_LAST_PURCHASE, /* (t - last purchase ts) / 1 d, fractional; -1 when never */
  GB_FEAT_FAVOURITE_GAME_SHARE,     /* the most played game's games / all games; 0 when none */
  GB_FEAT_DAYS_SINCE_INSTALL,       /* local days between the first event's day and t's day */
  GB_FEAT__COUNT
} gb_feature;

/* The feature's CSV column name ("last_session_games", ...: the constant's name in lower case
 * without its prefix); "unknown" for out-of-range values. */
const char *gb_feature_name(gb_feature f);

typedef struct gb_feature_vec {
  double x[GB_FEAT__COUNT];
  /* identity aggregates: the latest non-empty values of the player's events ("" when none) */
  char country[GB_COUNTRY_MAX + 1];
  char platform[GB_PLATFORM_MAX + 1];
  int64_t install_day; /* local day number (days since 1970-01-01 in the player's zone,
                          gb_event_local_offset_min of the first event) of the first event */
  bool known;          /* false: no event of this player before the decision; then x is all 0
                          except DAYS_SINCE_LAST_PURCHASE (-1), the strings are "" and
                          install_day is 0 */
} gb_feature_vec;

typedef struct gb_features gb_features;

/* A new feature store with room for expected_players player slots (a sizing hint: more may
 * come; 0 allowed). Returns 0, or -1 with GB_ERR_RUNTIME when out of memory. */
int gb_features_new(size_t expected_players, gb_features **out, gb_err *err);

/* Frees f and everything it holds; NULL is a no-op. */
void gb_features_free(gb_features *f);

/* Folds ev, an event of the player at slot (see gb_idmap), into the player's state: live and
 * replayed events alike (state only: there are no counters here). Control events (no player)
 * are ignored. Hot path: allocation happens only for a slot beyond the room so far, a player's
 * first purchase, and a payer's list of the last 7 days outgrowing its room; a failed
 * allocation stops the program (gb_grow.h). */
void gb_features_update(gb_features *f, uint32_t slot, const gb_event *ev);

/* gb_features_update for a caller that has already looked the game of a game_end up in a game
 * table of its own (the aggregator's, which sees the same events in the same order): gi is ev's
 * game there (-1: none, or the table is full), and this store's own table is not used.
 * One store is fed by one of the two functions, never both. */
void gb_features_update_game(gb_features *f, uint32_t slot, const gb_event *ev, int gi);

/* Fills *out with the features of the player at slot (any slot) for a decision at sim time
 * decision_ts (ms) in the player's zone utc_offset_min (minutes east of UTC:
 * gb_event_local_offset_min of the decision event). Uses only what was folded before: the
 * caller calls it BEFORE folding the decision event itself, so only data from before the
 * decision is used. Does not modify f: several readers may fill concurrently while no one
 * updates. */
void gb_features_fill(const gb_features *f, uint32_t slot, int64_t decision_ts,
                      int32_t utc_offset_min, gb_feature_vec *out);

/* Starts loading the state of the player at slot (any slot), so that the memory access overlaps
 * the caller's other work. A hint only: no effect on results. */
void gb_features_prefetch(const gb_features *f, uint32_t slot);

/* Bytes of player state held now: the slot table, the payers' records and their purchase
 * lists, by capacity (what the memory report and the bytes-per-player figure read). */
size_t gb_features_memory(const gb_features *f);

#endif
