/* gb_records: zeroed arrays of hot records (a simulator's players), aligned to a cache line and
 * on transparent huge pages when they span one or more.
 *
 * Such arrays span tens of MB and are read at random (one player per session): with 4 KiB pages
 * nearly every first access would also miss the TLB, and a record that straddles a line boundary
 * costs a miss more. Huge pages are a hint to the kernel (madvise), so without them it is only
 * slower. Thread-safe (no state). */
#ifndef GB_RECORDS_H
#define GB_RECORDS_H

#include <stddef.h>

/* bytes (> 0) of zeroed memory aligned to a cache line (to 2 MiB when bytes >= 2 MiB); NULL
 * when out of memory. The caller releases it with free(). */
void *gb_records_alloc(size_t bytes);

#endif
