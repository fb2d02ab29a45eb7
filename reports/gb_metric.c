#include "gb_metric.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_quantile.h"

/* Short names for the table below only (undefined after it). */
#define L GB_METRIC_LOWER_BETTER
#define H GB_METRIC_HIGHER_BETTER
#define N GB_METRIC_NONE
#define TIMING GB_METRIC_TIMING
#define DET GB_METRIC_DETERMINISTIC
#define VERDICT GB_METRIC_VERDICT
#define COUNT GB_METRIC_COUNT
#define SUM GB_METRIC_SUMMARY
#define ARM GB_METRIC_ARM

/* Default gate. The timing metrics judged without a gate file are few on purpose: Holm's
 * correction divides alpha among them, and with 5 repeats a side the smallest one-sided
 * Mann-Whitney p is 1/252, so more than a dozen could never be flagged. Their tolerances are the
 * smallest change worth failing a build for; the test decides whether a change is noise.
 * Deterministic metrics are exact; instruction counts get the spread measured under callgrind
 * (docs/benchmarks.md, "Cost gate"). */
#define GATE(tol) .gated = true, .tolerance = (tol)

static const gb_metric_def registry[] = {
    /* ---- summary.csv, in the order the run writes it */
    {"events_generated", "events", N, DET, SUM, GATE(0),
     "events the simulator emitted, plus the copies of operators' changes (`--control`): one per "
     "partition (in process: per shard) and simulator thread"},
    {"events_sent", "events", N, COUNT, SUM, .meaning = "events the transport accepted"},
    {"events_consumed", "events", N, COUNT, SUM,
     .meaning = "events the engine received from the transport (replays excluded)"},
    {"events_processed", "events", N, DET, SUM, GATE(0),
     "events that went through the whole pipeline (replays excluded)"},
    {"events_rejected", "events", L, DET, SUM, GATE(0),
     "events consumed but rejected (undecodable or invalid): kept in dead_letter.jsonl"},
    {"events_duplicate", "events", L, COUNT, SUM,
     .meaning = "redeliveries recognised by event_id and skipped, and the copies of an operator's "
                "change beyond the first each shard receives"},
    {"events_replayed", "events", L, COUNT, SUM,
     .meaning = "Kafka: events a shard read again to rebuild its players' state after a partition "
                "moved to it mid-run (a member timed out or left). They were processed, counted "
                "and answered before; the shard processes them again without counting or "
                "answering them, so they appear in none of the counts above"},
    {"events_lost", "events", L, VERDICT, SUM,
     .meaning = "events generated but never consumed: the sum of `lost` in partitions.csv, plus "
                "events the transport never accepted (only when the transport failed) (> 0 is a "
                "failure verdict; the run exits 1)"},
    {"events_late", "events", L, COUNT, SUM,
     .meaning = "events older than their player's watermark (the latest event time seen from that "
                "player) by more than `engine.aggregates.allowed_lateness`: processed and "
                "answered, but kept out of the stats cube (so a query never changes for a bucket "
                "already answered, whatever the arrival order). The simulator's players send in "
                "time order: 0 unless the events come from elsewhere"},
    {"events_warmup", "events", N, COUNT, SUM,
     .meaning = "events whose intended emit time fell in the warm-up"},
    {"decisions", "decisions", N, DET, SUM, GATE(0), "decision points the engine answered"},
    {"answers_received", "decisions", N, DET, SUM,
     .meaning = "answers the players received (equal to `decisions` in a reconciled run)"},
    {"props_generated", "props", N, DET, SUM, GATE(0), "decisions that generated a prop"},
    {"catalog_updates", "changes", N, COUNT, SUM,
     .meaning = "challenge_upsert/delete events applied, summed over the shards (each shard "
                "applies every change to its own catalogue: 2 changes on 3 shards = 6)"},
    {"backpressure_waits", "sends", L, COUNT, SUM,
     .meaning = "sends that found the transport full and waited"},
    {"target_rate_eps", "events/s", N, DET, SUM,
     .meaning = "events generated over the intended wall duration (`sim.duration / time_scale`); "
                "0 for `time_scale: max` (no target)"},
    {"achieved_rate_eps", "events/s", H, TIMING, SUM, GATE(0.02),
     "events processed per second of wall time"},
    {"rate_sustained", "bool", H, VERDICT, SUM,
     .meaning = "`1` when `achieved_rate_eps` ≥ 99 % of the target and the backlog did not grow; "
                "`0` is a failure verdict, printed first. Always `1` at `time_scale: max` (no "
                "target; the backlog is still reported)"},
    /* Part of rate_sustained's verdict at a paced rate, not one of its own: at time_scale max
     * the simulator outruns the pipeline by design and the backlog grows. */
    {"backlog_growing", "bool", L, COUNT, SUM,
     .meaning = "the transport's backlog (sent − received, sampled every 20 ms) averaged over the "
                "last quarter of the run exceeds twice the first quarter's and 0.1 s of the "
                "target rate (part of `rate_sustained`'s verdict)"},
    {"backlog_max_events", "events", L, TIMING, SUM, .meaning = "the largest sampled backlog"},
    {"backlog_last_quarter_events", "events", L, TIMING, SUM,
     .meaning = "the backlog's mean over the last quarter of the run"},
    {"warmup_seconds", "s", N, DET, SUM, .meaning = "the warm-up (`warmup`, wall time)"},
    {"latency_warmup_e2e_p50_us", "us", L, TIMING, SUM,
     .meaning = "`e2e` (corrected) of the warm-up samples: median"},
    {"latency_warmup_e2e_p99_us", "us", L, TIMING, SUM,
     .meaning = "`e2e` (corrected) of the warm-up samples: 99th percentile"},
    {"latency_warmup_e2e_max_us", "us", L, TIMING, SUM,
     .meaning = "`e2e` (corrected) of the warm-up samples: maximum"},
    {"wall_seconds", "s", L, TIMING, SUM, .meaning = "the measured run's wall time"},
    {"sim_seconds", "s", N, DET, SUM,
     .meaning = "the sim time simulated: `sim.duration`, or the sim time reached when the run was "
                "interrupted"},
    {"interrupted", "bool", L, VERDICT, SUM,
     .meaning = "`1` when SIGINT or SIGTERM stopped the simulator before the end of "
                "`sim.duration`: the run drained what was sent and wrote complete results of a "
                "shorter run (manifest.json says which signal and `sim_seconds`; the run exits "
                "130 or 143); `1` is a failure verdict"},
    {"peak_rss_bytes", "bytes", L, TIMING, SUM, .meaning = "peak resident set size"},
    /* The latency rows the default gate judges, before the patterns they would match. */
    {"latency_e2e_p50_us", "us", L, TIMING, SUM, GATE(0.02),
     "`e2e` corrected latency, median (gated by default)"},
    {"latency_e2e_p99_us", "us", L, TIMING, SUM, GATE(0.05),
     "`e2e` corrected latency, 99th percentile (gated by default)"},
    {"latency_decision_p99_us", "us", L, TIMING, SUM, GATE(0.05),
     "`decision` corrected latency (the closed loop), 99th percentile (gated by default)"},
    /* Uncorrected patterns first: "latency_<stage>_p50_us" would take "e2e_uncorrected" for a
     * stage name. */
    {"latency_<stage>_uncorrected_count", "samples", N, COUNT, SUM,
     .meaning = "samples recorded from the actual send time"},
    {"latency_<stage>_uncorrected_out_of_range", "samples", L, COUNT, SUM,
     .meaning = "of those, outside the histogram's 1 ns … 1 h range (counted, never dropped)"},
    {"latency_<stage>_uncorrected_p50_us", "us", L, TIMING, SUM,
     .meaning = "the stage's latency measured from the actual send time (typically at most the "
                "corrected one): median"},
    {"latency_<stage>_uncorrected_p90_us", "us", L, TIMING, SUM,
     .meaning = "the same, 90th percentile"},
    {"latency_<stage>_uncorrected_p99_us", "us", L, TIMING, SUM,
     .meaning = "the same, 99th percentile"},
    {"latency_<stage>_uncorrected_p999_us", "us", L, TIMING, SUM,
     .meaning = "the same, 99.9th percentile"},
    {"latency_<stage>_uncorrected_max_us", "us", L, TIMING, SUM, .meaning = "the same, maximum"},
    {"latency_<stage>_count", "samples", N, COUNT, SUM,
     .meaning = "samples recorded for the stage after the warm-up"},
    {"latency_<stage>_out_of_range", "samples", L, COUNT, SUM,
     .meaning = "of those, outside the histogram's 1 ns … 1 h range (counted, never dropped)"},
    {"latency_<stage>_p50_us", "us", L, TIMING, SUM,
     .meaning = "corrected latency of the stage (from the intended emit time): median"},
    {"latency_<stage>_p90_us", "us", L, TIMING, SUM, .meaning = "the same, 90th percentile"},
    {"latency_<stage>_p99_us", "us", L, TIMING, SUM, .meaning = "the same, 99th percentile"},
    {"latency_<stage>_p999_us", "us", L, TIMING, SUM, .meaning = "the same, 99.9th percentile"},
    {"latency_<stage>_max_us", "us", L, TIMING, SUM, .meaning = "the same, maximum"},
    /* `gamebench bench cost` (instructions counted by callgrind; stage = decode, aggregator,
     * matcher, recommender, engine, simulator). Their run-to-run spread is below 0.07 %
     * (docs/benchmarks.md, "Cost gate"): 0.2 % catches a 1 % costlier hot path. */
    {"cost_<stage>_instructions_per_event", "instructions", L, DET, SUM, GATE(0.002),
     "instructions the stage executes per processed event, counted by callgrind "
     "(`gamebench bench cost`)"},
    {"cost_<stage>_instructions", "instructions", L, DET, SUM,
     .meaning = "instructions the stage executed in the whole cost run"},
    {"process_instructions_per_event", "instructions", L, COUNT, SUM,
     .meaning = "the whole process per processed event, set-up and idle polling included "
                "(informational: polling moves it by a few %)"},
    {"process_instructions", "instructions", L, COUNT, SUM,
     .meaning = "the whole process's instructions in the cost run"},
    /* ---- arms.csv: one value per arm */
    {"players", "players", N, DET, ARM, .meaning = "players assigned to the arm"},
    {"decisions", "decisions", N, DET, ARM, .meaning = "decisions taken, including \"no prop\""},
    {"props_generated", "props", N, DET, ARM, .meaning = "props the engine generated"},
    {"props_used", "props", H, DET, ARM, .meaning = "props the players used"},
    {"props_completed", "props", H, DET, ARM, .meaning = "props whose challenge was completed"},
    {"use_rate", "fraction", H, DET, ARM, GATE(0),
     "`props_used / props_generated` (gated by default: exact under a fixed seed)"},
    {"ctr", "fraction", H, DET, ARM, GATE(0), "`props_used / props_shown`"},
    {"lift_vs_random", "fraction", H, DET, ARM, .meaning = "relative lift over the random arm"},
    {"expected_use_rate", "fraction", H, DET, ARM,
     .meaning = "mean ground-truth use probability of the chosen props"},
    {"regret_vs_oracle", "fraction", L, DET, ARM,
     .meaning = "`oracle_use_rate − expected_use_rate`"},
};

