/* gb_timeq: the simulator's event calendar — a priority queue of (ts, index) entries, popped in
 * (ts, index) order, built for many entries and a moving "now".
 *
 * Three tiers: the current window (one bucket of bucket_ms) is a sorted array consumed
 * in order, plus a small 4-ary heap for the entries placed in the window after it was sorted; a
 * ring of GB_TIMEQ_BUCKETS buckets holds the following windows as unsorted keys in chunks of one
 * cache line (appending is O(1); the chunks come from a pool allocated up front); a 4-ary heap
 * holds everything beyond the ring (a player's next session, hours away). When the current window
 * is exhausted the next bucket is sorted into the array, and the items its entries point to (the
 * first hot_bytes at base + index x stride) are prefetched a dozen entries ahead of the one popped,
 * so that their cache misses overlap instead of stalling one by one: with a hundred thousand
 * players the simulator is bound by those misses (a whole busy window at once would evict its own
 * first items from the first-level cache before they are read). Order is exactly that of one heap:
 * the stream does not depend on this structure.
 *
 * Entries may be pushed at any ts, earlier ones included (a closed-loop answer can make a
 * player due in the past): anything before the current window's end goes into the heap. Not
 * thread-safe. Memory: about 50 bytes per entry of capacity, plus up to 1.2 MiB (the ring's
 * buckets and a partly filled chunk for each). */
#ifndef GB_TIMEQ_H
#define GB_TIMEQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

enum {
  GB_TIMEQ_BUCKET_MS = 1000, /* the card platform's window: one sim second (with 16384 buckets
                                the ring covers 4.5 sim hours: rounds, pauses, short breaks) */
  GB_TIMEQ_BUCKET_MS_MAX = 86400000, /* a window of at most one sim day */
  GB_TIMEQ_BUCKETS = 16384           /* buckets of the ring */
};

typedef struct gb_timeq_entry {
  int64_t ts;
  uint32_t index;
} gb_timeq_entry;

typedef struct gb_timeq gb_timeq;

/* A queue for at most `capacity` entries at once, starting at sim time start_ms, with windows
 * of bucket_ms (1 .. GB_TIMEQ_BUCKET_MS_MAX), into *out (the caller frees it with
 * gb_timeq_free). The window is a speed setting, not a semantic one: choose it so that a window
 * holds tens to hundreds of entries (their prefetches overlap, and the ring, 16384 windows, covers
 * most of the pushes' horizon). Entries point at items base + index x stride (bytes) whose first
 * hot_bytes are prefetched when their window comes; hot_bytes 0 (or base NULL) means no
 * prefetching. All memory is allocated here: pushing never allocates. Returns 0, or -1 with
 * GB_ERR_INPUT for a window out of range, GB_ERR_RUNTIME when out of memory (*out is then
 * unchanged). */
int gb_timeq_new(size_t capacity, int64_t start_ms, int64_t bucket_ms, const void *base,
                 size_t stride, size_t hot_bytes, gb_timeq **out, gb_err *err);

/* Frees q; NULL is allowed. */
void gb_timeq_free(gb_timeq *q);

/* Adds an entry; at most `capacity` may be queued at once. */
void gb_timeq_push(gb_timeq *q, int64_t ts, uint32_t index);

/* The first entry in (ts, index) order, or false when the queue is empty. Moves the window
 * forward when the current one is exhausted (hence not const). */
bool gb_timeq_peek(gb_timeq *q, gb_timeq_entry *out);

/* The first entry, when the current window holds it, without moving the window: false when
 * the window is exhausted (or the queue empty), where the next gb_timeq_peek moves it on and
 * prefetches the new window's items itself. For starting to load the next item while other
 * work goes on; const, O(1). */
bool gb_timeq_peek_window(const gb_timeq *q, gb_timeq_entry *out);

/* Removes the first entry into *out when its ts is <= until (a peek and a pop in one); false,
 * the queue unchanged but for the window moving on, when it is empty or the first entry is
 * later. */
bool gb_timeq_pop_due(gb_timeq *q, int64_t until, gb_timeq_entry *out);

/* Removes the first entry (the queue must not be empty). */
void gb_timeq_pop(gb_timeq *q);

/* Gives the first entry a new ts (same index): a pop and a push in one, cheap when the new ts
 * stays in the current window. The queue must not be empty. */
void gb_timeq_retime_top(gb_timeq *q, int64_t ts);

/* Entries queued. */
size_t gb_timeq_size(const gb_timeq *q);

#endif
