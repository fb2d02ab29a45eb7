/* gamebench eval --interactions FILE --format steam-200k|generic [--algos a,b,...] [--k 10]
 * [--seed S] [--out DIR]: offline evaluation of the batch recommendation models on a real
 * interaction log (eval/gb_eval_run.h: the protocol; docs/metrics.md: the definitions). Every
 * flag is checked before the log is read, and the log before anything runs; files are written
 * atomically once every algorithm is done. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gb_cli.h"
#include "gb_clock.h"
#include "gb_eval_log.h"
#include "gb_eval_report.h"
#include "gb_eval_run.h"
#include "gb_opts.h"
#include "gb_path.h"
#include "gb_plot.h"
#include "gb_ranker.h"
#include "gb_run.h"

enum { MAX_ALGOS = 16 };

static const char DEFAULT_ALGOS[] = "popularity,itemknn,itemknn:similarity=bm25,rp3beta,als,ease";

static const char details[] =
    "Splits the log per user (users with >= 5 items hold out 20 % of them, chosen by --seed),\n"
    "carves a validation split out of the training part, tries each algorithm's small grid of\n"
    "hyper-parameters there (the parameters given in --algos stay fixed), refits the best\n"
    "point on the whole training part and ranks every item each user has not seen: precision,\n"
    "recall, NDCG, MAP and hit rate at k, and catalogue coverage (docs/metrics.md).\n"
    "Writes DIR/metrics.csv (one row per algorithm: parameters, metrics, fit seconds) and\n"
    "DIR/ndcg.png/.svg (NDCG@k with 95 % bootstrap intervals; needs gnuplot), and prints a\n"
    "table; progress goes to stderr.\n\n"
    "Formats: steam-200k (header user-id,game-title,value, ; value = hours played) and generic\n"
    "(header user,item or user,item,weight). Malformed rows are skipped and reported with\n"
    "their line numbers; a log without a usable row exits 2.\n\n"
    "Algorithms and their parameters (--algos NAME[:PARAM=VALUE]...):";

static const char examples[] =
    "\nExit status: 0 done, 1 an algorithm failed or the output could not be written, 2 bad\n"
    "input (a flag, an algorithm or parameter, the log).\n\n"
    "examples:\n"
    "  gamebench eval --interactions ../shared/data/steam-200k-plays.csv --format steam-200k\n"
    "  gamebench eval --interactions log.csv --format generic --algos ease:lambda=200,als --k 20\n";

typedef struct eval_args {
  const char *interactions, *format, *algos, *out;
  int64_t k, seed;
  bool quiet;
} eval_args;

typedef struct algo_list {
  size_t n;
  gb_ranker_config config[MAX_ALGOS];
  char spec[MAX_ALGOS][GB_RANKER_SPEC_MAX];
} algo_list;

/* --algos: comma-separated configurations in text form (gb_ranker.h). */
static int parse_algos(const char *text, algo_list *a, gb_err *err) {
  a->n = 0;
  const char *p = text;
  for (;;) {
    size_t len = strcspn(p, ",");
    if (len == 0)
      return gb_err_set(err, GB_ERR_INPUT, "gamebench eval: --algos: empty item in '%s'", text);
    if (a->n == MAX_ALGOS)
      return gb_err_set(err, GB_ERR_INPUT, "gamebench eval: --algos: more than %d algorithms",
                        MAX_ALGOS);
    if (len >= GB_RANKER_SPEC_MAX)
      return gb_err_set(err, GB_ERR_INPUT, "gamebench eval: --algos: '%.*s...' is too long", 32, p);
    snprintf(a->spec[a->n], GB_RANKER_SPEC_MAX, "%.*s", (int)len, p);
    if (gb_ranker_config_parse(&a->config[a->n], a->spec[a->n], err) != 0)
      return gb_err_prefix(err, "gamebench eval: --algos: ");
    a->n++;
    if (p[len] == '\0')
      return 0;
    p += len + 1;
  }
}

static void report_malformed(const char *path, const gb_eval_log *log) {
  size_t bad = gb_eval_log_malformed(log);
  if (bad == 0)
    return;
  fprintf(stderr, "gamebench eval: %s: %zu malformed row%s skipped%s\n", path, bad,
          bad == 1 ? "" : "s", bad > GB_EVAL_LOG_REPORTED ? " (the first listed)" : "");
  for (size_t i = 0; i < bad && i < GB_EVAL_LOG_REPORTED; i++)
    fprintf(stderr, "  %s:%zu: %s\n", path, gb_eval_log_bad(log, i)->line,
            gb_eval_log_bad(log, i)->reason);
}

