#include "gb_duration.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct duration_unit {
  const char *suffix;
  int64_t ms;
} duration_unit;

/* Largest first, so that formatting picks the largest unit dividing a value exactly. */
static const duration_unit units[] = {
    {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1},
};
enum { N_UNITS = sizeof units / sizeof units[0] };

static const duration_unit *find_unit(const char *suffix) {
  for (size_t i = 0; i < N_UNITS; i++)
    if (strcmp(units[i].suffix, suffix) == 0)
      return &units[i];
  return NULL;
}

static int not_a_duration(const char *text, gb_err *err) {
  return gb_err_set(err, GB_ERR_INPUT, "'%s' is not a duration (e.g. 90m, 2h, 1d)",
                    text ? text : "");
}

int gb_duration_parse_ms(const char *text, int64_t *out_ms, gb_err *err) {
  /* strtoll alone would accept leading spaces and signs: require a digit first. */
  if (!text || !isdigit((unsigned char)text[0]))
    return not_a_duration(text, err);
  char *end = NULL;
  errno = 0;
  long long n = strtoll(text, &end, 10);
  const duration_unit *unit = find_unit(end);
  if (!unit)
    return not_a_duration(text, err);
  if (errno == ERANGE || n > GB_DURATION_MAX_MS / unit->ms)
    return gb_err_set(err, GB_ERR_INPUT, "'%s' is out of range (at most %dd)", text,
                      GB_DURATION_MAX_DAYS);
  *out_ms = (int64_t)n * unit->ms;
  return 0;
}

void gb_duration_format_ms(int64_t ms, char *buf, size_t len) {
  if (ms == 0) {
    snprintf(buf, len, "0s");
    return;
  }
  if (ms < 0) {
    snprintf(buf, len, "%" PRId64 "ms", ms);
    return;
  }
  for (size_t i = 0; i < N_UNITS; i++) {
    if (ms % units[i].ms == 0) {
      snprintf(buf, len, "%" PRId64 "%s", ms / units[i].ms, units[i].suffix);
      return;
    }
  }
}
