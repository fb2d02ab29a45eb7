/* gb_matcher: finds every definition of a catalogue that an event's attributes satisfy.
 *
 * Two algorithms behind one interface, returning exactly the same matches:
 *  - GB_MATCH_SCAN, the baseline: evaluates every definition's predicates per event;
 *  - GB_MATCH_INDEX: definitions are filed under the values of their equality / membership
 *    criteria (one hash probe per distinct set of equality attributes), then under the 2-D cells
 *    of their two most selective ranges (cells per attribute at endpoint quantiles), so that an
 *    event only considers the few definitions that share its key values and range cells.
 * docs/matcher.md describes the index and its costs. The player's state is matched like any
 * attribute: add it with gb_attrs_add_player (the `player.*` attributes) before matching.
 *
 * Hot updates: a matcher follows its catalogue's applied changes (gb_catalog_advance) on its next
 * gb_matcher_match, re-filing only the changed definitions (no rebuild). One matcher per thread:
 * it keeps scratch state; several matchers may share one catalogue. */
#ifndef GB_MATCHER_H
#define GB_MATCHER_H

#include <stddef.h>
#include <stdint.h>

#include "gb_attrs.h"
#include "gb_catalog.h"
#include "gb_err.h"

typedef enum gb_match_algo { GB_MATCH_SCAN, GB_MATCH_INDEX } gb_match_algo;

typedef struct gb_matcher gb_matcher;

/* Counters since gb_matcher_new (for benchmarks and tests). */
typedef struct gb_matcher_stats {
  uint64_t events;     /* gb_matcher_match calls */
  uint64_t candidates; /* definitions considered: scan, every active one; index, those whose
                          posting admits the event (proven exact or verified in full) */
  uint64_t matches;    /* total matches returned */
  uint64_t updates;    /* catalogue changes applied to this matcher's structures */
  int64_t update_ns;   /* wall time spent applying them (gb_clock ns) */
  uint64_t rebuilds;   /* full index rebuilds (only when a backlog exceeds half the catalogue) */
} gb_matcher_stats;

/* Builds a matcher over c (which must outlive it). INDEX builds its index now: O(definitions).
 * Returns 0 and *out, or -1 (GB_ERR_RUNTIME, out of memory). */
int gb_matcher_new(const gb_catalog *c, gb_match_algo algo, gb_matcher **out, gb_err *err);
void gb_matcher_free(gb_matcher *m);

/* Ordinals of every active definition whose criteria AND player predicates the attrs satisfy,
 * in ascending order; writes at most cap of them to out and returns the total number of
 * matches (so a return > cap means out was too small). First applies any catalogue changes
 * made since the previous call; when out of memory while re-filing them, the matcher scans until
 * a rebuild succeeds, so results stay exact. Its per-event scratch state (the view, the hit list)
 * grows on the hot path's rule: a failed growth stops the program (gb_grow.h). */
size_t gb_matcher_match(gb_matcher *m, const gb_attrs *a, uint32_t *out, size_t cap);

/* Parses "scan" or "index"; 0 and *out, or -1 with an input error naming the value. */
int gb_matcher_algo_parse(const char *name, gb_match_algo *out, gb_err *err);

/* "scan" or "index". */
const char *gb_matcher_algo_name(gb_match_algo algo);

void gb_matcher_get_stats(const gb_matcher *m, gb_matcher_stats *out);

#endif