/* results/eval-<UTC time> when --out is not given. */
static void default_dir(char *buf, size_t cap) {
  time_t now = (time_t)(gb_clock_wall_ns() / 1000000000);
  struct tm tm;
  gmtime_r(&now, &tm);
  char stamp[32];
  strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  snprintf(buf, cap, "results/eval-%s", stamp);
}

/* A short tic label: the name and the values given, "itemknn:bm25" for
 * "itemknn:similarity=bm25" (the plot's tics sit side by side). */
static void short_label(const gb_ranker_config *c, char *buf, size_t cap) {
  size_t len = (size_t)snprintf(buf, cap, "%s", c->info->name);
  for (size_t p = 0; p < c->info->n_params && len < cap; p++) {
    const gb_ranker_param *d = &c->info->params[p];
    if (!(c->given >> p & 1u))
      continue;
    int w = d->kind == GB_RANKER_CHOICE
                ? snprintf(buf + len, cap - len, ":%s", d->choices[(size_t)c->v[p]])
                : snprintf(buf + len, cap - len, ":%g", c->v[p]);
    len += w > 0 ? (size_t)w : 0;
  }
}

/* NDCG@k per algorithm as bars with their bootstrap intervals; a warning when it fails. */
static void draw_plot(const char *dir, const algo_list *a, const gb_eval_result *r, size_t k) {
  size_t n = a->n;
  double x[MAX_ALGOS], y[MAX_ALGOS], lo[MAX_ALGOS], hi[MAX_ALGOS];
  char labels[MAX_ALGOS][64];
  gb_plot_tic tics[MAX_ALGOS];
  for (size_t i = 0; i < n; i++) {
    x[i] = (double)i + 1;
    y[i] = r[i].test.ndcg;
    lo[i] = r[i].ndcg_lo;
    hi[i] = r[i].ndcg_hi;
    short_label(&a->config[i], labels[i], sizeof labels[i]);
    tics[i] = (gb_plot_tic){.label = labels[i], .at = x[i]};
  }
  char ylabel[32];
  snprintf(ylabel, sizeof ylabel, "NDCG@%zu (test)", k);
  gb_plot_chart chart = {.title = "Offline evaluation: NDCG with 95% bootstrap intervals",
                         .xlabel = "algorithm",
                         .ylabel = ylabel,
                         .style = GB_PLOT_BARS_CI,
                         .y_from_zero = true,
                         .xtics = tics,
                         .n_xtics = n};
  gb_plot_series s = {.title = "NDCG", .n = n, .x = x, .y = y, .ylow = lo, .yhigh = hi};
  char *base = gb_path_join(dir, "ndcg");
  gb_err err = {0};
  if (!base || gb_plot_draw(&chart, &s, 1, base, &err) != 0)
    fprintf(stderr, "gamebench eval: warning: no plot: %s\n", base ? err.msg : "out of memory");
  free(base);
}

static int write_outputs(const char *out, const algo_list *a, const gb_eval_result *r, size_t k,
                         gb_err *err) {
  size_t n = a->n;
  char dir[4096];
  if (out)
    snprintf(dir, sizeof dir, "%s", out);
  else
    default_dir(dir, sizeof dir);
  if (gb_run_mkdir_p(dir, err) != 0)
    return -1;
  char *path = gb_path_join(dir, "metrics.csv");
  if (!path)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  int rc = gb_eval_write_metrics(path, r, n, k, err);
  if (rc == 0) {
    draw_plot(dir, a, r, k);
    printf("\n%s\n", path);
  }
  free(path);
  return rc;
}

