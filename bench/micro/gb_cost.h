/* gb_cost: what `gamebench bench cost` computes from a callgrind profile of a run, and the
 * results directory it writes (docs/results.md, "Cost results"); the command itself is
 * gb_bench_cost (gb_benches.h).
 *
 * A stage's cost is the inclusive instruction count (Ir, gb_callgrind.h) of the functions that
 * are the stage, summed, divided by the run's processed events: instructions per event. The
 * stage functions run once per event or per decision, never in an idle loop, so that the counts
 * depend on the build and the workload only, not on how the threads met. */
#ifndef GB_COST_H
#define GB_COST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gb_callgrind.h"
#include "gb_err.h"

enum { GB_COST_FUNCTIONS_MAX = 4 };

/* One stage: its name (summary.csv's cost_<name>_instructions_per_event) and its functions. */
typedef struct gb_cost_stage {
  const char *name;
  const char *functions[GB_COST_FUNCTIONS_MAX]; /* NULL-terminated when shorter */
  const char *meaning;                          /* one line for the table and the docs */
  bool gated; /* deterministic: written to summary.csv as a cost_ metric; the others (idle
                 polling inside) are printed only */
} gb_cost_stage;

/* The stages in table order; *n gets their number. */
const gb_cost_stage *gb_cost_stages(size_t *n);

/* One stage measured. */
typedef struct gb_cost_row {
  const gb_cost_stage *stage;
  uint64_t instructions; /* inclusive Ir, summed over the stage's functions */
  uint64_t calls;        /* calls into the stage's first function */
  double per_event;      /* instructions / events */
  bool found;            /* every function of the stage is in the profile */
} gb_cost_row;

/* The whole process's row and the stage rows, measured from cg over events processed events
 * (> 0): rows[0] is "process" (every instruction of the process), then one row per stage of
 * gb_cost_stages, then "setup" (the process outside the simulator and engine threads: loading,
 * catalogues, warm starts, results). rows must hold gb_cost_rows_max() rows; returns how many
 * were filled. */
size_t gb_cost_measure(const gb_callgrind *cg, uint64_t events, gb_cost_row *rows);
size_t gb_cost_rows_max(void);

/* Writes dir/summary.csv (metric,value,unit: events_processed, process_instructions_per_event
 * and process_instructions from rows[0] (informational: not deterministic), then
 * cost_<stage>_instructions_per_event for each gated stage found, unit "instructions", then
 * cost_<stage>_instructions, the totals). Atomic (gb_csv_writer). 0, or -1 with err. */
int gb_cost_write_summary(const char *dir, const gb_cost_row *rows, size_t n, uint64_t events,
                          gb_err *err);

/* Prints the table of rows to out. */
void gb_cost_print(FILE *out, const gb_cost_row *rows, size_t n, uint64_t events);

#endif
