#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_progress_line.h"

#define MS INT64_C(1000000)

/* A progress line writing to f, or the test fails. */
static gb_progress_line *new_line(FILE *f, bool enabled) {
  gb_progress_line *pl = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_progress_line_new(f, enabled, &pl, &err), 0, "%s", err.msg);
  return pl;
}

/* Everything written to f so far, as a heap string (caller frees). */
static char *contents(FILE *f) {
  fflush(f);
  long len = ftell(f);
  cr_assert_geq(len, 0);
  char *buf = calloc(1, (size_t)len + 1);
  rewind(f);
  cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
  return buf;
}

Test(progress_line, disabled_writes_nothing) {
  FILE *f = tmpfile();
  gb_progress_line *pl = new_line(f, false);
  gb_progress_line_update(pl, 0, 1000, 10, 100, 5);
  gb_progress_line_update(pl, 10 * GB_PROGRESS_LINE_PERIOD_NS, 2000, 20, 100, 5);
  gb_progress_line_finish(pl);
  fflush(f);
  cr_assert_eq(ftell(f), 0);
  gb_progress_line_free(pl);
  fclose(f);
}

Test(progress_line, redraws_in_place_throttled_and_ends_with_newline) {
  FILE *f = tmpfile();
  gb_progress_line *pl = new_line(f, true);
  int64_t t0 = 1000 * MS;
  gb_progress_line_update(pl, t0, 3723000, 1234567, 45600, 12.34);         /* drawn: first */
  gb_progress_line_update(pl, t0 + 100 * MS, 3724000, 1300000, 46000, 13); /* throttled */
  gb_progress_line_update(pl, t0 + 250 * MS, 3725000, 99, 999, 2500);      /* drawn, shorter */
  gb_progress_line_update(pl, t0 + 300 * MS, 90061000, 100, 2500000, -1);  /* throttled */
  gb_progress_line_finish(pl);
  gb_progress_line_finish(pl);                            /* idempotent */
  gb_progress_line_update(pl, t0 + 900 * MS, 0, 0, 0, 0); /* after finish: ignored */
  char *text = contents(f);
  const char *first = "\rsim 01:02:03 | 1234567 events | 45.6k ev/s | p99 12.3 us";
  const char *second = "\rsim 01:02:05 | 99 events | 999 ev/s | p99 2.50 ms";
  const char *last = "\rsim 1d 01:01:01 | 100 events | 2.50M ev/s | p99 -";
  /* The second line is 7 characters shorter than the first: 7 spaces blank the leftover; the
   * last one is as long as the second, so it needs none. */
  char want[512];
  snprintf(want, sizeof want, "%s%s%*s%s\n", first, second, (int)(strlen(first) - strlen(second)),
           "", last);
  cr_assert_str_eq(text, want);
  free(text);
  gb_progress_line_free(pl);
  fclose(f);
}

Test(progress_line, finish_without_updates_writes_nothing) {
  FILE *f = tmpfile();
  gb_progress_line *pl = new_line(f, true);
  gb_progress_line_finish(pl);
  fflush(f);
  cr_assert_eq(ftell(f), 0);
  gb_progress_line_free(pl);
  fclose(f);
}

Test(progress_line, formats_units) {
  char buf[160];
  gb_progress_line_format(buf, sizeof buf, -5, 0, NAN, NAN);
  cr_assert_str_eq(buf, "sim 00:00:00 | 0 events | 0 ev/s | p99 -");
  gb_progress_line_format(buf, sizeof buf, 59999, 18446744073709551615u, 999.4, 999.94);
  cr_assert_str_eq(buf, "sim 00:00:59 | 18446744073709551615 events | 999 ev/s | p99 999.9 us");
  gb_progress_line_format(buf, sizeof buf, 10 * 86400000 + 1000, 1, 1000, 1500000);
  cr_assert_str_eq(buf, "sim 10d 00:00:01 | 1 events | 1.0k ev/s | p99 1.50 s");
  char small[8];
  size_t n = gb_progress_line_format(small, sizeof small, 0, 0, 0, 0);
  cr_assert_eq(n, strlen("sim 00:00:00 | 0 events | 0 ev/s | p99 0.0 us"));
  cr_assert_str_eq(small, "sim 00:");
}

Test(progress_line, wanted_only_on_a_terminal_and_not_quiet) {
  FILE *f = tmpfile();
  cr_assert_not(gb_progress_line_wanted(f, false)); /* a file is not a terminal */
  cr_assert_not(gb_progress_line_wanted(f, true));
  fclose(f);
}
