/* gb_tally: additive statistics as a sparse map from 64-bit keys to 64-bit integer sums — what
 * the recommender's learning algorithms count between two epochs (trials and rewards per
 * challenge, fixed-point sums of a linear bandit's matrices, co-usage pairs) and what the
 * engine's shards exchange and merge at each epoch boundary.
 *
 * Integer sums make the merge exact: the totals do not depend on how events were split between
 * shards or processes, nor on the order the shards' tallies are added. Iteration and encoding go
 * in key order, so the same totals give the same bytes.
 *
 * Memory: 16 bytes per slot of an open-addressing table kept at most 3/4 full (power-of-two
 * capacity). Not thread-safe: one writer; a tally nobody writes may be read by several. */
#ifndef GB_TALLY_H
#define GB_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

/* A key the tally cannot hold (it marks empty slots). */
#define GB_TALLY_KEY_INVALID UINT64_MAX

typedef struct gb_tally gb_tally;

typedef struct gb_tally_entry {
  uint64_t key;
  int64_t sum;
} gb_tally_entry;

/* A new empty tally with room for expected_keys keys (a hint; 0 allowed). Returns 0, or -1 with
 * GB_ERR_RUNTIME when out of memory. */
int gb_tally_new(size_t expected_keys, gb_tally **out, gb_err *err);

/* Frees t; NULL is a no-op. */
void gb_tally_free(gb_tally *t);

/* Adds inc to key's sum (a new key starts at 0). key != GB_TALLY_KEY_INVALID. Hot path: grows
 * when 3/4 full; a failed growth stops the program (gb_grow.h). Sums wrap like uint64_t on
 * overflow (callers size their fixed-point units so that they cannot). */
void gb_tally_add(gb_tally *t, uint64_t key, int64_t inc);

/* key's sum (0 when absent). */
int64_t gb_tally_get(const gb_tally *t, uint64_t key);

/* Keys held (a key whose sum went back to 0 is still held). */
size_t gb_tally_count(const gb_tally *t);

/* Forgets every key, keeping the room. */
void gb_tally_clear(gb_tally *t);

/* Adds every sum of from into into. */
void gb_tally_merge(gb_tally *into, const gb_tally *from);

/* The entries in ascending key order: *out (the caller frees it; NULL when empty) and the count.
 * Returns 0, or -1 with GB_ERR_RUNTIME when out of memory. */
int gb_tally_sorted(const gb_tally *t, gb_tally_entry **out, size_t *n, gb_err *err);

/* Encodes t in key order: a little-endian uint64 count, then (key, sum) pairs of little-endian
 * 64-bit integers. *buf is malloc'd (the caller frees it). Returns 0, or -1 with GB_ERR_RUNTIME
 * when out of memory. */
int gb_tally_encode(const gb_tally *t, uint8_t **buf, size_t *len, gb_err *err);

/* Adds the sums encoded in buf[0..len) (gb_tally_encode's format) into t. Returns 0, or -1 with
 * GB_ERR_INPUT naming what is wrong (a truncated buffer, a count that does not match its
 * length, the invalid key); t is unchanged then. */
int gb_tally_decode_add(gb_tally *t, const uint8_t *buf, size_t len, gb_err *err);

#endif
