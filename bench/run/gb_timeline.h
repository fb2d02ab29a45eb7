/* gb_timeline: per-interval event counts and latency percentiles per stage, for timeline.csv.
 *
 * Time is cut into intervals of interval_ns (1 s by default) from start_ns on the gb_clock
 * (monotonic ns). Each record names a stage, the time it happened (now_ns) and a latency; the
 * timeline keeps, for every interval and stage, the event count and the latency distribution,
 * so that timelines kept by different threads merge exactly.
 *
 * Memory and allocation. One gb_hist per stage (GB_TIMELINE_SIGNIFICANT_DIGITS digits, 36 KiB)
 * collects the open interval; recording into it never allocates. When time moves past the open
 * interval (a record or gb_timeline_tick with a later now_ns) the interval is sealed: each
 * stage's non-empty buckets are copied into a compact pool (16 bytes per non-empty bucket, at
 * most one per event) plus a 40-byte cell, in arrays that grow by doubling. That is the only
 * allocation, once per interval rather than per event; a thread can move it off its event path
 * by calling gb_timeline_tick when idle. An allocation failure while sealing is remembered and
 * reported by gb_timeline_finish / _merge / _write_csv (never silently dropped).
 *
 * Single writer: one thread records into a timeline; give each thread its own, finish them, and
 * merge them into one. Timestamps must not go backwards by more than the open interval: a
 * record whose now_ns falls before the open interval (or before start_ns) is counted in the
 * open interval and in gb_timeline_misplaced, so a clock mix-up shows instead of vanishing.
 *
 * timeline.csv (gb_timeline_write_csv), one row per interval and stage, interval-major, with
 * this header:
 *   interval_start_s  start of the interval, seconds since start_ns (3 decimals)
 *   interval_s        length of the interval in s: interval_ns, except the last one, which ends
 *                     at the end given to gb_timeline_finish (3 decimals)
 *   stage             stage name
 *   events            records in the interval (including out-of-range latencies)
 *   throughput_eps    events / interval_s (1 decimal)
 *   p50_us, p99_us    latency percentiles in microseconds (3 decimals: exact ns), as
 *                     gb_hist_percentile computes them at GB_TIMELINE_SIGNIFICANT_DIGITS digits;
 *                     empty when the interval has no in-range latency for the stage
 *   max_us            exact largest in-range latency, µs; empty likewise
 *   out_of_range      records whose latency was < 1 ns or > 1 h (counted in events only) */
#ifndef GB_TIMELINE_H
#define GB_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gb_err.h"

#define GB_TIMELINE_DEFAULT_INTERVAL_NS INT64_C(1000000000) /* 1 s */
/* Interval lengths are whole milliseconds: the CSV prints times with ms resolution. */
#define GB_TIMELINE_INTERVAL_UNIT_NS INT64_C(1000000)
/* 2 digits (1 % resolution) for the per-interval percentiles: finer than a plot shows, and a
 * sealed interval keeps ~10 times fewer buckets than at 3 digits. The run's overall percentiles
 * (summary.csv) come from full-resolution histograms, not from the timeline. */
#define GB_TIMELINE_SIGNIFICANT_DIGITS 2

typedef struct gb_timeline gb_timeline;

/* Creates a timeline for n_stages (>= 1) stages named stage_names[0..n_stages-1] (copied;
 * non-empty, unique, letters, digits, '_', '-', '.' only, so that they need no CSV quoting),
 * with intervals of interval_ns (a positive multiple of 1 ms) starting at start_ns (gb_clock ns),
 * into *out; the caller owns it (gb_timeline_free). Returns 0, or -1 with GB_ERR_INPUT naming the
 * bad argument, or GB_ERR_RUNTIME when out of memory (*out is then unchanged). */
int gb_timeline_new(size_t n_stages, const char *const *stage_names, int64_t interval_ns,
                    int64_t start_ns, gb_timeline **out, gb_err *err);

/* Frees tl; NULL is allowed. */
void gb_timeline_free(gb_timeline *tl);

/* Counts one event of stage (< n_stages) at now_ns (gb_clock ns) with latency_ns. O(1) and no
 * allocation within an interval; see the header comment for the interval change. A stage out of
 * range is a caller bug: it is counted and reported by gb_timeline_finish. Calls after
 * gb_timeline_finish are counted the same way. */
