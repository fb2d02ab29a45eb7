/* gb_catalog: the challenge and goal definitions the matcher matches events against.
 *
 * A catalogue is loaded from a YAML or JSON file (docs/matcher.md documents the format): a list
 * of definitions, or a mapping whose `definitions` key holds that list. Each definition has an
 * `id` and `criteria` over event attributes (equality, eq/ne/lt/lte/gt/gte/in/not_in/between),
 * and optionally `player` predicates over the player's state, a `progress` rule, a `ttl`, a
 * `reward`, a `difficulty`, a `game` and a `name`. Bad definitions are rejected with a message
 * naming the file, line, definition id and field.
 *
 * Ordinals: definitions are numbered 0..size-1 in file order; a hot upsert of a new id appends an
 * ordinal, an upsert of an existing id keeps its ordinal, a delete leaves the ordinal in place but
 * inactive (never matched) until the id is upserted again. Ordinals are never reused for another
 * id, so per-ordinal state (counters, arrays) stays valid across updates.
 *
 * Hot updates: gb_catalog_upsert / gb_catalog_delete validate a change at once and queue it with
 * the sim time at which it takes effect; gb_catalog_advance(now) applies, in (effective time,
 * arrival) order, every queued change due at or before `now`. Matchers and progress trackers
 * built on the catalogue pick the changes up incrementally on their next call (no rebuild).
 * Threading: reading (matching) may run on many threads at once; gb_catalog_upsert, _delete and
 * _advance must not run concurrently with any reader of the same catalogue — the pipeline applies
 * them between batches, at sim-time boundaries, or gives each shard its own catalogue. */
#ifndef GB_CATALOG_H
#define GB_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_event.h"

/* Read-only view of one definition. Pointers stay valid until the next gb_catalog_advance that
 * replaces or deletes this definition (and until gb_catalog_free). */
typedef struct gb_challenge {
  const char *id;
  int64_t ttl_s;           /* prop TTL in sim seconds, 0 = none */
  int64_t reward_coins;    /* optional `reward: {coins: N}`, 0 if absent */
  double difficulty;       /* optional 0..1, default 0.5 (used by the simulator's response model) */
  const char *game;        /* optional `game:` key, or the criteria's equality on `game` if there is
                              one; NULL otherwise */
  int64_t progress_target; /* N of "count N" or the sum threshold; 0 = no progress rule */
  /* Added for operators and the progress tracker: */
  const char *name;    /* optional human-readable title, NULL if absent */
  bool active;         /* false once deleted (hot update): never matched */
  uint32_t ordinal;    /* this definition's ordinal */
  int64_t window_s;    /* progress window in sim seconds, 0 = none */
  bool daily;          /* progress resets at the player's local midnight */
  int32_t streak_days; /* >= 2: the daily target must be met this many consecutive days; else 0 */
} gb_challenge;

typedef struct gb_catalog gb_catalog;

/* The largest catalogue file read: generated benchmark catalogues of 100,000 definitions are
 * about 20 MiB; anything near this is not a catalogue (and /dev/zero must not grow memory). */
#define GB_CATALOG_FILE_MAX ((size_t)256 << 20)

/* Loads a catalogue file (YAML, or JSON which is read as YAML flow syntax). Returns 0 and sets
 * *out (caller frees with gb_catalog_free), or -1: GB_ERR_INPUT for a bad definition, naming
 * "FILE:LINE: definition 'ID': FIELD: reason", for a file that cannot be opened or read, is a
 * directory or is larger than GB_CATALOG_FILE_MAX, or nests lists and mappings deeper than
 * GB_YAML_DEPTH_MAX (gb_yaml.h) ("FILE:LINE: nested more than 64 levels deep ..."); GB_ERR_RUNTIME
 * when out of memory. */
int gb_catalog_load(const char *path, gb_catalog **out, gb_err *err);

/* Same as gb_catalog_load from text[0..len); `name` stands for the file name in messages. */
int gb_catalog_parse(const char *text, size_t len, const char *name, gb_catalog **out, gb_err *err);

/* An empty catalogue (definitions then arrive by hot updates) into *out (the caller frees it with
 * gb_catalog_free). Returns 0, or -1 with GB_ERR_RUNTIME when out of memory (*out is then
 * unchanged). */
int gb_catalog_new(gb_catalog **out, gb_err *err);

/* Frees c and its definitions; NULL is allowed. */
void gb_catalog_free(gb_catalog *c);

/* Number of ordinals (active or deleted). */
size_t gb_catalog_size(const gb_catalog *c);

/* Number of active definitions. */
size_t gb_catalog_active(const gb_catalog *c);

/* The definition at ordinal (< size); check ->active for deleted ones. */
const gb_challenge *gb_catalog_at(const gb_catalog *c, size_t ordinal);

/* Looks up an id among active definitions: 0 and *ordinal when found, -1 when not. */
int gb_catalog_find(const gb_catalog *c, const char *id, size_t *ordinal);

/* Queues an upsert of one definition given as YAML or JSON text of a mapping (the same form as an
 * element of a catalogue file), effective at sim time effective_ms. Validates it now: returns 0,
 * or -1 with a GB_ERR_INPUT error naming the definition and field (nothing queued). */
int gb_catalog_upsert(gb_catalog *c, const char *def, size_t len, int64_t effective_ms,
                      gb_err *err);

/* Queues the deletion of id, effective at sim time effective_ms. Deleting an id that is not
 * active when the change is applied does nothing. Returns 0, or -1 (empty id: GB_ERR_INPUT). */
int gb_catalog_delete(gb_catalog *c, const char *id, int64_t effective_ms, gb_err *err);

/* Queues the change a challenge_upsert or challenge_delete event carries, effective at its
 * effective_ts, or at its ts when effective_ts is 0. Other event types: -1, GB_ERR_INPUT. */
int gb_catalog_apply_event(gb_catalog *c, const gb_event *ev, gb_err *err);

/* Applies every queued change whose effective time is <= now_ms, in (effective time, arrival)
 * order; returns how many were dequeued (a delete of an inactive id is dequeued but changes
 * nothing). Cost per change: parsing was done at queue time; applying is O(1) plus freeing the
 * replaced definition. Matchers pay their own per-change cost lazily. The pipeline calls it per
 * event (hot path): a change it has no memory to apply stops the program (GB_FATAL) rather than
 * be dropped. */
size_t gb_catalog_advance(gb_catalog *c, int64_t now_ms);

/* Number of queued changes not applied yet. */
size_t gb_catalog_pending(const gb_catalog *c);

/* Counter of changes that modified the catalogue (upserts, deletes of active ids); starts at 0.
 * Matchers compare it with the generation they last saw. */
uint64_t gb_catalog_generation(const gb_catalog *c);

#endif
