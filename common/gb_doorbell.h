/* gb_doorbell: lets an idle consumer sleep in the kernel until a producer has something for it,
 * without costing the producer a system call while the consumer is awake.
 *
 * Consumer:  seen = gb_doorbell_prepare(d); if (work is there) gb_doorbell_cancel(d);
 *            else gb_doorbell_wait(d, seen, timeout);
 * Producer:  publish the work, then gb_doorbell_ring(d).
 * The sequentially consistent fences make the pattern race-free: either the consumer's check sees
 * the work, or the producer's ring sees the waiter and wakes it (a Linux futex). */
#ifndef GB_DOORBELL_H
#define GB_DOORBELL_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct gb_doorbell {
  _Atomic uint32_t seq;     /* bumped by every ring that found a waiter */
  _Atomic uint32_t waiters; /* consumers between prepare and wait/cancel */
} gb_doorbell;

void gb_doorbell_init(gb_doorbell *d);

/* Producer: after publishing work. Costs one atomic load when nobody waits. */
void gb_doorbell_ring(gb_doorbell *d);

/* Consumer: announces the intent to wait; returns the value to pass to wait. */
uint32_t gb_doorbell_prepare(gb_doorbell *d);

/* Consumer: found work after prepare: does not wait. */
void gb_doorbell_cancel(gb_doorbell *d);

/* Consumer: sleeps until a ring after prepare, or timeout_ns (> 0) elapses, or a spurious wake. */
void gb_doorbell_wait(gb_doorbell *d, uint32_t seen, int64_t timeout_ns);

#endif
