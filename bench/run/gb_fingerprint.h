/* gb_fingerprint: the machine and process fingerprint written into manifest.json, so that a
 * result can be judged against the machine it ran on (CPU, cores, governor) and the measuring
 * overhead it paid (clock read cost, histogram record cost).
 *
 * Also the two timing primitives behind those costs, which `gamebench bench histogram` runs with
 * more samples and repeats. */
#ifndef GB_FINGERPRINT_H
#define GB_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "gb_err.h"

/* A plain struct: every string is NUL-terminated, "unknown" when the source was unreadable. */
typedef struct gb_fingerprint {
  char cpu_model[256];    /* /proc/cpuinfo "model name" (x86) or the nearest equivalent (Arm) */
  long cores_online;      /* online logical CPUs (sysconf), >= 1 */
  char kernel[192];       /* uname: sysname and release, e.g. "Linux 6.1.0-18-amd64" */
  char arch[64];          /* uname machine, e.g. "x86_64" */
  char cpu_governor[64];  /* cpu0's cpufreq scaling_governor, "unknown" in VMs without cpufreq */
  int64_t peak_rss_bytes; /* getrusage(RUSAGE_SELF) max RSS at collection time, bytes */
  /* jemalloc's counters (bytes), after refreshing them with the "epoch" mallctl. Valid only when
   * has_jemalloc_stats: the build links jemalloc (GB_HAVE_JEMALLOC, not in sanitizer builds)
   * and it was built with statistics. */
  bool has_jemalloc_stats;
  uint64_t jemalloc_allocated_bytes; /* "stats.allocated": bytes in live allocations */
  uint64_t jemalloc_active_bytes;    /* "stats.active": bytes in active pages */
  uint64_t jemalloc_resident_bytes;  /* "stats.resident": bytes physically resident */
  double clock_read_ns;  /* ns per gb_clock_now_ns() call, median of a short measurement */
  double hist_record_ns; /* ns per gb_hist_record() at 3 digits, median of a short measurement */
} gb_fingerprint;

/* Fills *fp. Takes a few milliseconds (the two timings). Returns -1 with GB_ERR_RUNTIME only when
 * a required system call fails (uname, getrusage) or memory runs out; unreadable optional sources
 * give "unknown" / has_jemalloc_stats = false instead. */
int gb_fingerprint_collect(gb_fingerprint *fp, gb_err *err);

/* Writes fp as one JSON object (strings escaped by cJSON). indent is the number of spaces the
 * object itself is indented by (0 at top level): the opening brace is written at the current
 * position, members at indent + 2, the closing brace at indent, no trailing newline. So it can
 * be nested: `fprintf(out, "  \"machine\": "); gb_fingerprint_write_json(fp, out, 2);`.
 * jemalloc is an object {allocated_bytes, active_bytes, resident_bytes} or null. */
void gb_fingerprint_write_json(const gb_fingerprint *fp, FILE *out, int indent);

/* The same object as a string (heap; the caller frees), for gb_jsonw_raw; NULL when out of
 * memory. */
char *gb_fingerprint_json(const gb_fingerprint *fp);

/* secs (seconds since the epoch) as the manifest's ISO 8601 UTC time, "2025-01-15T10:00:00Z",
 * into buf (at least 21 bytes). */
void gb_fingerprint_utc(time_t secs, char *buf, size_t cap);

/* Spread of a repeated timing, ns per operation. */
typedef struct gb_fingerprint_timing {
  double median_ns, min_ns, max_ns;
  int repeats;
} gb_fingerprint_timing;

/* Times `reads` back-to-back gb_clock_now_ns() calls, `repeats` times (reads >= 1,
 * repeats in [1, 1000]); fills *t with ns per call. -1 with GB_ERR_INPUT on bad arguments,
 * GB_ERR_RUNTIME when out of memory. */
int gb_fingerprint_time_clock(size_t reads, int repeats, gb_fingerprint_timing *t, gb_err *err);

/* Times gb_hist_record over n pre-generated values (log-uniform over [100 ns, 1 s], from seed),
 * `repeats` times into one histogram of `digits` digits, reset between repeats; fills *t with ns
 * per record. -1 with GB_ERR_INPUT on bad arguments (n = 0, repeats outside [1, 1000], digits
 * outside [1, 5]), GB_ERR_RUNTIME when out of memory. */
int gb_fingerprint_time_hist_record(int digits, size_t n, int repeats, uint64_t seed,
                                    gb_fingerprint_timing *t, gb_err *err);

#endif
