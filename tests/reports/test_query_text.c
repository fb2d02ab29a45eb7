/* Times, offsets, durations and numbers as queries write them and results show them
 * (reports/gb_query_text.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>

#include "gb_query_int.h"

static const char *milli(int64_t v, char *buf) {
  gb_query_milli_format(v, buf, 32);
  return buf;
}

static const char *real(double v, char *buf) {
  gb_query_real_format(v, buf, 32);
  return buf;
}

static const char *when(int64_t ms, int32_t tz, char *buf) {
  gb_query_time_format(ms, tz, buf, GBQ_TIME_TEXT);
  return buf;
}

Test(query_text, milli_units_are_exact_decimals_without_trailing_zeros) {
  char b[32];
  cr_assert_str_eq(milli(150000, b), "150");
  cr_assert_str_eq(milli(9990, b), "9.99");
  cr_assert_str_eq(milli(-500, b), "-0.5");
  cr_assert_str_eq(milli(1, b), "0.001");
  cr_assert_str_eq(milli(-1, b), "-0.001");
  cr_assert_str_eq(milli(0, b), "0");
  cr_assert_str_eq(milli(1234567, b), "1234.567");
  cr_assert_str_eq(milli(INT64_MAX, b), "9223372036854775.807");
  cr_assert_str_eq(milli(INT64_MIN, b), "-9223372036854775.808");
}

Test(query_text, reals_have_six_significant_digits_in_fixed_notation) {
  char b[32];
  cr_assert_str_eq(real(1234.5678, b), "1234.57");
  cr_assert_str_eq(real(0.000123456789, b), "0.000123457");
  cr_assert_str_eq(real(1234567.0, b), "1234570");
  cr_assert_str_eq(real(999999.7, b), "1000000");
  cr_assert_str_eq(real(-2.5, b), "-2.5");
  cr_assert_str_eq(real(100, b), "100");
  cr_assert_str_eq(real(0.1, b), "0.1");
  cr_assert_str_eq(real(-0.0, b), "0");
  cr_assert_str_eq(real(9.999996, b), "10");
  cr_assert_str_eq(real(2e20, b), "2e+20");
  cr_assert_str_eq(real(-1.5e-7, b), "-1.5e-07");
  cr_assert_str_eq(real(1e-300, b), "1e-300");
  cr_assert_str_eq(real(0.000001, b), "0.000001");
}

Test(query_text, times_show_the_output_offset) {
  char b[GBQ_TIME_TEXT];
  int64_t t = INT64_C(1724115600000); /* 2024-08-20T01:00:00Z */
  cr_assert_str_eq(when(t, 480, b), "2024-08-20T09:00:00+08:00");
  cr_assert_str_eq(when(t, 0, b), "2024-08-20T01:00:00Z");
  cr_assert_str_eq(when(t, -330, b), "2024-08-19T19:30:00-05:30");
  cr_assert_str_eq(when(-1000, 0, b), "1969-12-31T23:59:59Z");
  cr_assert_str_eq(when(t + 250, 0, b), "2024-08-20T01:00:00.250Z");
  cr_assert_str_eq(when(INT64_C(951782400000), 0, b), "2000-02-29T00:00:00Z");
}

Test(query_text, time_parse_round_trips_the_format) {
  int64_t ms = 0;
  char why[256];
  const char *texts[] = {"2024-08-20T09:00:00+08:00", "1999-12-31T23:59:59Z",
                         "2000-02-29T12:00:00-12:00", "2024-08-19T19:30:00-05:30"};
  const int32_t tz[] = {480, 0, -720, -330};
  for (size_t i = 0; i < 4; i++) {
    cr_assert_eq(gb_query_time_parse(texts[i], &ms, why, sizeof why), 0, "%s", why);
    char b[GBQ_TIME_TEXT];
    cr_assert_str_eq(when(ms, tz[i], b), texts[i]);
  }
  cr_assert_eq(gb_query_time_parse("2024-08-20T09:00:00.5Z", &ms, why, sizeof why), 0);
  cr_assert_eq(ms, INT64_C(1724144400500));
  cr_assert_eq(gb_query_time_parse("2024-08-20T09:00:00.1234Z", &ms, why, sizeof why), -1);
  cr_assert_eq(gb_query_time_parse("2024-08-20T09:00:00.Z", &ms, why, sizeof why), -1);
}

Test(query_text, offsets_and_durations) {
  int32_t m = 1;
  cr_assert_eq(gb_query_offset_parse("Z", &m), 0);
  cr_assert_eq(m, 0);
  cr_assert_eq(gb_query_offset_parse("+14:00", &m), 0);
  cr_assert_eq(m, 840);
  cr_assert_eq(gb_query_offset_parse("-12:00", &m), 0);
  cr_assert_eq(m, -720);
  cr_assert_eq(gb_query_offset_parse("utc", &m), -1);
  char b[32];
  gb_query_offset_format(-330, b, sizeof b);
  cr_assert_str_eq(b, "-05:30");
  gb_query_offset_format(0, b, sizeof b);
  cr_assert_str_eq(b, "+00:00");

  int64_t ms = 0;
  const char *ok[] = {"1s", "90s", "15m", "1h", "1d", "second", "minute", "hour", "day", "366d"};
  const int64_t want[] = {1000, 90000, 900000,  3600000,  86400000,
                          1000, 60000, 3600000, 86400000, INT64_C(31622400000)};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    cr_assert_eq(gb_query_duration_parse(ok[i], &ms), 0, "%s", ok[i]);
    cr_assert_eq(ms, want[i], "%s", ok[i]);
  }
  const char *bad[] = {
      "", "h", "0s", "-1h", "1", "1ms", "1 h", "1H", "hours", "367d", "99999999999999999999s"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cr_assert_eq(gb_query_duration_parse(bad[i], &ms), -1, "%s", bad[i]);
  gb_query_duration_format(90000, b, sizeof b);
  cr_assert_str_eq(b, "90s");
  gb_query_duration_format(86400000, b, sizeof b);
  cr_assert_str_eq(b, "1d");
  gb_query_duration_format(7200000, b, sizeof b);
  cr_assert_str_eq(b, "2h");
}

Test(query_text, numbers_are_plain_decimals) {
  double d = 0;
  cr_assert(gb_query_number_parse("10", &d) && d == 10);
  cr_assert(gb_query_number_parse("-2.5e1", &d) && d == -25);
  const char *bad[] = {"", "0x10", "inf", "nan", " 1", "1 ", "1a", "--1", "1e999"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    cr_assert(!gb_query_number_parse(bad[i], &d), "%s", bad[i]);
}
