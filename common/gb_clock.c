#include "gb_clock.h"

#include <errno.h>
#include <time.h>

static int64_t timespec_ns(const struct timespec *ts) {
  return (int64_t)ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

int64_t gb_clock_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return timespec_ns(&ts);
}

int64_t gb_clock_wall_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return timespec_ns(&ts);
}

int64_t gb_clock_thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return timespec_ns(&ts);
}

void gb_clock_sleep_until_ns(int64_t deadline_ns) {
  struct timespec ts = {.tv_sec = deadline_ns / 1000000000LL,
                        .tv_nsec = deadline_ns % 1000000000LL};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}
