/* gb_cost: stage rows from a callgrind profile, summary.csv and the table (gb_cost.h). */
#include "gb_cost.h"

#include <inttypes.h>
#include <stdlib.h>

#include "gb_csv.h"
#include "gb_path.h"

/* The per-event stages. The pipeline's four are the functions between its latency stamps
 * (engine/gb_pipeline.c keeps them functions under LTO); the engine is the whole pipeline per
 * event. The simulator's are the player steps and the answers handed to the players. */
static const gb_cost_stage stages[] = {
    {"decode", {"pipeline_stage_decode"}, "wire message -> event, the player's slot", true},
    {"aggregator",
     {"pipeline_stage_aggregate"},
     "decision-time features, counters, the stats cube",
     true},
    {"matcher",
     {"pipeline_stage_match"},
     "attributes, prop feedback, eligible challenges, progress",
     true},
    {"recommender", {"pipeline_stage_decide"}, "the decision at a decision point", true},
    {"engine",
     {"gb_pipeline_process"},
     "the whole per-event pipeline (the four above and what joins them)",
     true},
    {"simulator",
     {"gb_sim_next", "gb_sim_on_decisions"},
     "the players' next events and their reactions to answers",
     true},
    {"engine_thread",
     {"gb_run_shard_main"},
     "the shard thread: the engine, epochs, replies, idle polling",
     false},
    {"simulator_thread",
     {"gb_run_producer_main"},
     "the simulator thread: the simulator, encoding, sending, idle polling",
     false},
};
enum { N_STAGES = sizeof stages / sizeof stages[0] };

const gb_cost_stage *gb_cost_stages(size_t *n) {
  *n = N_STAGES;
  return stages;
}

static const gb_cost_stage process_stage = {
    "process", {NULL}, "every instruction of the run's process", false};
static const gb_cost_stage setup_stage = {
    "setup", {NULL}, "outside the two threads: loading, catalogue, warm start, results", false};

size_t gb_cost_rows_max(void) { return N_STAGES + 2; }

static double per(uint64_t instructions, uint64_t events) {
  return (double)instructions / (double)events;
}

static gb_cost_row stage_row(const gb_callgrind *cg, const gb_cost_stage *s, uint64_t events) {
  gb_cost_row r = {.stage = s, .found = true};
  for (size_t i = 0; i < GB_COST_FUNCTIONS_MAX && s->functions[i]; i++) {
    gb_callgrind_fn f;
    if (!gb_callgrind_function(cg, s->functions[i], &f))
      r.found = false;
    r.instructions += f.inclusive;
    if (i == 0)
      r.calls = f.calls;
  }
  r.per_event = per(r.instructions, events);
  return r;
}

size_t gb_cost_measure(const gb_callgrind *cg, uint64_t events, gb_cost_row *rows) {
  size_t n = 0;
  uint64_t total = gb_callgrind_total(cg), threads = 0;
  rows[n++] = (gb_cost_row){.stage = &process_stage,
                            .instructions = total,
                            .per_event = per(total, events),
                            .found = true};
  for (size_t i = 0; i < N_STAGES; i++) {
    rows[n] = stage_row(cg, &stages[i], events);
    if (!stages[i].gated)
      threads += rows[n].instructions;
    n++;
  }
  uint64_t setup = total > threads ? total - threads : 0;
  rows[n++] = (gb_cost_row){
      .stage = &setup_stage, .instructions = setup, .per_event = per(setup, events), .found = true};
  return n;
}

static void metric(gb_csv_writer *w, const char *name, double v, const char *unit, gb_err *err) {
  gb_csv_cell_str(w, name, err);
  gb_csv_cell_f64(w, v, err);
  gb_csv_cell_str(w, unit, err);
  gb_csv_end_row(w, err);
}

int gb_cost_write_summary(const char *dir, const gb_cost_row *rows, size_t n, uint64_t events,
                          gb_err *err) {
  static const char *const cols[] = {"metric", "value", "unit"};
  char *path = gb_path_join(dir, "summary.csv");
  gb_csv_writer *w = NULL;
  int rc = path ? gb_csv_writer_open(path, cols, 3, &w, err)
                : gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  free(path);
  if (rc != 0)
    return -1;
  char name[128];
  metric(w, "events_processed", (double)events, "events", err);
  /* the whole process: informational (idle polling moves it by a few %), not a cost_ metric */
  metric(w, "process_instructions_per_event", rows[0].per_event, "instructions", err);
  metric(w, "process_instructions", (double)rows[0].instructions, "instructions", err);
  for (int totals = 0; totals < 2; totals++) {
    for (size_t i = 0; i < n; i++) {
      if (!rows[i].stage->gated || !rows[i].found)
        continue;
      snprintf(name, sizeof name, "cost_%s_instructions%s", rows[i].stage->name,
               totals ? "" : "_per_event");
      metric(w, name, totals ? (double)rows[i].instructions : rows[i].per_event, "instructions",
             err);
    }
  }
  return gb_csv_writer_close(w, err);
}

void gb_cost_print(FILE *out, const gb_cost_row *rows, size_t n, uint64_t events) {
  fprintf(out, "%-17s %15s %12s %10s %7s  %s\n", "stage", "instructions", "calls", "per_event",
          "share", "what");
  double total = rows[0].instructions ? (double)rows[0].instructions : 1;
  for (size_t i = 0; i < n; i++) {
    const gb_cost_row *r = &rows[i];
    if (!r->found) {
      fprintf(out, "%-17s %15s %12s %10s %7s  not in the profile (%s inlined?)\n", r->stage->name,
              "-", "-", "-", "-", r->stage->functions[0]);
      continue;
    }
    fprintf(out, "%-17s %15" PRIu64 " %12" PRIu64 " %10.1f %6.1f%%  %s%s\n", r->stage->name,
            r->instructions, r->calls, r->per_event, 100.0 * (double)r->instructions / total,
            r->stage->meaning, r->stage->gated ? "" : " [not gated]");
  }
  fprintf(out, "(%" PRIu64 " events processed)\n", events);
}
