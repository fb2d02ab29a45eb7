#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_rng.h"
#include "gb_timeline.h"

#define S INT64_C(1000000000)
#define MS INT64_C(1000000)
#define START (5 * S) /* any monotonic-clock origin */

static const char *const two_stages[] = {"decode", "match"};

static gb_timeline *new_tl(size_t n, const char *const *names) {
  gb_err err = {0};
  gb_timeline *tl = NULL;
  cr_assert_eq(gb_timeline_new(n, names, GB_TIMELINE_DEFAULT_INTERVAL_NS, START, &tl, &err), 0,
               "%s", err.msg);
  return tl;
}

static void finish(gb_timeline *tl, int64_t end_ns) {
  gb_err err = {0};
  cr_assert_eq(gb_timeline_finish(tl, end_ns, &err), 0, "%s", err.msg);
}

/* The CSV of a finished timeline, as a heap string (caller frees). */
static char *csv_of(const gb_timeline *tl) {
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  cr_assert_not_null(mem);
  gb_err err = {0};
  cr_assert_eq(gb_timeline_write_csv(tl, mem, &err), 0, "%s", err.msg);
  fclose(mem);
  return text;
}

static void expect_new_error(size_t n, const char *const *names, int64_t interval_ns,
                             const char *want) {
  gb_err err = {0};
  gb_timeline *tl = NULL;
  cr_assert_eq(gb_timeline_new(n, names, interval_ns, START, &tl, &err), -1);
  cr_assert_null(tl, "*out is left unchanged");
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, want), "want '%s' in: %s", want, err.msg);
}

Test(timeline, new_rejects_bad_stages_and_intervals) {
  const char *const comma[] = {"decode", "a,b"};
  const char *const twice[] = {"decode", "decode"};
  const char *const empty[] = {"decode", ""};
  expect_new_error(0, two_stages, S, "at least one stage");
  expect_new_error(2, comma, S, "stage name 'a,b': character ',' is not allowed");
  expect_new_error(2, twice, S, "stage name 'decode' is given twice");
  expect_new_error(2, empty, S, "stage 1 has no name");
  expect_new_error(2, two_stages, 0, "interval 0 ns is not a positive whole number of ms");
  expect_new_error(2, two_stages, 1500000 + 1, "interval 1500001 ns");
  expect_new_error(2, two_stages, -S, "interval -1000000000 ns");
}

/* At 2 digits (S = 256) latencies below 256 ns are exact; 100000 ns lies in [99840, 100351]
 * (width 512) and 200000 in [199680, 200703] (width 1024). */
Test(timeline, csv_rows_have_exact_counts_and_percentiles) {
  gb_timeline *tl = new_tl(2, two_stages);
  for (int64_t k = 1; k <= 200; k++)
    gb_timeline_record(tl, 0, START + k * 1000, k);
  gb_timeline_record(tl, 0, START + 999 * MS, 0);  /* out of range: counted, no percentile */
  gb_timeline_record(tl, 0, START + 999 * MS, -1); /* idem */
  for (int k = 0; k < 9; k++)
    gb_timeline_record(tl, 1, START + 1500 * MS, 100000);
  gb_timeline_record(tl, 1, START + 1600 * MS, 200000);
  finish(tl, START + 2500 * MS);
  char *csv = csv_of(tl);
  cr_assert_str_eq(csv,
                   "interval_start_s,interval_s,stage,events,throughput_eps,p50_us,p99_us,max_us,"
                   "out_of_range\n"
                   "0.000,1.000,decode,202,202.0,0.100,0.198,0.200,2\n"
                   "0.000,1.000,match,0,0.0,,,,0\n"
                   "1.000,1.000,decode,0,0.0,,,,0\n"
                   "1.000,1.000,match,10,10.0,100.351,200.000,200.000,0\n"
                   "2.000,0.500,decode,0,0.0,,,,0\n"
                   "2.000,0.500,match,0,0.0,,,,0\n");
  free(csv);

  cr_assert_eq(gb_timeline_n_rows(tl), 6);
  gb_timeline_row row;
  gb_err err = {0};
  cr_assert_eq(gb_timeline_row_at(tl, 3, &row, &err), 0);
  cr_assert_eq(row.interval, 1);
  cr_assert_str_eq(row.stage, "match");
  cr_assert_eq(row.events, 10);
  cr_assert(row.has_latency);
  cr_assert_eq(row.p50_ns, 100351);
  cr_assert_eq(row.p99_ns, 200000);
  cr_assert_eq(row.max_ns, 200000);
  cr_assert_eq(gb_timeline_row_at(tl, 5, &row, &err), 0);
  cr_assert_eq(row.interval_s, 0.5);
  cr_assert_not(row.has_latency);
  cr_assert_eq(gb_timeline_row_at(tl, 6, &row, &err), -1);
  cr_assert(strstr(err.msg, "row 6 does not exist (6 rows)"), "%s", err.msg);
  cr_assert_eq(gb_timeline_misplaced(tl), 0);
  gb_timeline_free(tl);
}

