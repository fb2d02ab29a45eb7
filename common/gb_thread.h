/* gb_thread: names for gamebench's threads, so that top -H, perf and debuggers show which stage
 * a thread is (gb-sim0, gb-shard1, gb-router) rather than the executable's name. */
#ifndef GB_THREAD_H
#define GB_THREAD_H

#include <pthread.h>

/* Names thread t "gb-<role><index>", or "gb-<role>" when index is negative, cut at the 15
 * characters Linux keeps. Cosmetic: a failure changes nothing and is not reported. */
void gb_thread_name(pthread_t t, const char *role, int index);

#endif
