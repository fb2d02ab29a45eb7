/* gb_realism_csv: realism.csv in a results directory — the simulator's realism report
 * (sim/gb_sim_realism.h) as one row per statistic, columns
 *
 *   statistic,value,target,unit,source,note
 *
 * value is empty when the run cannot measure the statistic (note says why, e.g. "needs
 * sim.duration >= 15d"); source says where the target comes from (workload, model, start,
 * reference). docs/results.md and docs/simulator.md describe the rows. */
#ifndef GB_REALISM_CSV_H
#define GB_REALISM_CSV_H

#include "gb_err.h"
#include "gb_sim_realism.h"

/* Writes <dir>/realism.csv atomically (gb_csv). Returns 0, or -1 with a GB_ERR_RUNTIME error. */
int gb_realism_csv_write(const char *dir, const gb_sim_realism *r, gb_err *err);

#endif
