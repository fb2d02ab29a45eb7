#include "gb_rhythm.h"

#include <math.h>

#define MS_PER_HOUR 3600000LL
#define MS_PER_DAY 86400000LL
/* 1970-01-01 was a Thursday: day 0 is weekday 3 when Monday is 0. */
#define EPOCH_WEEKDAY 3
#define SATURDAY 5

/* Relative activity by local hour, with the evening peak at 21:00 (the shape of the hourly
 * player counts that Chinese card/board platforms publish: near-empty from 3 to 6, a lunch bump,
 * a long evening peak). Weekend days ramp up from 9:00 instead of staying flat until the
 * evening. Only the shape matters: gb_rhythm_init normalises the week to a mean of 1. */
static const double weekday_profile[24] = {
    0.90, 0.55, 0.30, 0.18, 0.12, 0.12, 0.20, 0.40, 0.60, 0.70, 0.75, 0.85,
    1.10, 1.05, 0.80, 0.80, 0.85, 0.95, 1.20, 1.60, 2.00, 2.20, 2.00, 1.50,
};
static const double weekend_profile[24] = {
    1.10, 0.75, 0.45, 0.25, 0.15, 0.12, 0.18, 0.35, 0.70, 1.00, 1.30, 1.40,
    1.50, 1.55, 1.50, 1.50, 1.55, 1.60, 1.70, 1.90, 2.10, 2.20, 2.00, 1.60,
};

/* Mainland China dominates; Hong Kong, Taiwan and South-East Asia follow; a few overseas players
 * live in other time zones (which is what makes their rhythm differ). */
static const gb_country countries[] = {
    {"CN", 0.770, 480},  {"HK", 0.040, 480}, {"TW", 0.050, 480},  {"MY", 0.040, 480},
    {"SG", 0.020, 480},  {"TH", 0.020, 420}, {"VN", 0.010, 420},  {"ID", 0.010, 420},
    {"JP", 0.010, 540},  {"AU", 0.010, 600}, {"US", 0.008, -300}, {"US", 0.007, -480},
    {"CA", 0.005, -300},
};

const gb_country *gb_countries(size_t *n) {
  *n = sizeof countries / sizeof countries[0];
  return countries;
}

static int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void gb_rhythm_init(gb_rhythm *r, int peak_hour) {
  int shift = peak_hour - GB_RHYTHM_DEFAULT_PEAK_HOUR;
  double sum = 0;
  for (int h = 0; h < GB_RHYTHM_HOURS; h++) {
    /* rotate the whole week: hour h of the result is hour h - shift of the profile */
    int src = ((h - shift) % GB_RHYTHM_HOURS + GB_RHYTHM_HOURS) % GB_RHYTHM_HOURS;
    int day = src / 24;
    r->weight[h] = day >= SATURDAY ? weekend_profile[src % 24] : weekday_profile[src % 24];
    sum += r->weight[h];
  }
  double mean = sum / GB_RHYTHM_HOURS;
  r->max_weight = 0;
  for (int h = 0; h < GB_RHYTHM_HOURS; h++) {
    r->weight[h] /= mean;
    r->max_weight = fmax(r->max_weight, r->weight[h]);
  }
  r->cum[0] = 0;
  for (int h = 0; h < GB_RHYTHM_HOURS; h++)
    r->cum[h + 1] = r->cum[h] + r->weight[h] * (double)MS_PER_HOUR;
  for (int j = 0, h = 0; j < GB_RHYTHM_GUIDE; j++) {
    double x = (double)j * r->cum[GB_RHYTHM_HOURS] / GB_RHYTHM_GUIDE;
    while (h + 1 < GB_RHYTHM_HOURS && r->cum[h + 1] <= x)
      h++;
    r->guide[j] = (uint8_t)h;
  }
}

int gb_rhythm_hour_of_week(int64_t local_ms) {
  int64_t day = floor_div(local_ms, MS_PER_DAY);
  int weekday = (int)((day + EPOCH_WEEKDAY) % 7 + 7) % 7;
  int hour = (int)((local_ms - day * MS_PER_DAY) / MS_PER_HOUR);
  return weekday * 24 + hour;
}