#undef L
#undef H
#undef N
#undef TIMING
#undef DET
#undef VERDICT
#undef COUNT
#undef SUM
#undef ARM
#undef GATE

const gb_metric_def *gb_metric_all(size_t *n) {
  *n = sizeof registry / sizeof registry[0];
  return registry;
}

static bool stage_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

bool gb_metric_matches(const gb_metric_def *def, const char *name) {
  const char *hole = strstr(def->name, "<stage>");
  if (!hole)
    return strcmp(def->name, name) == 0;
  size_t pre = (size_t)(hole - def->name), len = strlen(name);
  const char *post = hole + strlen("<stage>");
  size_t post_len = strlen(post);
  if (len < pre + post_len + 1 || strncmp(name, def->name, pre) != 0 ||
      strcmp(name + len - post_len, post) != 0)
    return false;
  for (size_t i = pre; i < len - post_len; i++)
    if (!stage_char(name[i]))
      return false;
  return true;
}

const gb_metric_def *gb_metric_find(const char *name, gb_metric_scope scope) {
  size_t n;
  const gb_metric_def *all = gb_metric_all(&n);
  for (size_t i = 0; i < n; i++)
    if (all[i].scope == scope && strcmp(all[i].name, name) == 0)
      return &all[i];
  for (size_t i = 0; i < n; i++)
    if (all[i].scope == scope && gb_metric_matches(&all[i], name))
      return &all[i];
  return NULL;
}

double gb_metric_combine(const gb_metric_def *def, double *v, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!isnan(v[i]))
      v[k++] = v[i];
  if (k == 0)
    return NAN;
  if (def && def->kind == GB_METRIC_VERDICT) {
    double worst = v[0];
    for (size_t i = 1; i < k; i++)
      worst = def->direction == GB_METRIC_HIGHER_BETTER ? fmin(worst, v[i]) : fmax(worst, v[i]);
    return worst;
  }
  return gb_quantile_median(v, k);
}

const char *gb_metric_direction_name(gb_metric_direction d) {
  static const char *const names[] = {"lower", "higher", "none"};
  return names[d];
}

const char *gb_metric_kind_name(gb_metric_kind k) {
  static const char *const names[] = {"timing", "deterministic", "verdict", "count"};
  return names[k];
}
