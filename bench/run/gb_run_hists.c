/* Per-thread latency histograms: each thread records into its own, merged at the end. */
#include "gb_run_int.h"

#include <string.h>

int gb_run_hists_init(gb_run_stage_hists *h, gb_err *err) {
  memset(h, 0, sizeof *h);
  for (int s = 0; s < GB_STAGE__COUNT; s++)
    for (int c = 0; c < 2; c++)
      if (gb_hist_new(HIST_DIGITS, &h->h[s][c], err) != 0)
        return -1;
  return gb_hist_new(HIST_DIGITS, &h->warmup, err);
}

int gb_run_hists_start_timeline(gb_run_stage_hists *h, int64_t start_ns, gb_err *err) {
  const char *names[GB_STAGE__COUNT];
  for (int s = 0; s < GB_STAGE__COUNT; s++)
    names[s] = gb_stage_name(s);
  return gb_timeline_new(GB_STAGE__COUNT, names, TIMELINE_INTERVAL_NS, start_ns, &h->timeline, err);
}

void gb_run_hists_free(gb_run_stage_hists *h) {
  gb_timeline_free(h->timeline);
  for (int s = 0; s < GB_STAGE__COUNT; s++)
    for (int c = 0; c < 2; c++)
      gb_hist_free(h->h[s][c]);
  gb_hist_free(h->warmup);
}

/* A thread's histograms into the run's. A thread records a service time once, in the corrected
 * view (record_service): the run's uncorrected view of that stage is the same samples. */
int gb_run_hists_merge(gb_run_stage_hists *dst, const gb_run_stage_hists *src, gb_err *err) {
  for (int s = 0; s < GB_STAGE__COUNT; s++)
    for (int c = 0; c < 2; c++) {
      int from = gb_stage_is_service(s) ? GB_CORRECTED : c;
      if (gb_hist_merge(dst->h[s][c], src->h[s][from], err) != 0)
        return -1;
    }
  dst->warmup_samples += src->warmup_samples;
  if (gb_timeline_merge(dst->timeline, src->timeline, err) != 0)
    return -1;
  return gb_hist_merge(dst->warmup, src->warmup, err);
}