static int run_eval(const eval_args *a, gb_eval_format fmt, const algo_list *algos, gb_err *err) {
  gb_eval_log *log = NULL;
  gb_eval_data *data = NULL;
  gb_eval_result *res = calloc(algos->n, sizeof *res);
  int rc = res ? 0 : gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  if (rc == 0 && a->out) /* before the work: an --out that cannot be written exits 2 now */
    rc = gb_path_ready_dir(a->out, "--out", err);
  if (rc == 0)
    rc = gb_eval_log_read(a->interactions, fmt, &log, err);
  if (rc == 0) {
    report_malformed(a->interactions, log);
    gb_eval_opts o = {.k = (size_t)a->k,
                      .seed = (uint64_t)a->seed,
                      .holdout = 0.2,
                      .min_items = 5,
                      .progress = a->quiet ? NULL : stderr};
    rc = gb_eval_prepare(gb_eval_log_matrix(log), &o, &data, err);
    if (rc != 0)
      gb_err_prefix(err, "%s: ", a->interactions);
  }
  for (size_t i = 0; rc == 0 && i < algos->n; i++)
    rc = gb_eval_algorithm(data, &algos->config[i], algos->spec[i], &res[i], err);
  if (rc == 0) {
    gb_eval_counts counts;
    gb_eval_data_counts(data, &counts);
    printf("%s (%s): %zu rows, %zu malformed\n", a->interactions, gb_eval_format_name(fmt),
           gb_eval_log_rows(log), gb_eval_log_malformed(log));
    gb_eval_print_table(stdout, &counts, res, algos->n, (size_t)a->k);
    rc = write_outputs(a->out, algos, res, (size_t)a->k, err);
  }
  gb_eval_data_free(data);
  gb_eval_log_free(log);
  free(res);
  return rc;
}

static void print_help(const gb_cmd_spec *spec) {
  gb_opts_print_help(spec, stdout);
  gb_ranker_print_help(stdout);
  fputs(examples, stdout);
}

int gb_cmd_eval(int argc, char **argv) {
  eval_args a = {.algos = DEFAULT_ALGOS, .k = 10, .seed = 1};
  const gb_opt opts[] = {
      {"interactions", 'i', GB_OPT_STRING, &a.interactions, "FILE.csv",
       "the interaction log (required)", 0, 0},
      {"format", 'f', GB_OPT_STRING, &a.format, "FORMAT", "steam-200k or generic (required)", 0, 0},
      {"algos", 'a', GB_OPT_STRING, &a.algos, "LIST",
       "comma-separated NAME[:PARAM=VALUE]... (default "
       "popularity,itemknn,itemknn:similarity=bm25,rp3beta,als,ease)",
       0, 0},
      {"k", 'k', GB_OPT_INT, &a.k, "K", "cut-off of the ranked lists (default 10)", 1, 1000},
      {"seed", 0, GB_OPT_INT, &a.seed, "S", "seed of the splits and of ALS (default 1)", 0,
       9007199254740991.0},
      {"out", 'o', GB_OPT_STRING, &a.out, "DIR",
       "where metrics.csv and the plot go (created; default results/eval-<UTC time>)", 0, 0},
      {"quiet", 'q', GB_OPT_FLAG, &a.quiet, NULL, "no progress lines on stderr", 0, 0},
      {0},
  };
  const gb_cmd_spec spec = {
      .name = "eval",
      .usage = "--interactions FILE.csv --format steam-200k|generic [options]",
      .summary = "Evaluate the batch recommendation models offline on a real interaction log.",
      .details = details,
      .opts = opts,
  };
  gb_opts_result res;
  gb_err err = {0};
  if (gb_opts_parse(&spec, argc, argv, &res, &err) != 0)
    return gb_opts_fail(&err);
  if (res.help) {
    print_help(&spec);
    return 0;
  }
  gb_eval_format fmt = GB_EVAL_STEAM200K;
  algo_list *algos = calloc(1, sizeof *algos);
  int rc = algos ? 0 : gb_err_set(&err, GB_ERR_RUNTIME, "out of memory");
  if (rc == 0 && !a.interactions)
    rc = gb_err_set(&err, GB_ERR_INPUT, "gamebench eval: --interactions FILE.csv is required");
  if (rc == 0 && !a.format)
    rc = gb_err_set(&err, GB_ERR_INPUT,
                    "gamebench eval: --format is required (steam-200k, "
                    "generic)");
  if (rc == 0 && gb_eval_format_parse(a.format, &fmt) != 0)
    rc = gb_err_set(&err, GB_ERR_INPUT,
                    "gamebench eval: --format: unknown format '%s' (known: steam-200k, generic)",
                    a.format);
  if (rc == 0)
    rc = parse_algos(a.algos, algos, &err);
  if (rc == 0)
    rc = run_eval(&a, fmt, algos, &err);
  free(algos);
  return rc == 0 ? 0 : gb_opts_fail(&err);
}
