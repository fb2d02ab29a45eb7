/* `gamebench bench histogram`: what the measurement itself costs — ns per gb_hist_record over
 * pre-generated random values, and ns per gb_clock_now_ns read (each sample costs one record
 * and, usually, two clock reads). */
#include <stdio.h>

#include "gb_benches.h"
#include "gb_fingerprint.h"
#include "gb_hist.h"
#include "gb_opts.h"

/* The budget the pipeline's per-stage instrumentation is designed around. */
#define RECORD_TARGET_NS 5.0

/* Defaults: 2^20 values (8 MiB, larger than the caches, so the values stream from memory as
 * events would) and 11 repeats (an odd count has a true median). */
enum { DEFAULT_SAMPLES = 1 << 20, DEFAULT_REPEATS = 11, DEFAULT_CLOCK_READS = 1 << 20 };

static const char details[] =
    "Values are log-uniform over [100 ns, 1 s], generated before timing from --seed. Each\n"
    "repeat records all of them into one histogram (reset between repeats); the table gives\n"
    "ns per operation: median, min and max over the repeats. --digits 0 runs 1 to 5 digits.";

int gb_bench_histogram(int argc, char **argv) {
  int64_t samples = DEFAULT_SAMPLES, repeats = DEFAULT_REPEATS, digits = GB_HIST_DEFAULT_DIGITS;
  int64_t clock_reads = DEFAULT_CLOCK_READS, seed = 1;
  const gb_opt opts[] = {
      {"samples", 'n', GB_OPT_INT, &samples, "N", "values recorded per repeat (default 1048576)", 1,
       1 << 24},
      {"repeats", 'r', GB_OPT_INT, &repeats, "N", "repeats, median reported (default 11)", 1, 1000},
      {"digits", 'd', GB_OPT_INT, &digits, "D",
       "histogram significant digits, 0 for 1..5 (default 3)", 0, GB_HIST_MAX_DIGITS},
      {"clock-reads", 0, GB_OPT_INT, &clock_reads, "N", "clock reads per repeat (default 1048576)",
       1, 1 << 24},
      {"seed", 0, GB_OPT_INT, &seed, "S", "seed of the generated values (default 1)", 0, 0},
      {0},
  };
  const gb_cmd_spec spec = {
      .name = "bench histogram",
      .usage = "[options]",
      .summary = "Cost of the measurement: ns per histogram record and per clock read.",
      .details = details,
      .opts = opts,
  };
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};

  printf("%-16s %6s %10s %10s %10s %10s\n", "operation", "digits", "memory_kib", "median_ns",
         "min_ns", "max_ns");
  int first = digits == 0 ? GB_HIST_MIN_DIGITS : (int)digits;
  int last = digits == 0 ? GB_HIST_MAX_DIGITS : (int)digits;
  double record_ns_at_default = 0;
  for (int d = first; d <= last; d++) {
    gb_fingerprint_timing t;
    if (gb_fingerprint_time_hist_record(d, (size_t)samples, (int)repeats, (uint64_t)seed, &t,
                                        &err) != 0)
      return gb_opts_fail(&err);
    gb_hist *h = NULL;
    if (gb_hist_new(d, &h, &err) != 0)
      return gb_opts_fail(&err);
    double kib = (double)gb_hist_memory_bytes(h) / 1024.0;
    gb_hist_free(h);
    printf("%-16s %6d %10.1f %10.2f %10.2f %10.2f\n", "gb_hist_record", d, kib, t.median_ns,
           t.min_ns, t.max_ns);
    if (d == GB_HIST_DEFAULT_DIGITS || first == last)
      record_ns_at_default = t.median_ns;
  }
  gb_fingerprint_timing c;
  if (gb_fingerprint_time_clock((size_t)clock_reads, (int)repeats, &c, &err) != 0)
    return gb_opts_fail(&err);
  printf("%-16s %6s %10s %10.2f %10.2f %10.2f\n", "gb_clock_now_ns", "-", "-", c.median_ns,
         c.min_ns, c.max_ns);
  printf("\nrecord target <= %.0f ns: %s (median %.2f ns)\n", RECORD_TARGET_NS,
         record_ns_at_default <= RECORD_TARGET_NS ? "met" : "NOT met", record_ns_at_default);
  return 0;
}
