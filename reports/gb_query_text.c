/* Times, offsets, durations and numbers as a query writes them and as its results show them.
 * Civil dates go through days_from_civil / civil_from_days (Howard Hinnant's public-domain
 * algorithms, written out here): timegm and gmtime_r would do, but depend on the C library's
 * range for time_t and on no TZ games, and a query needs neither. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_query_int.h"

enum { DAY_MS = 86400000, HOUR_MS = 3600000 };

/* ---- Civil dates ------------------------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d. */
static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = floor_div(y, 400);
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = floor_div(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

/* ---- Times ------------------------------------------------------------------------------- */

/* Reads exactly n digits at *p into *out. */
static bool digits(const char **p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)(*p)[i]))
      return false;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  *out = v;
  return true;
}

static bool expect(const char **p, char c) {
  if (**p != c)
    return false;
  (*p)++;
  return true;
}

/* "Z" or "±HH:MM" at p, the whole rest of the string. */
static bool parse_offset_at(const char *p, int32_t *min) {
  if (strcmp(p, "Z") == 0) {
    *min = 0;
    return true;
  }
  int h = 0, m = 0;
  char sign = *p;
  if (sign != '+' && sign != '-')
    return false;
  p++;
  if (!digits(&p, 2, &h) || !expect(&p, ':') || !digits(&p, 2, &m) || *p != '\0' || m > 59)
    return false;
  int32_t v = (int32_t)(h * 60 + m) * (sign == '-' ? -1 : 1);
  if (v < -720 || v > 840)
    return false;
  *min = v;
  return true;
}

/* Fraction ".f", ".ff" or ".fff" of a second, as ms. */
static bool parse_fraction(const char **p, int *ms) {
  *ms = 0;
  if (**p != '.')
    return true;
  (*p)++;
  int n = 0;
  while (isdigit((unsigned char)(*p)[n]))
    n++;
  if (n < 1 || n > 3)
    return false;
  int v = 0;
  digits(p, n, &v);
  for (int i = n; i < 3; i++)
    v *= 10;
  *ms = v;
  return true;
}

static int time_fail(char *why, size_t cap, const char *s, const char *reason) {
  snprintf(why, cap, "'%s' %s", s, reason);
  return -1;
}

int gb_query_time_parse(const char *s, int64_t *ms, char *why, size_t why_cap) {
  static const char *shape =
      "is not a time (expected YYYY-MM-DDTHH:MM:SS with Z or an offset, e.g. "
      "2024-08-20T09:00:00+08:00)";
  const char *p = s;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, frac = 0;
  if (!digits(&p, 4, &y) || !expect(&p, '-') || !digits(&p, 2, &mo) || !expect(&p, '-') ||
      !digits(&p, 2, &d) || !expect(&p, 'T') || !digits(&p, 2, &h) || !expect(&p, ':') ||
      !digits(&p, 2, &mi) || !expect(&p, ':') || !digits(&p, 2, &sec) || !parse_fraction(&p, &frac))
    return time_fail(why, why_cap, s, shape);
  if (*p == '\0')
    return time_fail(why, why_cap, s, "has no UTC offset (add Z or one like +08:00)");
  int32_t off = 0;
  if (!parse_offset_at(p, &off))
    return time_fail(why, why_cap, s, "has a bad UTC offset (Z, or -12:00 … +14:00 as ±HH:MM)");
  char reason[96];
  if (mo < 1 || mo > 12) {
    snprintf(reason, sizeof reason, "has no month %02d", mo);
    return time_fail(why, why_cap, s, reason);
  }
  if (d < 1 || d > days_in_month(y, mo)) {
    snprintf(reason, sizeof reason, "is not a date: %04d-%02d has no day %02d", y, mo, d);
    return time_fail(why, why_cap, s, reason);
  }
  if (h > 23 || mi > 59 || sec > 59)
    return time_fail(why, why_cap, s, "is not a time of day (00:00:00 … 23:59:59)");
  int64_t local = days_from_civil(y, mo, d) * DAY_MS + (int64_t)h * HOUR_MS +
                  (int64_t)mi * GBQ_MINUTE_MS + (int64_t)sec * 1000 + frac;
  *ms = local - (int64_t)off * GBQ_MINUTE_MS;
  return 0;
}

size_t gb_query_time_format(int64_t ms, int32_t tz_min, char *buf, size_t cap) {
  int64_t local = ms + (int64_t)tz_min * GBQ_MINUTE_MS;
  int64_t days = floor_div(local, DAY_MS);
  int64_t in_day = local - days * DAY_MS;
  int64_t y = 0;
  int m = 0, d = 0;
  civil_from_days(days, &y, &m, &d);
  char off[16];
  gb_query_offset_format(tz_min, off, sizeof off);
  int sub = (int)(in_day % 1000);
  char frac[8] = "";
  if (sub != 0) /* never on bucket boundaries, but a time is a time */
    snprintf(frac, sizeof frac, ".%03d", sub);
  int n = snprintf(buf, cap, "%04" PRId64 "-%02d-%02dT%02d:%02d:%02d%s%s", y, m, d,
                   (int)(in_day / HOUR_MS), (int)(in_day / GBQ_MINUTE_MS % 60),
                   (int)(in_day / 1000 % 60), frac, tz_min == 0 ? "Z" : off);
  return n < 0 ? 0 : (size_t)n;
}