Test(timeline, late_and_early_records_are_counted_not_lost) {
  const char *const one[] = {"e2e"};
  gb_timeline *tl = new_tl(1, one);
  gb_timeline_record(tl, 0, START - 10, 5);        /* before start: interval 0 */
  gb_timeline_record(tl, 0, START + 2200 * MS, 7); /* opens interval 2 */
  gb_timeline_record(tl, 0, START + 1100 * MS, 9); /* interval 1 is sealed: lands in 2 */
  cr_assert_eq(gb_timeline_misplaced(tl), 2);
  finish(tl, START); /* raised to just past the latest record */
  char *csv = csv_of(tl);
  cr_assert_str_eq(csv, "interval_start_s,interval_s,stage,events,throughput_eps,p50_us,p99_us,"
                        "max_us,out_of_range\n"
                        "0.000,1.000,e2e,1,1.0,0.005,0.005,0.005,0\n"
                        "1.000,1.000,e2e,0,0.0,,,,0\n"
                        "2.000,0.200,e2e,2,10.0,0.007,0.009,0.009,0\n");
  free(csv);
  gb_timeline_free(tl);
}

Test(timeline, tick_seals_ahead_of_records) {
  const char *const one[] = {"e2e"};
  gb_timeline *tl = new_tl(1, one);
  gb_timeline_record(tl, 0, START + 10, 5);
  gb_timeline_tick(tl, START + 3200 * MS);
  gb_timeline_record(tl, 0, START + 2500 * MS, 6); /* interval 2 was sealed by the tick */
  cr_assert_eq(gb_timeline_misplaced(tl), 1);
  finish(tl, START + 4 * S);
  cr_assert_eq(gb_timeline_n_rows(tl), 4);
  gb_timeline_row row;
  cr_assert_eq(gb_timeline_row_at(tl, 2, &row, NULL), 0);
  cr_assert_eq(row.events, 0);
  cr_assert_eq(gb_timeline_row_at(tl, 3, &row, NULL), 0);
  cr_assert_eq(row.events, 1);
  cr_assert_eq(row.max_ns, 6);
  gb_timeline_free(tl);
}

Test(timeline, empty_timeline_has_only_the_header) {
  gb_timeline *tl = new_tl(2, two_stages);
  finish(tl, START - S); /* an end before the start is taken as the start */
  cr_assert_eq(gb_timeline_n_rows(tl), 0);
  char *csv = csv_of(tl);
  cr_assert_str_eq(csv, "interval_start_s,interval_s,stage,events,throughput_eps,p50_us,p99_us,"
                        "max_us,out_of_range\n");
  free(csv);
  gb_timeline_free(tl);
}

/* Log-uniform latencies over [100 ns, 10 ms], with some out of range. */
static int64_t latency(gb_rng *r, int k) {
  if (k % 101 == 0)
    return -k;
  return (int64_t)(100.0 * exp(gb_rng_uniform(r) * log(1e5)));
}

Test(timeline, merge_equals_one_timeline_recording_everything) {
  const char *const names[] = {"decode", "match", "recommend"};
  gb_timeline *all = new_tl(3, names), *part[3];
  for (int p = 0; p < 3; p++)
    part[p] = new_tl(3, names);
  gb_rng r;
  gb_rng_seed(&r, 9, 2);
  for (int k = 0; k < 20000; k++) {
    int64_t now = START + k * INT64_C(497000); /* ~10 s in steps that cross boundaries unevenly */
    size_t stage = (size_t)gb_rng_below(&r, 3);
    int64_t lat = latency(&r, k);
    gb_timeline_record(all, stage, now, lat);
    gb_timeline_record(part[k % 3], stage, now, lat);
  }
  int64_t ends[3] = {START + 8 * S, START + 10500 * MS, START + 9 * S};
  for (int p = 0; p < 3; p++)
    finish(part[p], ends[p]);
  finish(all, START + 10500 * MS);
  gb_err err = {0};
  for (int p = 1; p < 3; p++)
    cr_assert_eq(gb_timeline_merge(part[0], part[p], &err), 0, "%s", err.msg);
  char *want = csv_of(all), *got = csv_of(part[0]);
  cr_assert_str_eq(got, want);
  cr_assert_eq(gb_timeline_n_rows(all), 33); /* 11 intervals x 3 stages */
  /* Spot check that the data is not trivially empty. */
  gb_timeline_row row;
  cr_assert_eq(gb_timeline_row_at(all, 4, &row, NULL), 0);
  cr_assert_gt(row.events, 500);
  cr_assert(row.has_latency && row.p50_ns < row.p99_ns && row.p99_ns <= row.max_ns);
  free(want);
  free(got);
  for (int p = 0; p < 3; p++)
    gb_timeline_free(part[p]);
  gb_timeline_free(all);
}

