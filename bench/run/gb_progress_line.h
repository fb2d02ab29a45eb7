/* gb_progress_line: the one-line live status of a run on a terminal.
 *
 *   sim 01:02:03 | 1234567 events | 45.6k ev/s | p99 12.3 us
 *
 * Each update rewrites the line in place (carriage return, then spaces over any leftover of a
 * longer previous line; no newline) at most GB_PROGRESS_LINE_PERIOD_NS apart; _finish writes the
 * last values and the newline. Only for terminals: a log file or a pipe would collect every
 * redraw, so callers enable it with gb_progress_line_wanted (a TTY, not --quiet). A disabled
 * progress line writes nothing at all. */
#ifndef GB_PROGRESS_LINE_H
#define GB_PROGRESS_LINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gb_err.h"

/* 250 ms: about 4 redraws a second, as fast as a person reads, and cheap for the run. */
#define GB_PROGRESS_LINE_PERIOD_NS INT64_C(250000000)

typedef struct gb_progress_line gb_progress_line;

/* True when out is a terminal (isatty) and quiet is false. */
bool gb_progress_line_wanted(FILE *out, bool quiet);

/* Creates a progress line writing to out (not owned; must outlive it) into *out_pl (the caller
 * frees it with gb_progress_line_free). enabled = false makes every call a no-op. Returns 0, or
 * -1 with GB_ERR_RUNTIME when out of memory (*out_pl is then unchanged). */
int gb_progress_line_new(FILE *out, bool enabled, gb_progress_line **out_pl, gb_err *err);

/* Frees pl (it does not finish the line); NULL is allowed. */
void gb_progress_line_free(gb_progress_line *pl);

/* Reports the run's state at now_ns (gb_clock ns): sim_ms of sim time elapsed since the run's
 * sim start (shown as [Nd ]HH:MM:SS; negative shows as 0), events so far, rate_eps (events per
 * wall second, shown as N, N.Nk or N.NNM) and p99_us (shown in us, ms or s; negative or NaN
 * shows as "-"). The line is redrawn on the first update and then when at least
 * GB_PROGRESS_LINE_PERIOD_NS has passed since the last redraw; otherwise the values are kept
 * for _finish. Ignored after _finish. */
void gb_progress_line_update(gb_progress_line *pl, int64_t now_ns, int64_t sim_ms, uint64_t events,
                             double rate_eps, double p99_us);

/* Redraws the line with the last values given and ends it with a newline, so that what follows
 * starts on a fresh line. Writes nothing if there was no update. Idempotent. */
void gb_progress_line_finish(gb_progress_line *pl);

/* Formats the line's text (without the carriage return) into buf[cap] and returns its length
 * (as snprintf: the length it would have had if cap is too small). */
size_t gb_progress_line_format(char *buf, size_t cap, int64_t sim_ms, uint64_t events,
                               double rate_eps, double p99_us);

#endif