/* ---- Offsets ----------------------------------------------------------------------------- */

int gb_query_offset_parse(const char *s, int32_t *min) {
  if (strcmp(s, "UTC") == 0) {
    *min = 0;
    return 0;
  }
  return parse_offset_at(s, min) ? 0 : -1;
}

void gb_query_offset_format(int32_t min, char *buf, size_t cap) {
  int32_t a = min < 0 ? -min : min;
  snprintf(buf, cap, "%c%02d:%02d", min < 0 ? '-' : '+', (int)(a / 60), (int)(a % 60));
}

/* ---- Durations --------------------------------------------------------------------------- */

typedef struct duration_unit {
  const char *suffix, *word;
  int64_t ms;
} duration_unit;

/* Largest first, so that formatting picks the largest unit dividing a value. */
static const duration_unit units[] = {
    {"d", "day", DAY_MS},
    {"h", "hour", HOUR_MS},
    {"m", "minute", GBQ_MINUTE_MS},
    {"s", "second", 1000},
};
enum { N_UNITS = sizeof units / sizeof units[0], DURATION_MAX_DAYS = 366 };

int gb_query_duration_parse(const char *s, int64_t *ms) {
  for (size_t i = 0; i < N_UNITS; i++)
    if (strcmp(s, units[i].word) == 0) {
      *ms = units[i].ms;
      return 0;
    }
  if (!isdigit((unsigned char)s[0]))
    return -1;
  char *end = NULL;
  errno = 0;
  long long n = strtoll(s, &end, 10);
  for (size_t i = 0; i < N_UNITS; i++)
    if (strcmp(end, units[i].suffix) == 0) {
      if (errno == ERANGE || n <= 0 || n > (long long)DURATION_MAX_DAYS * DAY_MS / units[i].ms)
        return -1;
      *ms = (int64_t)n * units[i].ms;
      return 0;
    }
  return -1;
}

void gb_query_duration_format(int64_t ms, char *buf, size_t cap) {
  for (size_t i = 0; i < N_UNITS; i++)
    if (ms != 0 && ms % units[i].ms == 0) {
      snprintf(buf, cap, "%" PRId64 "%s", ms / units[i].ms, units[i].suffix);
      return;
    }
  snprintf(buf, cap, "%" PRId64 "ms", ms);
}

/* ---- Numbers ----------------------------------------------------------------------------- */

size_t gb_query_milli_format(int64_t milli, char *buf, size_t cap) {
  /* through uint64_t, so that INT64_MIN has a magnitude */
  uint64_t a = milli < 0 ? 0 - (uint64_t)milli : (uint64_t)milli;
  unsigned frac = (unsigned)(a % 1000);
  char digits3[8] = "";
  if (frac != 0) {
    snprintf(digits3, sizeof digits3, ".%03u", frac);
    size_t n = strlen(digits3);
    while (digits3[n - 1] == '0')
      digits3[--n] = '\0';
  }
  int n = snprintf(buf, cap, "%s%" PRIu64 "%s", milli < 0 ? "-" : "", a / 1000, digits3);
  return n < 0 ? 0 : (size_t)n;
}

/* Drops trailing zeros after a decimal point, and the point when nothing follows it. */
static size_t trim_zeros(char *buf, size_t n) {
  if (!memchr(buf, '.', n))
    return n;
  while (n > 0 && buf[n - 1] == '0')
    buf[--n] = '\0';
  if (n > 0 && buf[n - 1] == '.')
    buf[--n] = '\0';
  return n;
}

size_t gb_query_real_format(double v, char *buf, size_t cap) {
  if (!isfinite(v) || v == 0 || fabs(v) >= 1e15 || fabs(v) < 1e-6) {
    int n = snprintf(buf, cap, "%.6g", v == 0 ? 0.0 : v); /* 0, not -0 */
    return n < 0 ? 0 : (size_t)n;
  }
  /* %.6g rounds to 6 significant digits; a fixed-notation copy of that value keeps them */
  char g[32];
  snprintf(g, sizeof g, "%.6g", v);
  double r = strtod(g, NULL);
  int exp10 = (int)floor(log10(fabs(r)));
  int decimals = exp10 >= 5 ? 0 : 5 - exp10;
  int n = snprintf(buf, cap, "%.*f", decimals, r);
  if (n < 0)
    return 0;
  return (size_t)n < cap ? trim_zeros(buf, (size_t)n) : (size_t)n;
}

bool gb_query_number_parse(const char *s, double *out) {
  /* digits, one point, an exponent, a sign: no hex floats, inf, nan or blanks */
  if (s[0] == '\0' || strspn(s, "0123456789.eE+-") != strlen(s))
    return false;
  char *end = NULL;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || errno == ERANGE)
    return false;
  *out = v;
  return true;
}
