#include "gb_doorbell.h"

#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

void gb_doorbell_init(gb_doorbell *d) {
  atomic_init(&d->seq, 0);
  atomic_init(&d->waiters, 0);
}

void gb_doorbell_ring(gb_doorbell *d) {
  atomic_thread_fence(memory_order_seq_cst); /* the published work before the waiter check */
  if (atomic_load_explicit(&d->waiters, memory_order_relaxed) == 0)
    return;
  atomic_fetch_add_explicit(&d->seq, 1, memory_order_seq_cst);
  syscall(SYS_futex, &d->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

uint32_t gb_doorbell_prepare(gb_doorbell *d) {
  atomic_fetch_add_explicit(&d->waiters, 1, memory_order_seq_cst);
  uint32_t seen = atomic_load_explicit(&d->seq, memory_order_seq_cst);
  atomic_thread_fence(memory_order_seq_cst); /* the waiter count before the caller's work check */
  return seen;
}

void gb_doorbell_cancel(gb_doorbell *d) {
  atomic_fetch_sub_explicit(&d->waiters, 1, memory_order_relaxed);
}

void gb_doorbell_wait(gb_doorbell *d, uint32_t seen, int64_t timeout_ns) {
  struct timespec ts = {.tv_sec = timeout_ns / 1000000000LL, .tv_nsec = timeout_ns % 1000000000LL};
  /* Returns at once when seq already moved on (a ring came after prepare). */
  syscall(SYS_futex, &d->seq, FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
  atomic_fetch_sub_explicit(&d->waiters, 1, memory_order_relaxed);
}
