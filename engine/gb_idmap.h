/* gb_idmap: maps 64-bit ids (player ids) to dense slots 0, 1, 2, … in first-seen order, so that
 * per-player state lives in plain arrays indexed by slot. Densely numbered ids (1..N, as
 * platforms' user sequences and the simulator have them) are looked up in an array indexed by
 * id, 4 bytes per id; other ids in an open-addressing table (linear probing). Both grow by
 * doubling (amortised O(1), allocation only on growth). Not thread-safe: one per shard. */
#ifndef GB_IDMAP_H
#define GB_IDMAP_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

typedef struct gb_idmap gb_idmap;

/* A new empty map; expected (ids, a hint) sizes the table when the ids turn out sparse. */
int gb_idmap_new(size_t expected, gb_idmap **out, gb_err *err);
void gb_idmap_free(gb_idmap *m);

/* Slot of id, assigning the next free slot when id is new (*is_new set accordingly). Never
 * fails: running out of memory or of 32-bit slots stops the program (GB_FATAL: the per-event
 * hot path has no way to go on without the player's state). */
uint32_t gb_idmap_slot(gb_idmap *m, uint64_t id, int *is_new);

/* Starts loading the cache line a lookup of id reads first, so that the memory access overlaps
 * the caller's other work before it calls gb_idmap_slot or gb_idmap_find (the table of a shard
 * with 10^5 players does not stay in cache). A hint only: no effect on results. */
void gb_idmap_prefetch(const gb_idmap *m, uint64_t id);

/* Slot of id, or UINT32_MAX when id has none. */
uint32_t gb_idmap_find(const gb_idmap *m, uint64_t id);

/* Number of slots assigned (ids seen). */
size_t gb_idmap_count(const gb_idmap *m);

/* The id that owns slot (slot < count). */
uint64_t gb_idmap_id_at(const gb_idmap *m, uint32_t slot);

#endif
