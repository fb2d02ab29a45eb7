#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "gb_queue.h"
#include "gb_test_support.h"

static gb_queue *make(size_t cap) {
  gb_queue *q = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_queue_new(cap, &q, &err), 0, "%s", err.msg);
  return q;
}

Test(queue, rejects_capacity_not_power_of_two) {
  gb_queue *q = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_queue_new(1000, &q, &err), -1);
  cr_assert(strstr(err.msg, "power of two"));
}

Test(queue, fifo_order_and_exact_bytes) {
  gb_queue *q = make(1024);
  cr_assert_eq(gb_queue_try_push(q, "hello", 5), true);
  cr_assert_eq(gb_queue_try_push(q, "world!", 6), true);
  char buf[256];
  cr_assert_eq(gb_queue_try_pop(q, buf, sizeof buf), 5);
  cr_assert_eq(memcmp(buf, "hello", 5), 0);
  cr_assert_eq(gb_queue_try_pop(q, buf, sizeof buf), 6);
  cr_assert_eq(memcmp(buf, "world!", 6), 0);
  cr_assert_eq(gb_queue_try_pop(q, buf, sizeof buf), 0);
  cr_assert_eq(gb_queue_pushed(q), 2);
  cr_assert_eq(gb_queue_popped(q), 2);
  gb_queue_free(q);
}

Test(queue, full_queue_refuses_without_writing) {
  gb_queue *q = make(256); /* max message 56 bytes; records of 64 bytes: 4 fit */
  char msg[56] = {0};
  int pushed = 0;
  while (gb_queue_try_push(q, msg, sizeof msg))
    pushed++;
  cr_assert_eq(pushed, 4);
  cr_assert_eq(gb_queue_used_bytes(q), 256);
  char buf[64];
  cr_assert_eq(gb_queue_try_pop(q, buf, sizeof buf), 56);
  cr_assert_eq(gb_queue_try_push(q, msg, sizeof msg), true);
  gb_queue_free(q);
}

static void pop_into_a_short_buffer(void *ctx) {
  (void)ctx;
  gb_queue *q = make(1024);
  gb_queue_try_push(q, "a message of 25 bytes ...", 25);
  char buf[8];
  gb_queue_try_pop(q, buf, sizeof buf);
}

/* A caller bug, not an error to return: the program stops, saying where and why. */
Test(queue, try_pop_into_a_short_buffer_stops_with_the_reason) {
  gbt_proc p = gbt_fork(pop_into_a_short_buffer, NULL);
  cr_assert_eq(p.status, 128 + SIGABRT, "%s", p.err);
  cr_assert(strstr(p.err, "gamebench: fatal: engine/transport/gb_queue.c:"), "%s", p.err);
  cr_assert(strstr(p.err, "a message of 25 bytes does not fit a buffer of 8"), "%s", p.err);
  gbt_proc_free(&p);
}

Test(queue, wraps_around_the_end_many_times) {
  gb_queue *q = make(256);
  char buf[64];
  for (int i = 0; i < 1000; i++) {
    char msg[40];
    size_t len = 1 + (size_t)(i % 39); /* varying sizes force wrap marks */
    memset(msg, 'a' + i % 26, len);
    cr_assert(gb_queue_try_push(q, msg, len), "push %d", i);
    cr_assert_eq(gb_queue_try_pop(q, buf, sizeof buf), len, "pop %d", i);
    cr_assert_eq(buf[len - 1], 'a' + i % 26);
  }
  gb_queue_free(q);
}

typedef struct stress {
  gb_queue *q;
  uint64_t n;
} stress;

static void *producer(void *arg) {
  stress *s = arg;
  for (uint64_t i = 0; i < s->n; i++) {
    uint64_t payload[3] = {i, i * 7, i ^ 0xabcdef};
    gb_queue_push(s->q, payload, 8 + (i % 3) * 8);
  }
  gb_queue_close(s->q);
  return NULL;
}

Test(queue, two_threads_lose_nothing_and_keep_order) {
  stress s = {.q = make(4096), .n = 200000};
  pthread_t t;
  pthread_create(&t, NULL, producer, &s);
  uint64_t expect = 0;
  uint64_t buf[8];
  while (!gb_queue_is_finished(s.q)) {
    size_t len = gb_queue_try_pop(s.q, buf, sizeof buf);
    if (len == 0)
      continue;
    cr_assert_eq(len, 8 + (expect % 3) * 8);
    cr_assert_eq(buf[0], expect);
    if (len >= 16)
      cr_assert_eq(buf[1], expect * 7);
    expect++;
  }
  pthread_join(t, NULL);
  cr_assert_eq(expect, s.n);
  cr_assert_eq(gb_queue_pushed(s.q), s.n);
  cr_assert_eq(gb_queue_popped(s.q), s.n);
  gb_queue_free(s.q);
}
