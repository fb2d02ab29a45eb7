/* gb_prefetch: starting the loads of a record the caller will read soon, so that its cache
 * misses overlap other work (and each other) instead of stalling one after the other.
 *
 * Hints only: no effect on results, and no fault for any address. The functions are
 * always_inline on purpose: GCC finds a function whose only effects are prefetches "pure" and
 * drops calls to it whose result is unused, so that nothing would be prefetched at all; inlined,
 * the prefetches stay in callers that have other effects (see gb_timeq.c, where this was seen). */
#ifndef GB_PREFETCH_H
#define GB_PREFETCH_H

#include <stddef.h>

/* The cache line size the layouts and prefetches assume, in bytes (x86-64 and most ARM64). */
#define GB_CACHE_LINE 64

/* The loop of both functions below: __builtin_prefetch wants its read/write argument as a
 * constant in the call itself, so the body is shared as a macro, not a parameter. */
#define GB_PREFETCH_LINES_(start, bytes, rw)                                                       \
  do {                                                                                             \
    const char *gb_p_ = (const char *)(start);                                                     \
    for (size_t gb_at_ = 0; gb_at_ < (bytes); gb_at_ += GB_CACHE_LINE)                             \
      __builtin_prefetch(gb_p_ + gb_at_, rw);                                                      \
    if ((bytes) > 0)                                                                               \
      __builtin_prefetch(gb_p_ + (bytes)-1, rw);                                                   \
  } while (0)

/* Every cache line of [start, start + bytes), to read. bytes 0: nothing. The last byte is
 * prefetched too, so that a record not aligned to a line has both of its lines loading. */
static inline __attribute__((always_inline)) void gb_prefetch_span(const void *start,
                                                                   size_t bytes) {
  GB_PREFETCH_LINES_(start, bytes, 0);
}

/* The same, for a record the caller will write (the line is fetched for ownership where the
 * processor can). */
static inline __attribute__((always_inline)) void gb_prefetch_span_for_write(const void *start,
                                                                             size_t bytes) {
  GB_PREFETCH_LINES_(start, bytes, 1);
}

#endif
