/* The results directory: chosen, written as DIR.partial, renamed into place. */
#include "gb_run_int.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gb_path.h"
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

/* Creates "<dir>.partial"; false when it exists (another run's, or one that was killed). */
static bool make_partial(const char *dir, gb_err *err) {
  char partial[4200];
  snprintf(partial, sizeof partial, "%s.partial", dir);
  if (mkdir(partial, 0777) == 0)
    return true;
  if (errno != EEXIST)
    gb_err_set(err, GB_ERR_INPUT, "%s: cannot create: %s", partial, strerror(errno));
  return false;
}

int gb_run_reserve_dir(const gb_workload *w, const gb_run_options *opt, int64_t wall_ns, char *out,
                       size_t cap, gb_err *err) {
  err->msg[0] = '\0';
  if (opt->out_dir) {
    if (exists(opt->out_dir))
      return gb_err_set(err, GB_ERR_INPUT,
                        "--out %s: already exists (results are never overwritten)", opt->out_dir);
    if (gb_path_ready_parent(opt->out_dir, "--out", err) != 0)
      return -1;
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", opt->out_dir);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) {
      *slash = '\0';
      if (gb_run_mkdir_p(parent, err) != 0)
        return -1;
    }
    snprintf(out, cap, "%s", opt->out_dir);
    /* "DIR/" is DIR: its partial is DIR.partial, not DIR/.partial */
    for (size_t n = strlen(out); n > 1 && out[n - 1] == '/'; n--)
      out[n - 1] = '\0';
    if (make_partial(out, err))
      return 0;
    if (err->msg[0])
      return -1;
    return gb_err_set(err, GB_ERR_INPUT,
                      "--out %s: %s.partial exists (a run writing it, or one that was killed: "
                      "remove it if no run is)",
                      out, out);
  }
  if (gb_path_ready_dir(w->output.dir, "output.dir", err) != 0 ||
      gb_run_mkdir_p(w->output.dir, err) != 0)
    return -1;
  time_t secs = (time_t)(wall_ns / 1000000000LL);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  snprintf(out, cap, "%s/%s-%s", w->output.dir, w->name, stamp);
  /* a name whose directory or .partial exists is taken: the next suffix */
  for (int n = 2;; n++) {
    if (!exists(out) && make_partial(out, err))
      return 0;
    if (err->msg[0])
      return -1;
    snprintf(out, cap, "%s/%s-%s-%d", w->output.dir, w->name, stamp, n);
  }
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

/* Between two files: a second signal ends the process (the .partial removed first). */
static void check_signals(gb_run_signals *sig, const char *partial) {
  if (sig && gb_run_signals_take(sig) > 0 && sig->count >= 2)
    gb_run_signals_abort(sig, partial);
}

int gb_run_write_results(const gb_workload *w, const gb_run_options *opt, const gb_run_totals *t,
                         const gb_sim_realism *realism, const gb_run_store_results *store,
                         const char *dir, gb_run_signals *sig, gb_err *err) {
  char partial[4200];
  snprintf(partial, sizeof partial, "%s.partial", dir);
  /* Blocked in this thread while it writes, so that the plotting child (gnuplot), which
   * inherits the mask, is not stopped by a Ctrl-C meant for the run: another thread, or this
   * one at the unblock, records the signal for check_signals. */
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  int rc = gb_run_results_write(partial, w, t, err);
  check_signals(sig, partial);
  if (rc == 0 && realism) /* a merged directory has none (gb_run_merge_dirs) */
    rc = gb_realism_csv_write(partial, realism, err);
  if (rc == 0)
    rc = gb_run_store_write(partial, store, err);
  if (rc == 0 && !opt->no_report)
    rc = gb_report_generate(partial, w->output.plots, err);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  check_signals(sig, partial);
  if (rc == 0 && rename(partial, dir) != 0)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot rename to %s: %s", partial, dir,
                    strerror(errno));
  if (rc != 0)
    gb_run_remove_tree(partial);
  return rc;
}