double gb_rhythm_weight_at(const gb_rhythm *r, int64_t t_ms, int32_t offset_min) {
  return r->weight[gb_rhythm_hour_of_week(t_ms + (int64_t)offset_min * 60000)];
}

int64_t gb_rhythm_next(const gb_rhythm *r, gb_rng *rng, int64_t t_ms, int32_t offset_min,
                       double per_day) {
  /* candidates at the peak rate, each kept with probability weight / max_weight */
  double mean_gap_ms = (double)MS_PER_DAY / (per_day * r->max_weight);
  int64_t t = t_ms;
  for (;;) {
    double gap = gb_rng_exponential(rng, mean_gap_ms);
    if (gap >= (double)(INT64_MAX - t) - 1.0)
      return INT64_MAX;
    t += (int64_t)gap + 1; /* strictly later: two sessions never start at the same ms */
    if (gb_rng_uniform(rng) * r->max_weight < gb_rhythm_weight_at(r, t, offset_min))
      return t;
  }
}

/* The hour h of the week with cum[h] <= x < cum[h + 1] (0 <= x < cum[168]): its weight is > 0.
 * The guide slot's hour is at or before it (slots are taken at their start). */
static int hour_of_weight_time(const gb_rhythm *r, double x) {
  int j = (int)(x * (GB_RHYTHM_GUIDE / r->cum[GB_RHYTHM_HOURS]));
  int h = r->guide[j < GB_RHYTHM_GUIDE ? j : GB_RHYTHM_GUIDE - 1];
  while (h > 0 && r->cum[h] > x) /* x * scale rounded up into the next slot */
    h--;
  while (h + 1 < GB_RHYTHM_HOURS && r->cum[h + 1] <= x)
    h++;
  return h;
}

int64_t gb_rhythm_next_inverse(const gb_rhythm *r, double unit_exp, int64_t t_ms,
                               int32_t offset_min, double per_day) {
  /* the weight-time (weight x ms) to use up: Exp(1) in units of the day's weight-time / rate */
  double need = unit_exp * ((double)MS_PER_DAY / per_day);
  int64_t local = t_ms + (int64_t)offset_min * 60000;
  int64_t week_ms = (int64_t)GB_RHYTHM_HOURS * MS_PER_HOUR;
  int64_t week_start = floor_div(local + (int64_t)EPOCH_WEEKDAY * MS_PER_DAY, week_ms) * week_ms -
                       (int64_t)EPOCH_WEEKDAY * MS_PER_DAY;
  double into_week = (double)(local - week_start);
  int h = (int)(into_week / (double)MS_PER_HOUR);
  double into_hour = into_week - (double)h * (double)MS_PER_HOUR;
  /* where the draw ends, in weight-time from this week's start; whole weeks apart */
  double target = r->cum[h] + r->weight[h] * into_hour + need;
  double week = r->cum[GB_RHYTHM_HOURS];
  double weeks = (double)(int64_t)(target / week); /* target >= 0: truncation is floor */
  target -= weeks * week;
  if (target >= week) /* rounding */
    target = nextafter(week, 0);
  int end_h = hour_of_weight_time(r, target);
  double end = weeks * (double)week_ms + (double)end_h * (double)MS_PER_HOUR +
               (target - r->cum[end_h]) / r->weight[end_h];
  double delta = end - into_week;
  if (delta < 0) /* rounding at the start */
    delta = 0;
  if (delta >= (double)(INT64_MAX - t_ms) - 2.0)
    return INT64_MAX;
  return t_ms + (int64_t)delta + 1; /* strictly later, as gb_rhythm_next */
}

int64_t gb_rhythm_sample_between(const gb_rhythm *r, gb_rng *rng, int64_t from_ms, int64_t to_ms,
                                 int32_t offset_min) {
  for (;;) {
    int64_t t = from_ms + (int64_t)gb_rng_below(rng, (uint64_t)(to_ms - from_ms));
    if (gb_rng_uniform(rng) * r->max_weight < gb_rhythm_weight_at(r, t, offset_min))
      return t;
  }
}