static void expect_merge_error(gb_timeline *dst, const gb_timeline *src, const char *want) {
  gb_err err = {0};
  cr_assert_eq(gb_timeline_merge(dst, src, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, want), "want '%s' in: %s", want, err.msg);
}

Test(timeline, merge_refuses_mismatched_or_unfinished_timelines) {
  const char *const other_names[] = {"decode", "aggregate"};
  gb_err err = {0};
  gb_timeline *a = new_tl(2, two_stages), *b = new_tl(2, other_names);
  gb_timeline *c = NULL;
  cr_assert_eq(gb_timeline_new(2, two_stages, 2 * S, START, &c, &err), 0, "%s", err.msg);
  gb_timeline_record(a, 0, START, 10);
  expect_merge_error(a, b, "both timelines must be finished");
  finish(a, START + S);
  finish(b, START + S);
  finish(c, START + S);
  expect_merge_error(a, b, "stage 1 is 'match' in the destination, 'aggregate' in the source");
  expect_merge_error(a, c,
                     "intervals differ (destination 1000000000 ns from 5000000000, source "
                     "2000000000 ns from 5000000000)");
  gb_timeline_row row;
  cr_assert_eq(gb_timeline_row_at(a, 0, &row, NULL), 0);
  cr_assert_eq(row.events, 1, "a failed merge changed the destination");
  gb_timeline_free(a);
  gb_timeline_free(b);
  gb_timeline_free(c);
}

Test(timeline, misuse_is_reported_not_ignored) {
  gb_timeline *tl = new_tl(2, two_stages);
  gb_err err = {0};
  FILE *sink = tmpfile();
  cr_assert_eq(gb_timeline_write_csv(tl, sink, &err), -1);
  cr_assert(strstr(err.msg, "before gb_timeline_finish"), "%s", err.msg);
  gb_timeline_record(tl, 2, START, 10);
  cr_assert_eq(gb_timeline_finish(tl, START + S, &err), -1);
  cr_assert(strstr(err.msg, "1 records named a stage outside [0, 2)"), "%s", err.msg);
  cr_assert_eq(gb_timeline_finish(tl, START + S, &err), -1);
  cr_assert(strstr(err.msg, "already finished"), "%s", err.msg);
  gb_timeline_free(tl);

  tl = new_tl(2, two_stages);
  finish(tl, START + S);
  gb_timeline_record(tl, 0, START + 10, 10);
  cr_assert_eq(gb_timeline_write_csv(tl, sink, &err), -1);
  cr_assert(strstr(err.msg, "1 records came after the finish"), "%s", err.msg);
  fclose(sink);
  gb_timeline_free(tl);
}

/* Intervals are half-open: a record at exactly start + k s belongs to interval k. */
Test(timeline, interval_boundaries_are_half_open) {
  const char *const one[] = {"e2e"};
  gb_timeline *tl = new_tl(1, one);
  gb_timeline_record(tl, 0, START + S - 1, 1); /* last ns of interval 0 */
  cr_assert_eq(gb_timeline_misplaced(tl), 0);
  gb_timeline_record(tl, 0, START + S, 2); /* first ns of interval 1 */
  gb_timeline_record(tl, 0, START + S, 3);
  cr_assert_eq(gb_timeline_misplaced(tl), 0);
  gb_timeline_record(tl, 0, START + S - 1, 4); /* back into sealed interval 0 */
  cr_assert_eq(gb_timeline_misplaced(tl), 1);
  finish(tl, START + 2 * S);
  gb_timeline_row row;
  cr_assert_eq(gb_timeline_row_at(tl, 0, &row, NULL), 0);
  cr_assert_eq(row.events, 1);
  cr_assert_eq(row.max_ns, 1);
  cr_assert_eq(gb_timeline_row_at(tl, 1, &row, NULL), 0);
  cr_assert_eq(row.events, 3);
  cr_assert_eq(row.max_ns, 4);
  gb_timeline_free(tl);
}