void gb_timeline_record(gb_timeline *tl, size_t stage, int64_t now_ns, int64_t latency_ns);

/* Seals every interval that ended at or before now_ns (so that the next record does not have
 * to); cheap when there is nothing to seal. */
void gb_timeline_tick(gb_timeline *tl, int64_t now_ns);

/* Seals the remaining intervals: the timeline covers [start_ns, end) where end is end_ns, raised
 * to just past the latest record if one was later. Further records are refused (and counted).
 * Returns -1 with GB_ERR_RUNTIME when a record named an unknown stage or came after finish, or
 * when sealing ran out of memory. Calling it twice is an error (GB_ERR_RUNTIME). */
int gb_timeline_finish(gb_timeline *tl, int64_t end_ns, gb_err *err);

/* Adds src's intervals to dst's, exactly: dst ends as if it had recorded src's records too.
 * Both must be finished and have the same stages (names, order), interval_ns and start_ns, else
 * -1 with GB_ERR_INPUT and dst unchanged; GB_ERR_RUNTIME when out of memory (dst unchanged). */
int gb_timeline_merge(gb_timeline *dst, const gb_timeline *src, gb_err *err);

/* Records whose now_ns fell before their timeline's open interval (see above). */
uint64_t gb_timeline_misplaced(const gb_timeline *tl);

/* One row of timeline.csv (see the header comment for the meaning of each field). */
typedef struct gb_timeline_row {
  size_t interval; /* 0-based */
  double interval_start_s;
  double interval_s;
  const char *stage; /* owned by the timeline */
  uint64_t events;
  double throughput_eps;
  bool has_latency; /* false: no in-range latency, and the three values below are 0 */
  int64_t p50_ns, p99_ns, max_ns;
  uint64_t out_of_range;
} gb_timeline_row;

/* Number of rows (intervals x stages) of a finished timeline; 0 before gb_timeline_finish. */
size_t gb_timeline_n_rows(const gb_timeline *tl);

/* Fills *row with row i (< gb_timeline_n_rows; interval i / n_stages, stage i % n_stages) and
 * returns 0, or returns -1 (GB_ERR_INPUT) when i is out of range. */
int gb_timeline_row_at(const gb_timeline *tl, size_t i, gb_timeline_row *row, gb_err *err);

/* ---- persistence (state.gbr, docs/results.md): a finished timeline's sealed intervals, so
 * that results directories written by separate processes merge exactly. */

/* Writes a finished timeline to out, little-endian: i64 interval_ns, i64 length_ns (its end
 * minus its start), u64 n_stages, u64 n_intervals, then per interval and stage (interval-major):
 * u64 events, u64 out_of_range, i64 max_ns, u64 n_buckets and n_buckets × (i64 low_ns, u64
 * count) in increasing low_ns. Stage names are the caller's to record. Returns -1 with
 * GB_ERR_RUNTIME when tl is not finished or lost data (gb_timeline_finish's errors); write
 * errors show in ferror(out). */
int gb_timeline_save(const gb_timeline *tl, FILE *out, gb_err *err);

/* Reads what gb_timeline_save wrote, from in at its current position (path names it in
 * messages), into a new finished timeline with these n_stages stage names (as for
 * gb_timeline_new), starting at start_ns. Returns 0 with *out (gb_timeline_free), or -1 with
 * GB_ERR_INPUT naming path and the byte offset: truncated, a stage count other than n_stages,
 * an interval that is not a whole number of ms, buckets out of order or out of range, counts
 * that do not add up; GB_ERR_RUNTIME when out of memory. */
int gb_timeline_load(FILE *in, const char *path, size_t n_stages, const char *const *stage_names,
                     int64_t start_ns, gb_timeline **out, gb_err *err);

/* Moves a finished timeline's intervals `intervals` later: that many empty intervals come
 * first and its end moves as much (so that timelines started at different times line up before
 * gb_timeline_merge). 0, or -1 with GB_ERR_INPUT when tl is not finished, GB_ERR_RUNTIME when
 * out of memory (tl unchanged). */
int gb_timeline_delay(gb_timeline *tl, size_t intervals, gb_err *err);

/* Writes the header and every row as CSV to out. -1 with GB_ERR_RUNTIME when tl is not
 * finished, sealing had failed, or writing failed. */
int gb_timeline_write_csv(const gb_timeline *tl, FILE *out, gb_err *err);

#endif
