/* gb_queue: a bounded single-producer single-consumer ring of variable-length messages.
 *
 * The in-process transport is a matrix of these (one per producer thread and engine shard), so
 * every queue has exactly one writer and one reader and needs no locks: two C11 atomics. A full
 * queue makes the producer wait (backpressure), never drop: gb_queue_push spins, then yields,
 * and counts how often it had to wait. Messages are stored as [u32 length][bytes], 8-byte
 * aligned; a message that does not fit before the end of the ring wraps to the start. */
#ifndef GB_QUEUE_H
#define GB_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

typedef struct gb_queue gb_queue;

/* Creates a queue of capacity_bytes (a power of two, >= 256). The largest message it accepts is
 * capacity_bytes / 4 (so a full-size message always fits once the consumer catches up). */
int gb_queue_new(size_t capacity_bytes, gb_queue **out, gb_err *err);
void gb_queue_free(gb_queue *q);

/* Largest message length accepted by push. */
size_t gb_queue_max_message(const gb_queue *q);

/* Producer: appends msg[0..len) if there is room; false when full (nothing written).
 * 1 <= len <= gb_queue_max_message(q) (an empty message would read as "queue empty"). */
bool gb_queue_try_push(gb_queue *q, const void *msg, size_t len);

/* Producer: appends, waiting while the queue is full. Never drops. */
void gb_queue_push(gb_queue *q, const void *msg, size_t len);

/* Consumer: copies the oldest message into buf (cap bytes) and removes it; returns its length,
 * or 0 when the queue is empty. A message longer than cap is a caller bug (cap must be >=
 * gb_queue_max_message). */
size_t gb_queue_try_pop(gb_queue *q, void *buf, size_t cap);

/* Consumer: borrows the oldest message without copying (*msg points into the ring, valid until
 * gb_queue_release). Returns its length, or 0 when empty. */
size_t gb_queue_peek(gb_queue *q, const void **msg);
void gb_queue_release(gb_queue *q);

/* Producer: no more messages will come. Consumer: closed and empty means finished. */
void gb_queue_close(gb_queue *q);
bool gb_queue_is_finished(gb_queue *q);

/* Counters (approximate while running, exact once both sides are idle). */
uint64_t gb_queue_pushed(const gb_queue *q);
uint64_t gb_queue_popped(const gb_queue *q);
uint64_t gb_queue_full_waits(const gb_queue *q); /* pushes that found the queue full */
size_t gb_queue_used_bytes(const gb_queue *q);

#endif
