/* gb_rhythm: when players play — where they live (country and UTC offset) and the weekly
 * rhythm of activity in local time: quiet nights, a lunch bump, an evening peak; weekends ramp
 * up earlier in the day. docs/simulator.md shows the profile.
 *
 * The rhythm is a weight per local hour of the week (Monday 00:00 .. Sunday 23:00), piecewise
 * constant within the hour, normalised so that its weekly mean is 1: a process "at rate r per day
 * times the weight" averages r per day. Sampling is by thinning (Lewis and Shedler), drawing only
 * from the caller's random stream, so it is deterministic per player. Value types, no
 * allocation, thread-safe (read-only after gb_rhythm_init). */
#ifndef GB_RHYTHM_H
#define GB_RHYTHM_H

#include <stddef.h>
#include <stdint.h>

#include "gb_rng.h"

enum {
  GB_RHYTHM_HOURS = 7 * 24,
  GB_RHYTHM_GUIDE = 512 /* slots of the week's weight-time for finding an hour by inversion */
};

#define GB_RHYTHM_DEFAULT_PEAK_HOUR 21

typedef struct gb_rhythm {
  double weight[GB_RHYTHM_HOURS]; /* local hour of the week, Monday 00:00 first; mean 1 */
  double max_weight;
  /* cum[h]: the weight-time (weight x ms) of the week before local hour h; cum[168] is the
   * whole week's (its length in ms, the mean weight being 1). For sampling by inversion. */
  double cum[GB_RHYTHM_HOURS + 1];
  /* guide[j]: the hour where weight-time j x cum[168] / GB_RHYTHM_GUIDE falls, so that inversion
   * starts there and steps forward an hour or two at most instead of searching the week. */
  uint8_t guide[GB_RHYTHM_GUIDE];
} gb_rhythm;

/* The platform's profile with its evening peak moved to local hour peak_hour (0 .. 23; the whole
 * weekly profile is rotated, so weekends move with it). */
void gb_rhythm_init(gb_rhythm *r, int peak_hour);

/* Hour of the week (0 = Monday 00:00 .. 167) of local time local_ms (ms since 1970-01-01 in
 * local time; 1970-01-01 was a Thursday). Negative times are handled (floor division). */
int gb_rhythm_hour_of_week(int64_t local_ms);

/* The weight at sim time t_ms (UTC ms) for a player whose local time is UTC + offset_min. */
double gb_rhythm_weight_at(const gb_rhythm *r, int64_t t_ms, int32_t offset_min);

/* The first point after t_ms of a Poisson process whose rate is per_day (> 0) times the weight
 * at the player's local time, in sim ms (> t_ms; INT64_MAX when it would overflow). */
int64_t gb_rhythm_next(const gb_rhythm *r, gb_rng *rng, int64_t t_ms, int32_t offset_min,
                       double per_day);

/* The same process as gb_rhythm_next, sampled by inversion instead of thinning: unit_exp, an
 * exponential variate of mean 1 the caller draws (gb_ziggurat_exponential: no logarithm), is the
 * cumulative weighted time to use up (in units of a day's weight-time / per_day); whole weeks
 * are skipped at once, then the hour where it is used up is found from the week's cumulative
 * weights (through a guide table). Exact for the piecewise-constant rate, one draw per call
 * instead of one per thinning candidate (about max_weight of them); the draws differ from
 * gb_rhythm_next's, so the two are not interchangeable in a stream. > t_ms; INT64_MAX when it
 * would overflow. */
int64_t gb_rhythm_next_inverse(const gb_rhythm *r, double unit_exp, int64_t t_ms,
                               int32_t offset_min, double per_day);

/* A time in [from_ms, to_ms) (from_ms < to_ms) drawn with density proportional to the weight:
 * when a player with that offset arrives, given that it arrives in the interval. */
int64_t gb_rhythm_sample_between(const gb_rhythm *r, gb_rng *rng, int64_t from_ms, int64_t to_ms,
                                 int32_t offset_min);

/* Where players live: ISO country code, share of the population, UTC offset in minutes
 * (standard time; the platform's markets keep no daylight saving, the few overseas players are
 * approximated by their standard time). */
typedef struct gb_country {
  const char *code;
  double share; /* the shares sum to 1 */
  int32_t utc_offset_min;
} gb_country;

/* The countries, in a fixed order (indices are stable within a version). */
const gb_country *gb_countries(size_t *n);

#endif
