/* gb_stages: the stage names of the result files, which stages are service times, and a run's
 * service stages holding the same samples in both views although each thread records them once. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "gb_stages.h"
#include "gb_test_results.h"
#include "gb_test_support.h"

Test(stages, names_are_those_of_the_result_files) {
  const char *want[GB_STAGE__COUNT] = {"send",       "transport", "decode",
                                       "aggregator", "matcher",   "recommender",
                                       "e2e",        "reply",     "decision"};
  for (int s = 0; s < GB_STAGE__COUNT; s++)
    cr_assert_str_eq(gb_stage_name((gb_stage)s), want[s]);
  cr_assert_str_eq(gb_stage_name(GB_STAGE__COUNT), "unknown");
}

Test(stages, service_times_are_the_stages_measured_from_their_own_start) {
  bool want[GB_STAGE__COUNT] = {[GB_STAGE_DECODE] = true,
                                [GB_STAGE_AGGREGATOR] = true,
                                [GB_STAGE_MATCHER] = true,
                                [GB_STAGE_RECOMMENDER] = true,
                                [GB_STAGE_REPLY] = true};
  for (int s = 0; s < GB_STAGE__COUNT; s++)
    cr_assert_eq(gb_stage_is_service((gb_stage)s), want[s], "%s", gb_stage_name((gb_stage)s));
  cr_assert(!gb_stage_is_service(GB_STAGE__COUNT));
  cr_assert(!gb_stage_is_service((gb_stage)-1));
}

/* The run's uncorrected view of a service stage is the corrected one's samples: same counts and
 * the same percentiles, max and out-of-range count, for every service stage. */
Test(stages, a_runs_service_stages_have_the_same_samples_in_both_views) {
  char *tmp = gbt_tmpdir();
  char *dir = gbt_path(tmp, "r");
  gbt_proc p = gbt_gamebench("run workloads/default.yaml --set sim.players=300 --set "
                             "sim.duration=2h --set sim.time_scale=max --set warmup=0s "
                             "--set output.plots=false --quiet --out '%s'",
                             dir);
  cr_assert_eq(p.status, 0, "exit %d\nstderr: %s", p.status, p.err);
  gbt_proc_free(&p);
  char *summary = gbt_result_text(dir, "summary.csv");
  const char *stats[] = {"count", "p50_us", "p99_us", "max_us", "out_of_range"};
  for (int s = 0; s < GB_STAGE__COUNT; s++) {
    if (!gb_stage_is_service((gb_stage)s))
      continue;
    for (size_t k = 0; k < sizeof stats / sizeof stats[0]; k++) {
      char corrected[96], uncorrected[96];
      snprintf(corrected, sizeof corrected, "latency_%s_%s", gb_stage_name((gb_stage)s), stats[k]);
      snprintf(uncorrected, sizeof uncorrected, "latency_%s_uncorrected_%s",
               gb_stage_name((gb_stage)s), stats[k]);
      cr_assert_neq(gbt_metric(summary, corrected), -1, "%s is written", corrected);
      cr_assert_eq(gbt_metric(summary, uncorrected), gbt_metric(summary, corrected), "%s",
                   uncorrected);
    }
    char count[96];
    snprintf(count, sizeof count, "latency_%s_count", gb_stage_name((gb_stage)s));
    cr_assert_gt(gbt_metric(summary, count), 0, "%s", count);
  }
  free(summary);
  free(dir);
  gbt_rmtree(tmp);
  free(tmp);
}
