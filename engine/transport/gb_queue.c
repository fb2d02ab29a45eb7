#include "gb_queue.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Keep the producer's and the consumer's hot fields on separate cache lines. */
#define CACHE_LINE 64

struct gb_queue {
  _Alignas(CACHE_LINE) _Atomic uint64_t head; /* bytes written (producer) */
  uint64_t cached_tail;                       /* producer's last view of tail */
  uint64_t pushed;
  uint64_t full_waits;
  _Alignas(CACHE_LINE) _Atomic uint64_t tail; /* bytes consumed (consumer) */
  uint64_t cached_head;                       /* consumer's last view of head */
  uint64_t popped;
  uint64_t pending_release; /* bytes to consume at gb_queue_release */
  _Alignas(CACHE_LINE) _Atomic bool closed;
  _Atomic uint64_t pushed_shared, popped_shared;
  size_t capacity;
  size_t mask;
  uint8_t *ring;
};

enum {
  HEADER = 8,              /* u32 length + u32 padding keeps payloads 8-byte aligned */
  WRAP_MARK = 0xFFFFFFFFu, /* length value meaning "skip to the start of the ring" */
  SPINS_BEFORE_YIELD = 64  /* busy-wait this long before giving the core away */
};

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

int gb_queue_new(size_t capacity_bytes, gb_queue **out, gb_err *err) {
  if (capacity_bytes < 256 || (capacity_bytes & (capacity_bytes - 1)) != 0)
    return gb_err_set(err, GB_ERR_INPUT, "queue capacity %zu is not a power of two >= 256",
                      capacity_bytes);
  gb_queue *q = aligned_alloc(CACHE_LINE, sizeof *q);
  uint8_t *ring = malloc(capacity_bytes);
  if (!q || !ring) {
    free(q);
    free(ring);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a %zu-byte queue", capacity_bytes);
  }
  memset(q, 0, sizeof *q);
  q->capacity = capacity_bytes;
  q->mask = capacity_bytes - 1;
  q->ring = ring;
  *out = q;
  return 0;
}

void gb_queue_free(gb_queue *q) {
  if (!q)
    return;
  free(q->ring);
  free(q);
}

size_t gb_queue_max_message(const gb_queue *q) { return q->capacity / 4 - HEADER; }

static void put_len(uint8_t *at, uint32_t len) { memcpy(at, &len, sizeof len); }

static uint32_t get_len(const uint8_t *at) {
  uint32_t len;
  memcpy(&len, at, sizeof len);
  return len;
}

bool gb_queue_try_push(gb_queue *q, const void *msg, size_t len) {
  uint64_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
  size_t offset = head & q->mask;
  size_t record = HEADER + align8(len);
  /* Records never straddle the end: when the tail of the ring is too short, a wrap mark fills
   * it and the record starts at offset 0. */
  size_t skip = (offset + record > q->capacity) ? q->capacity - offset : 0;
  size_t need = skip + record;
  if (head + need - q->cached_tail > q->capacity) {
    q->cached_tail = atomic_load_explicit(&q->tail, memory_order_acquire);
    if (head + need - q->cached_tail > q->capacity)
      return false;
  }
  if (skip) {
    put_len(q->ring + offset, WRAP_MARK);
    offset = 0;
  }
  put_len(q->ring + offset, (uint32_t)len);
  memcpy(q->ring + offset + HEADER, msg, len);
  q->pushed++;
  atomic_store_explicit(&q->pushed_shared, q->pushed, memory_order_relaxed);
  atomic_store_explicit(&q->head, head + need, memory_order_release);
  return true;
}

void gb_queue_push(gb_queue *q, const void *msg, size_t len) {
  if (gb_queue_try_push(q, msg, len))
    return;
  q->full_waits++;
  for (unsigned spins = 0; !gb_queue_try_push(q, msg, len); spins++)
    if (spins >= SPINS_BEFORE_YIELD)
      sched_yield();
}

size_t gb_queue_peek(gb_queue *q, const void **msg) {
  uint64_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
  if (tail == q->cached_head) {
    q->cached_head = atomic_load_explicit(&q->head, memory_order_acquire);
    if (tail == q->cached_head)
      return 0;
  }
  size_t offset = tail & q->mask;
  uint32_t len = get_len(q->ring + offset);
  size_t skip = 0;
  if (len == WRAP_MARK) {
    skip = q->capacity - offset;
    offset = 0;
    len = get_len(q->ring);
  }
  *msg = q->ring + offset + HEADER;
  q->pending_release = skip + HEADER + align8(len);
  return len;
}

void gb_queue_release(gb_queue *q) {
  uint64_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
  q->popped++;
  atomic_store_explicit(&q->popped_shared, q->popped, memory_order_relaxed);
  atomic_store_explicit(&q->tail, tail + q->pending_release, memory_order_release);
  q->pending_release = 0;
}

size_t gb_queue_try_pop(gb_queue *q, void *buf, size_t cap) {
  const void *msg;
  size_t len = gb_queue_peek(q, &msg);
  if (len == 0)
    return 0;
  if (len > cap) /* a caller bug: cap must be >= gb_queue_max_message */
    GB_FATAL("queue: a message of %zu bytes does not fit a buffer of %zu (gb_queue_max_message "
             "is %zu)",
             len, cap, gb_queue_max_message(q));
  memcpy(buf, msg, len);
  gb_queue_release(q);
  return len;
}

void gb_queue_close(gb_queue *q) { atomic_store_explicit(&q->closed, true, memory_order_release); }

bool gb_queue_is_finished(gb_queue *q) {
  if (!atomic_load_explicit(&q->closed, memory_order_acquire))
    return false;
  return atomic_load_explicit(&q->head, memory_order_acquire) ==
         atomic_load_explicit(&q->tail, memory_order_relaxed);
}

uint64_t gb_queue_pushed(const gb_queue *q) {
  return atomic_load_explicit(&((gb_queue *)q)->pushed_shared, memory_order_relaxed);
}

uint64_t gb_queue_popped(const gb_queue *q) {
  return atomic_load_explicit(&((gb_queue *)q)->popped_shared, memory_order_relaxed);
}

uint64_t gb_queue_full_waits(const gb_queue *q) { return q->full_waits; }

size_t gb_queue_used_bytes(const gb_queue *q) {
  uint64_t head = atomic_load_explicit(&((gb_queue *)q)->head, memory_order_acquire);
  uint64_t tail = atomic_load_explicit(&((gb_queue *)q)->tail, memory_order_acquire);
  return (size_t)(head - tail);
}
