/* gb_clock: the one wall clock every latency in gamebench is measured on.
 *
 * CLOCK_MONOTONIC in nanoseconds: all stages (sim, transport, engine) read the same clock, so
 * differences between stamps taken on different threads are meaningful. Not related to the sim
 * clock (sim time is in ms since the Unix epoch and lives in the events). */
#ifndef GB_CLOCK_H
#define GB_CLOCK_H

#include <stdint.h>

/* Monotonic time in ns; never goes backwards; cost measured by `gamebench bench` (~20 ns). */
int64_t gb_clock_now_ns(void);

/* Wall (real-time) clock in ns since the Unix epoch, for manifests and file names only. */
int64_t gb_clock_wall_ns(void);

/* CPU time consumed by the calling thread, in ns (CLOCK_THREAD_CPUTIME_ID). Benchmarks quote
 * "per core" rates on it, so that other processes on a shared machine do not count against the
 * code measured (time spent waiting for a CPU is not counted; cache pollution still is). Not
 * comparable between threads and never a latency. */
int64_t gb_clock_thread_cpu_ns(void);

/* Sleeps until the monotonic clock reaches deadline_ns (returns at once when already past). */
void gb_clock_sleep_until_ns(int64_t deadline_ns);

#endif
