/* gb_store_sampler: drawing one of n items with probability proportional to its weight, for
 * heavy-tailed weights read at random (a store's apps by popularity: browsing draws one per
 * app met, the store simulator's hottest random read).
 *
 * The items come in decreasing weight. The head, the fewest most popular items that hold 90 %
 * of the weight (at most GB_STORE_SAMPLER_HEAD of them), is inverted through its cumulative
 * weights with a guide table (Chen and Asau's indexed search: each 1/1024 of the head's
 * probability points at the first item reaching it, so a draw compares one or two entries); the
 * tail, the many rare items, through an alias table (Walker, Vose's construction: one entry per
 * draw). Both are O(1) expected; the split is for the caches: most draws land in the head,
 * whose few kilobytes stay cached, and a tail draw reads a single entry (where a binary search
 * over the tail would miss at each step). Exact up to floating-point rounding. Immutable once
 * built; any number of threads may draw. Memory: 16 bytes per item plus 4 KiB. */
#ifndef GB_STORE_SAMPLER_H
#define GB_STORE_SAMPLER_H

#include <stdint.h>

enum { GB_STORE_SAMPLER_HEAD = 2048 };

typedef struct gb_store_sampler gb_store_sampler;

/* A sampler over id[0..n) with weights w[0..n) (>= 0, not increasing, sum > 0; n >= 1), into
 * *out. Returns 0, or -1 when out of memory. */
int gb_store_sampler_new(const double *w, const uint32_t *id, uint32_t n, gb_store_sampler **out);

/* Frees s; NULL is allowed. */
void gb_store_sampler_free(gb_store_sampler *s);

/* The id drawn by u (uniform in [0, 1)): id[i] with probability w[i] / sum(w). */
uint32_t gb_store_sampler_draw(const gb_store_sampler *s, double u);

#endif
