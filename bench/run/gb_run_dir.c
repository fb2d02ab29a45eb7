/* The results directory: chosen, written as DIR.partial, renamed into place. */
#include "gb_run_int.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gb_realism_csv.h"
#include "gb_report.h"

int gb_run_mkdir_p(const char *path, gb_err *err) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
    return gb_err_set(err, GB_ERR_INPUT, "path too long: %s", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
      return gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot create: %s", buf, strerror(errno));
    *p = '/';
  }
  if (mkdir(buf, 0777) != 0 && errno != EEXIST)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot create: %s", buf, strerror(errno));
  return 0;
}

static bool exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

static int choose_dir(const gb_workload *w, const gb_run_options *opt, int64_t wall_ns, char *out,
                      size_t cap, gb_err *err) {
  if (opt->out_dir) {
    if (exists(opt->out_dir))
      return gb_err_set(err, GB_ERR_INPUT,
                        "--out %s: already exists (results are never overwritten)", opt->out_dir);
    snprintf(out, cap, "%s", opt->out_dir);
    return 0;
  }
  time_t secs = (time_t)(wall_ns / 1000000000LL);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  snprintf(out, cap, "%s/%s-%s", w->output.dir, w->name, stamp);
  for (int n = 2; exists(out); n++)
    snprintf(out, cap, "%s/%s-%s-%d", w->output.dir, w->name, stamp, n);
  return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* Removes the partial results directory of a failed run (depth first, links not followed). */
void gb_run_remove_tree(const char *path) {
  if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
    fprintf(stderr, "gamebench: could not remove %s: %s\n", path, strerror(errno));
}

int gb_run_write_results(const gb_workload *w, const gb_run_options *opt, const gb_run_totals *t,
                         const gb_sim_realism *realism, gb_run_outcome *outcome, gb_err *err) {
  char partial[4200];
  if (choose_dir(w, opt, t->start_wall_ns, outcome->dir, sizeof outcome->dir, err) != 0)
    return -1;
  snprintf(partial, sizeof partial, "%s.partial", outcome->dir);
  if (gb_run_mkdir_p(partial, err) != 0)
    return -1;
  int rc = gb_run_results_write(partial, w, t, err);
  if (rc == 0 && realism) /* a merged directory has none (gb_run_merge_dirs) */
    rc = gb_realism_csv_write(partial, realism, err);
  if (rc == 0 && !opt->no_report)
    rc = gb_report_generate(partial, w->output.plots, err);
  if (rc == 0 && rename(partial, outcome->dir) != 0)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot rename to %s: %s", partial, outcome->dir,
                    strerror(errno));
  if (rc != 0)
    gb_run_remove_tree(partial);
  return rc;
}
