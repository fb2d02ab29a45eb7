/* gb_progress: each player's progress on the challenges they started (props they used).
 *
 * The pipeline starts tracking when a player uses a prop (gb_progress_start), then feeds each of
 * the player's events with its attributes and the matcher's result (gb_progress_update), which
 * returns what happened: progress advanced, the challenge completed, it failed (window or TTL
 * elapsed, definition deleted), or progress was reset (daily reset at the player's local
 * midnight, a broken streak, a `break_on` event). Cost per update: one hash lookup for the player,
 * then O(log matches) per challenge the player has started — O(1) per matched (player, goal) in
 * practice, independent of the number of definitions and players.
 *
 * Rules (from the definition, docs/matcher.md): `count: N` matching events, or `sum: FIELD` of the
 * matching events up to `target`; optional `window` (complete within that sim time of the start),
 * `daily` (progress resets at the player's local midnight), `streak: D` (with daily: meet the
 * daily target on D consecutive local days), `break_on` (criteria of an event that resets
 * progress: "N in a row"). A definition without a progress rule completes on its first matching
 * event. The prop's `ttl` also bounds the time to complete it after it is used.
 *
 * Hot updates: the tracker reads the live catalogue, so a changed definition's criteria and target
 * apply from the next update; the deadline fixed at start does not change; a deleted definition
 * fails its started challenges (reason GB_PROGRESS_DELETED) on the player's next update.
 * Not thread-safe: one tracker per shard (players hashed to shards). */
#ifndef GB_PROGRESS_H
#define GB_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "gb_attrs.h"
#include "gb_catalog.h"
#include "gb_err.h"

/* Most challenges one player can have started at once (a prop bar holds a handful): bounds the
 * outcomes of one update, so an out array of this size never drops any. */
enum { GB_PROGRESS_PLAYER_MAX = 64 };

typedef enum gb_progress_kind {
  GB_PROGRESS_ADVANCED,  /* progress (or the streak) moved forward */
  GB_PROGRESS_COMPLETED, /* target reached: the challenge is done and no longer tracked */
  GB_PROGRESS_FAILED,    /* window/TTL elapsed or definition deleted: no longer tracked */
  GB_PROGRESS_RESET      /* progress went back to 0 (daily reset, broken streak, break_on) */
} gb_progress_kind;

typedef enum gb_progress_reason {
  GB_PROGRESS_NO_REASON, /* not a failure */
  GB_PROGRESS_WINDOW,    /* the progress window elapsed */
  GB_PROGRESS_TTL,       /* the prop's TTL elapsed */
  GB_PROGRESS_DELETED    /* the definition was deleted (hot update) */
} gb_progress_reason;

typedef struct gb_progress_outcome {
  uint64_t prop_id;
  uint32_t ordinal;
  gb_progress_kind kind;
  int64_t progress, target; /* count so far / N, or floor(sum so far) / threshold; a definition
                               without a rule has target 1 */
  /* Added: */
  uint64_t player_id;
  int32_t streak, streak_target; /* days met in a row / needed (0 / 0 without a streak) */
  gb_progress_reason reason;     /* for FAILED */
  int64_t ts;                    /* sim ms of the event (update) or deadline (expire) */
} gb_progress_outcome;

typedef struct gb_progress gb_progress;

/* A tracker over catalogue c (which must outlive it) into *out (the caller frees it with
 * gb_progress_free). Returns 0, or -1 with GB_ERR_RUNTIME when out of memory (*out is then
 * unchanged). */
int gb_progress_new(const gb_catalog *c, gb_progress **out, gb_err *err);

/* Frees p; NULL is allowed. */
void gb_progress_free(gb_progress *p);

/* The player used prop prop_id for the challenge at `ordinal` at sim time ts_ms (ms since the
 * epoch). utc_offset_min is the player's time zone (minutes east of UTC, -840..840), which places
 * their local midnight for daily rules. Returns 0, or -1 with GB_ERR_INPUT when the ordinal is
 * out of range or deleted, the offset out of range, the prop is already tracked for this player,
 * or the player already has GB_PROGRESS_PLAYER_MAX challenges. The tracker's per-player state
 * grows as players start challenges (hot path): a failed growth stops the program (gb_grow.h),
 * so every error returned is the input's. */
int gb_progress_start(gb_progress *p, uint64_t player_id, uint64_t prop_id, uint32_t ordinal,
                      int64_t ts_ms, int32_t utc_offset_min, gb_err *err);

/* Feeds one event of player_id at sim time ts_ms: a its attributes (the same gb_attrs given to the
 * matcher; used for `sum` fields and `break_on`), matched[0..n_matched) the matcher's ordinals in
 * ascending order. Writes at most cap outcomes (at most one per started challenge of the player,
 * so cap >= GB_PROGRESS_PLAYER_MAX never drops one) and returns how many there were. Events
 * earlier than a challenge's start are ignored for it. Completed and failed challenges stop
 * being tracked. */
size_t gb_progress_update(gb_progress *p, uint64_t player_id, int64_t ts_ms, const gb_attrs *a,
                          const uint32_t *matched, size_t n_matched, gb_progress_outcome *out,
                          size_t cap);

/* Stops tracking a prop (discarded or expired by the player's side). 0, or -1 if not tracked. */
int gb_progress_cancel(gb_progress *p, uint64_t player_id, uint64_t prop_id);

/* Fails challenges whose deadline (start + min(window, ttl)) is <= now_ms, for players who send
 * no more events. Processes at most cap of them (earliest deadline first), writing one FAILED
 * outcome each; returns how many — call again while it returns cap. */
size_t gb_progress_expire(gb_progress *p, int64_t now_ms, gb_progress_outcome *out, size_t cap);

/* Current state of a tracked prop as an ADVANCED outcome: 0, or -1 if not tracked. */
int gb_progress_peek(const gb_progress *p, uint64_t player_id, uint64_t prop_id,
                     gb_progress_outcome *out);

/* Starts loading the cache line where the tracker keeps player_id, so that the memory access
 * overlaps the caller's other work before it asks about the player (the pipeline does for every
 * event). A hint only: no effect on results. */
void gb_progress_prefetch(const gb_progress *p, uint64_t player_id);

/* Challenges tracked for one player / in total. gb_progress_player_active also starts loading
 * the player's most recently started challenge, which a gb_progress_update for the player reads
 * first (a hint only: no effect on results). */
size_t gb_progress_player_active(const gb_progress *p, uint64_t player_id);
size_t gb_progress_active(const gb_progress *p);

#endif
