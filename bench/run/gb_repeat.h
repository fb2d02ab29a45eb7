/* gb_repeat: `gamebench run --repeat N` — runs a workload N times, each from fresh state, into
 * DIR/repeat-1 … DIR/repeat-N, then writes DIR/repeats.csv (every summary metric of every repeat
 * and its median) and DIR/summary.csv (the medians, in summary.csv's own format, for the
 * regression gate). Medians follow gb_quantile's rule (the mean of the two middle repeats when N
 * is even). Verdicts are not averaged away: rate_sustained is the minimum over the repeats and
 * events_lost the maximum. Like a single run, DIR appears only when complete. */
#ifndef GB_REPEAT_H
#define GB_REPEAT_H

#include <stddef.h>

#include "gb_err.h"
#include "gb_run.h"
#include "gb_workload.h"

/* Runs n (>= 2) repeats. outcome->dir is the top directory; outcome->reconciled is true only if
 * every repeat reconciled. 0, or -1 with an error (nothing left behind). */
int gb_repeat_execute(const gb_workload *w, const gb_run_options *opt, size_t n,
                      gb_run_outcome *outcome, gb_err *err);

#endif
