/* gb_grow: the one way arrays grow.
 *
 * An array is a pointer to its elements and a capacity in elements. Growth doubles the
 * capacity (from a first capacity the caller chooses) until the requested count fits, so that
 * appending n elements one at a time costs O(n) copies in all; the new elements are zeroed.
 *
 * Two rules, one per kind of caller:
 * - set-up and input paths (loading files, building indexes, parsing): gb_grow returns -1 with
 *   GB_ERR_RUNTIME ("out of memory for 4096 definitions (256 KiB)"), the array unchanged, and
 *   the caller returns the error;
 * - the hot path (per-event state: players, sessions): arrays are pre-sized from the workload,
 *   so growing there is rare, and a failure is not recoverable (the event half-applied would
 *   leave the shard's state wrong): gb_grow_or_die stops the program with GB_FATAL, never skips.
 *
 * Use the macros, which take the array itself: GB_GROW(arr, cap, need, first, "what", err). They
 * compare need with the capacity inline (the hot path's usual case costs no call) and evaluate
 * need twice: pass an expression without side effects. */
#ifndef GB_GROW_H
#define GB_GROW_H

#include <stddef.h>

#include "gb_err.h"

/* Makes *items (an array of *cap elements of elem_size bytes; items points to the array's
 * pointer) hold at least need elements. Nothing happens when need <= *cap; otherwise the
 * capacity becomes first_cap (>= 1) doubled as many times as needed, the elements past the old
 * capacity are zeroed, and *items and *cap are updated. Returns 0, or -1 with GB_ERR_RUNTIME
 * naming what ("out of memory for N WHAT (B bytes)", or "N WHAT" when elem_size is 1: name
 * such arrays "bytes of …") when the allocation fails or its size
 * overflows; then *items and *cap are unchanged (the old array is still valid). */
int gb_grow(void *items, size_t *cap, size_t need, size_t elem_size, size_t first_cap,
            const char *what, gb_err *err);

/* gb_grow for the hot path: a failure stops the program with the message and the caller's file
 * and line (GB_FATAL). */
void gb_grow_or_die_at(const char *file, int line, void *items, size_t *cap, size_t need,
                       size_t elem_size, size_t first_cap, const char *what);

#define GB_GROW(arr, cap, need, first_cap, what, err)                                              \
  ((size_t)(need) <= (cap)                                                                         \
       ? 0                                                                                         \
       : gb_grow(&(arr), &(cap), (need), sizeof *(arr), (first_cap), (what), (err)))

#define GB_GROW_OR_DIE(arr, cap, need, first_cap, what)                                            \
  ((size_t)(need) <= (cap) ? (void)0                                                               \
                           : gb_grow_or_die_at(__FILE__, __LINE__, &(arr), &(cap), (need),         \
                                               sizeof *(arr), (first_cap), (what)))

#endif
