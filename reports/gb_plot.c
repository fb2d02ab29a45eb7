#include "gb_plot.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gb_afile.h"
#include "gb_csv.h"

/* 16:9 at a size that stays readable when embedded in a report page. */
static const char CANVAS[] = "size 960,540";

/* ---- finding and running gnuplot --------------------------------------------------------- */

static bool is_executable_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int gb_plot_find_gnuplot(char *buf, size_t cap, gb_err *err) {
  const char *path = getenv("PATH");
  while (path && *path) {
    const char *colon = strchr(path, ':');
    size_t len = colon ? (size_t)(colon - path) : strlen(path);
    /* An empty PATH entry means the current directory. */
    int n =
        len ? snprintf(buf, cap, "%.*s/gnuplot", (int)len, path) : snprintf(buf, cap, "./gnuplot");
    if (n > 0 && (size_t)n < cap && is_executable_file(buf))
      return 0;
    path = colon ? colon + 1 : NULL;
  }
  return gb_err_set(err, GB_ERR_RUNTIME,
                    "gnuplot not found on PATH (install gnuplot-nox to get "
                    "plots; CSV and reports are written without them)");
}

/* Writes s as a single-quoted shell word. */
static void shell_quote(FILE *out, const char *s) {
  fputc('\'', out);
  for (; *s; s++) {
    if (*s == '\'')
      fputs("'\\''", out);
    else
      fputc(*s, out);
  }
  fputc('\'', out);
}

/* Writes s as a gnuplot single-quoted string: '' stands for a quote, and a newline would end the
 * command, so control characters become spaces. */
static void gp_quote(FILE *out, const char *s) {
  fputc('\'', out);
  for (; s && *s; s++) {
    if (*s == '\'')
      fputs("''", out);
    else
      fputc((unsigned char)*s < ' ' ? ' ' : *s, out);
  }
  fputc('\'', out);
}

/* A tic label is a gnuplot format string: a literal '%' must be doubled. */
static void gp_quote_label(FILE *out, const char *s) {
  fputc('\'', out);
  for (; s && *s; s++) {
    if (*s == '\'')
      fputs("''", out);
    else if (*s == '%')
      fputs("%%", out);
    else
      fputc((unsigned char)*s < ' ' ? ' ' : *s, out);
  }
  fputc('\'', out);
}

/* Writing to a gnuplot that already exited raises SIGPIPE, whose default action would kill the
 * whole process. It is blocked in this thread while we write, and a SIGPIPE raised meanwhile is
 * consumed before the mask is restored; the failed write then shows as an error. */
static void block_sigpipe(sigset_t *old) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, old);
}

static void restore_sigpipe(const sigset_t *old) {
  sigset_t pending;
  sigemptyset(&pending);
  if (!sigismember(old, SIGPIPE) && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE)) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    const struct timespec no_wait = {0, 0};
    sigtimedwait(&set, NULL, &no_wait);
  }
  pthread_sigmask(SIG_SETMASK, old, NULL);
}

static int pipe_script(const char *cmd, const char *script, size_t len, const char *what,
                       const char *log_path, gb_err *err);

/* Pipes script[0..len) into a gnuplot process and waits for it. */
static int run_gnuplot(const char *script, size_t len, const char *what, gb_err *err) {
  char exe[PATH_MAX];
  if (gb_plot_find_gnuplot(exe, sizeof exe, err) != 0)
    return -1;
  char *cmd = NULL;
  size_t cmd_len = 0;
  FILE *cmd_out = open_memstream(&cmd, &cmd_len);
  if (!cmd_out)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", what);
  /* gnuplot's messages go to a file: on success they are cosmetic warnings and dropped, on
   * failure they become the error's reason. */
  char log_path[] = "/tmp/gamebench-gnuplot-XXXXXX";
  int log_fd = mkstemp(log_path);
  if (log_fd < 0) {
    fclose(cmd_out);
    free(cmd);
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot create a log file: %s", what,
                      strerror(errno));
  }
  close(log_fd);
  shell_quote(cmd_out, exe);
  /* When an output file cannot be opened gnuplot keeps the previous output, stdout: the image
   * must not land on our stdout (which carries the command's results). */
  fputs(" >/dev/null 2>", cmd_out);
  shell_quote(cmd_out, log_path);
  if (fclose(cmd_out) != 0) {
    free(cmd);
    unlink(log_path);
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", what);
  }
  int rc = pipe_script(cmd, script, len, what, log_path, err);
  free(cmd);
  unlink(log_path);
  return rc;
}

/* The last line gnuplot wrote to its log (its error), or "" (into buf). */
static void last_log_line(const char *log_path, char *buf, size_t cap) {
  buf[0] = '\0';
  FILE *f = fopen(log_path, "r");
  if (!f)
    return;
  char line[512];
  while (fgets(line, sizeof line, f))
    if (line[0] != '\n')
      snprintf(buf, cap, "%s", line);
  fclose(f);
  buf[strcspn(buf, "\n")] = '\0';
}

static int pipe_script(const char *cmd, const char *script, size_t len, const char *what,
                       const char *log_path, gb_err *err) {
  sigset_t old;
  block_sigpipe(&old);
  FILE *gp = popen(cmd, "w");
  if (!gp) {
    restore_sigpipe(&old);
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot start gnuplot: %s", what, strerror(errno));
  }
  bool wrote = fwrite(script, 1, len, gp) == len && fflush(gp) == 0;
  int status = pclose(gp);
  restore_sigpipe(&old);
  if (status == -1)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: waiting for gnuplot: %s", what, strerror(errno));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    if (WIFSIGNALED(status))
      return gb_err_set(err, GB_ERR_RUNTIME, "%s: gnuplot killed by signal %d", what,
                        WTERMSIG(status));
    char reason[512];
    last_log_line(log_path, reason, sizeof reason);
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: gnuplot failed with exit status %d: %s", what,
                      WEXITSTATUS(status), reason[0] ? reason : "(no message)");
  }
  if (!wrote)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: gnuplot did not read the whole script", what);
  return 0;
}

/* ---- writing the gnuplot script ---------------------------------------------------------- */

static bool point_ok(const gb_plot_chart *c, double x, double y) {
  if (isnan(x) || isnan(y) || isinf(x) || isinf(y))
    return false;
  return !(c->logx && x <= 0) && !(c->logy && y <= 0);
}

static size_t drawable_points(const gb_plot_chart *c, const gb_plot_series *s) {
  size_t n = 0;
  for (size_t i = 0; i < s->n; i++)
    n += point_ok(c, s->x[i], s->y[i]);
  return n;
}

static void put_number(FILE *out, double v) {
  char buf[GB_CSV_NUM_MAX];
  gb_csv_format_double(v, buf, sizeof buf);
  fputs(buf, out);
}

/* One datablock per series: x y [ylow yhigh]. Undrawable points are left out. */
static void write_datablock(FILE *out, const gb_plot_chart *c, const gb_plot_series *s,
                            size_t index) {
  fprintf(out, "$d%zu << EOD\n", index);
  for (size_t i = 0; i < s->n; i++) {
    if (!point_ok(c, s->x[i], s->y[i]))
      continue;
    put_number(out, s->x[i]);
    fputc(' ', out);
    put_number(out, s->y[i]);
    if (c->style == GB_PLOT_BARS_CI) {
      fputc(' ', out);
      put_number(out, s->ylow ? s->ylow[i] : NAN);
      fputc(' ', out);
      put_number(out, s->yhigh ? s->yhigh[i] : NAN);
    } else if (c->style == GB_PLOT_POINTS_CI) {
      /* gnuplot drops a point whose bar is undefined: a missing bar closes on the point */
      fputc(' ', out);
      put_number(out, s->ylow && !isnan(s->ylow[i]) ? s->ylow[i] : s->y[i]);
      fputc(' ', out);
      put_number(out, s->yhigh && !isnan(s->yhigh[i]) ? s->yhigh[i] : s->y[i]);
    } else if (c->style == GB_PLOT_BANDS && s->ylow && s->yhigh) {
      /* a band needs both edges at every point: an undefined one closes on the point */
      fputc(' ', out);
      put_number(out, isnan(s->ylow[i]) ? s->y[i] : s->ylow[i]);
      fputc(' ', out);
      put_number(out, isnan(s->yhigh[i]) ? s->y[i] : s->yhigh[i]);
    }
    fputc('\n', out);
  }
  fputs("EOD\n", out);
}

static void write_settings(FILE *out, const gb_plot_chart *c) {
  fputs("set title ", out);
  gp_quote(out, c->title);
  fputs("\nset xlabel ", out);
  gp_quote(out, c->xlabel);
  fputs("\nset ylabel ", out);
  gp_quote(out, c->ylabel);
  fputs("\nset grid\nset key outside right top\n", out);
  if (c->logx)
    fputs("set logscale x\n", out);
  if (c->logy)
    fputs("set logscale y\n", out);
  if (c->y_from_zero)
    fputs("set yrange [0:*]\n", out);
  if (c->x_from_zero)
    fputs("set xrange [0:*]\n", out);
  if (c->style == GB_PLOT_BARS_CI)
    fputs("set boxwidth 0.6\nset style fill solid 0.5 border -1\n", out);
  if (c->style == GB_PLOT_BARS_CI || c->style == GB_PLOT_POINTS_CI)
    fputs("set offsets 0.5, 0.5, 0, 0\n", out);
  if (c->n_xtics > 0) {
    fputs("set xtics (", out);
    for (size_t i = 0; i < c->n_xtics; i++) {
      fputs(i ? ", " : "", out);
      gp_quote_label(out, c->xtics[i].label);
      fputc(' ', out);
      put_number(out, c->xtics[i].at);
    }
    fputs(")\n", out);
  }
}

/* The gnuplot linetype whose colour series i takes. */
static size_t series_color(const gb_plot_series *s, size_t i) {
  return s->color > 0 ? (size_t)s->color : i + 1;
}

/* A band (its series' colour, translucent, untitled) under a line with points; the colour is
 * gnuplot's linetype i + 1 (or the series' own), so that band and line match. */
static void write_band_series(FILE *out, const gb_plot_series *s, size_t i) {
  size_t lc = series_color(s, i);
  if (s->ylow && s->yhigh)
    fprintf(out,
            "$d%zu using 1:3:4 with filledcurves lc %zu fs transparent solid 0.2 noborder "
            "notitle, \\\n     ",
            i, lc);
  fprintf(out, "$d%zu using 1:2 with linespoints lw 2 lc %zu pt 7 ps 0.6 dt %d title ", i, lc,
          s->dashed ? 2 : 1);
  gp_quote(out, s->title);
}

static void write_lines_series(FILE *out, const gb_plot_series *s, size_t i) {
  fprintf(out, "$d%zu using 1:2 with lines lw 2 dt %d ", i, s->dashed ? 2 : 1);
  if (s->color > 0)
    fprintf(out, "lc %d ", s->color);
  fputs("title ", out);
  gp_quote(out, s->title);
}

static void write_plot_command(FILE *out, const gb_plot_chart *c, const gb_plot_series *s,
                               size_t n) {
  fputs("plot ", out);
  bool first = true;
  for (size_t i = 0; i < n; i++) {
    if (drawable_points(c, &s[i]) == 0)
      continue;
    fputs(first ? "" : ", \\\n     ", out);
    first = false;
    if (c->style == GB_PLOT_BARS_CI) {
      fprintf(out, "$d%zu using 1:2 with boxes title ", i);
      gp_quote(out, s[i].title);
      fprintf(out, ", $d%zu using 1:2:3:4 with yerrorbars lc rgb 'black' pt 0 title '95%% CI'", i);
    } else if (c->style == GB_PLOT_BANDS) {
      write_band_series(out, &s[i], i);
    } else if (c->style == GB_PLOT_POINTS_CI) {
      fprintf(out, "$d%zu using 1:2:3:4 with yerrorbars lw 2 lc %zu pt 7 ps 1 title ", i,
              series_color(&s[i], i));
      gp_quote(out, s[i].title);
    } else {
      write_lines_series(out, &s[i], i);
    }
  }
  fputc('\n', out);
}

/* Writes the whole script: PNG first (pngcairo when this gnuplot has it), then the same plot
 * replayed on the SVG terminal. */
static void write_script(FILE *out, const gb_plot_chart *c, const gb_plot_series *s, size_t n,
                         const char *png_tmp, const char *svg_tmp) {
  fputs("set encoding utf8\n", out);
  fprintf(out,
          "if (strstrt(' '.GPVAL_TERMINALS.' ', ' pngcairo ') > 0) {\n"
          "  set terminal pngcairo noenhanced %s\n"
          "} else {\n"
          "  set terminal png noenhanced %s\n"
          "}\n",
          CANVAS, CANVAS);
  fputs("set output ", out);
  gp_quote(out, png_tmp);
  fputc('\n', out);
  write_settings(out, c);
  for (size_t i = 0; i < n; i++)
    if (drawable_points(c, &s[i]) > 0)
      write_datablock(out, c, &s[i], i);
  write_plot_command(out, c, s, n);
  fprintf(out, "set terminal svg noenhanced %s\nset output ", CANVAS);
  gp_quote(out, svg_tmp);
  fputs("\nreplot\nunset output\n", out);
}

static char *with_suffix(const char *base, const char *suffix) {
  size_t n = strlen(base) + strlen(suffix) + 1;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s%s", base, suffix);
  return p;
}

/* A zero exit status is not enough: the image must be there and not empty. */
static int check_output(const char *path, gb_err *err) {
  struct stat st;
  if (stat(path, &st) != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: gnuplot wrote no file: %s", path, strerror(errno));
  if (st.st_size == 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: gnuplot wrote an empty file", path);
  return 0;
}

int gb_plot_draw(const gb_plot_chart *chart, const gb_plot_series *s, size_t n,
                 const char *out_base, gb_err *err) {
  size_t drawable = 0;
  for (size_t i = 0; i < n; i++)
    drawable += drawable_points(chart, &s[i]);
  if (drawable == 0)
    return gb_err_set(err, GB_ERR_INPUT, "%s: nothing to plot (no finite point)", out_base);
  char *png = with_suffix(out_base, ".png"), *svg = with_suffix(out_base, ".svg");
  char *png_tmp = with_suffix(out_base, ".png.tmp"), *svg_tmp = with_suffix(out_base, ".svg.tmp");
  char *script = NULL;
  size_t script_len = 0;
  FILE *out = open_memstream(&script, &script_len);
  int rc = 0;
  if (!png || !svg || !png_tmp || !svg_tmp || !out) {
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", out_base);
  } else {
    write_script(out, chart, s, n, png_tmp, svg_tmp);
    if (fclose(out) != 0)
      rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", out_base);
    out = NULL;
  }
  if (rc == 0) {
    unlink(png_tmp); /* leftovers of an interrupted attempt must not pass for new output */
    unlink(svg_tmp);
    rc = run_gnuplot(script, script_len, png, err);
  }
  /* Both images or neither: check both before renaming either. */
  if (rc == 0)
    rc = check_output(png_tmp, err);
  if (rc == 0)
    rc = check_output(svg_tmp, err);
  if (rc == 0)
    rc = gb_afile_promote(png, err);
  if (rc == 0)
    rc = gb_afile_promote(svg, err);
  if (rc != 0 && png_tmp && svg_tmp) {
    unlink(png_tmp);
    unlink(svg_tmp);
  }
  if (out)
    fclose(out);
  free(script);
  free(png);
  free(svg);
  free(png_tmp);
  free(svg_tmp);
  return rc;
}

/* ---- the results plots ------------------------------------------------------------------- */

static char *plot_base(const char *plots_dir, const char *name) {
  size_t n = strlen(plots_dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s", plots_dir, name);
  return p;
}

/* Draws one results chart: series built by the caller, file name from plots_dir and name. */
static int draw_named(const gb_plot_chart *c, const gb_plot_series *s, size_t n,
                      const char *plots_dir, const char *name, gb_err *err) {
  char *base = plot_base(plots_dir, name);
  if (!base)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", plots_dir);
  int rc = gb_plot_draw(c, s, n, base, err);
  free(base);
  return rc;
}

/* Arrays owned while a chart is built: one x/y (and ylow/yhigh) array per series. */
typedef struct series_arrays {
  double *x, *y, *ylow, *yhigh;
  char *title;
} series_arrays;

static void free_arrays(series_arrays *a, size_t n) {
  for (size_t i = 0; a && i < n; i++) {
    free(a[i].x);
    free(a[i].y);
    free(a[i].ylow);
    free(a[i].yhigh);
    free(a[i].title);
  }
  free(a);
}

static int alloc_xy(series_arrays *a, size_t n) {
  /* calloc(0) may return NULL: ask for at least one element. */
  a->x = calloc(n ? n : 1, sizeof *a->x);
  a->y = calloc(n ? n : 1, sizeof *a->y);
  return a->x && a->y ? 0 : -1;
}

double gb_plot_percentile_x(double p) { return p >= 100 ? INFINITY : 1.0 / (1.0 - p / 100.0); }

const gb_plot_tic *gb_plot_percentile_tics(size_t *n) {
  /* HdrHistogram's percentile axis: each tic one more "nine". */
  static const gb_plot_tic TICS[] = {{"50%", 2},       {"90%", 10},     {"99%", 100},
                                     {"99.9%", 1e3},   {"99.99%", 1e4}, {"99.999%", 1e5},
                                     {"99.9999%", 1e6}};
  *n = sizeof TICS / sizeof TICS[0];
  return TICS;
}

/* An uncorrected spectrum equal to its stage's corrected one (a service time, where nothing
 * queues) would only draw the same line twice. */
static bool duplicates_corrected(const gb_results_spectrum *sp, size_t n, size_t i) {
  if (sp[i].corrected)
    return false;
  for (size_t j = 0; j < n; j++) {
    if (!sp[j].corrected || strcmp(sp[j].stage, sp[i].stage) != 0 || sp[j].n != sp[i].n)
      continue;
    for (size_t k = 0; k < sp[i].n; k++)
      if (sp[j].points[k].value_us != sp[i].points[k].value_us)
        return false;
    return true;
  }
  return false;
}

int gb_plot_latency(const gb_results *r, const char *plots_dir, gb_err *err) {
  size_t n_all = 0;
  const gb_results_spectrum *all = gb_results_spectra(r, &n_all);
  if (n_all == 0)
    return gb_err_set(err, GB_ERR_INPUT, "%s: no latency.csv data to plot", gb_results_dir(r));
  const gb_results_spectrum **kept = calloc(n_all, sizeof *kept);
  size_t n = 0;
  for (size_t i = 0; kept && i < n_all; i++)
    if (!duplicates_corrected(all, n_all, i))
      kept[n++] = &all[i];
  series_arrays *arr = calloc(n_all, sizeof *arr);
  gb_plot_series *s = calloc(n_all, sizeof *s);
  int rc = kept && arr && s ? 0 : gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", plots_dir);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    const gb_results_spectrum *sp = kept[i];
    size_t len = strlen(sp->stage) + sizeof " (uncorrected)";
    arr[i].title = malloc(len);
    if (alloc_xy(&arr[i], sp->n) != 0 || !arr[i].title) {
      rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", plots_dir);
      break;
    }
    snprintf(arr[i].title, len, "%s%s", sp->stage, sp->corrected ? "" : " (uncorrected)");
    for (size_t j = 0; j < sp->n; j++) {
      arr[i].x[j] = gb_plot_percentile_x(sp->points[j].percentile);
      arr[i].y[j] = sp->points[j].value_us;
    }
    s[i] = (gb_plot_series){
        .title = arr[i].title, .n = sp->n, .x = arr[i].x, .y = arr[i].y, .dashed = !sp->corrected};
  }
  size_t n_tics = 0;
  const gb_plot_tic *tics = gb_plot_percentile_tics(&n_tics);
  const gb_plot_chart chart = {.title = "Latency by percentile",
                               .xlabel = "percentile",
                               .ylabel = "latency (µs)",
                               .style = GB_PLOT_LINES,
                               .logx = true,
                               .logy = true,
                               .xtics = tics,
                               .n_xtics = n_tics};
  if (rc == 0)
    rc = draw_named(&chart, s, n, plots_dir, GB_PLOT_LATENCY, err);
  free_arrays(arr, n_all);
  free(s);
  free(kept);
  return rc;
}

/* One series per stage of the timeline; `p99` picks the p99 column instead of throughput. */
static int timeline_chart(const gb_results *r, const char *plots_dir, bool p99, gb_err *err) {
  size_t n = 0;
  const gb_results_series *ts = gb_results_timeline(r, &n);
  series_arrays *arr = calloc(n, sizeof *arr);
  gb_plot_series *s = calloc(n, sizeof *s);
  int rc = arr && s ? 0 : gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", plots_dir);
  size_t with_points = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    if (alloc_xy(&arr[i], ts[i].n) != 0) {
      rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", plots_dir);
      break;
    }
    for (size_t j = 0; j < ts[i].n; j++) {
      arr[i].x[j] = ts[i].rows[j].start_s;
      arr[i].y[j] = p99 ? ts[i].rows[j].p99_us : ts[i].rows[j].throughput_eps;
      with_points += !isnan(arr[i].y[j]);
    }
    s[i] = (gb_plot_series){.title = ts[i].stage, .n = ts[i].n, .x = arr[i].x, .y = arr[i].y};
  }
  const gb_plot_chart chart = {.title = p99 ? "p99 latency over time" : "Throughput over time",
                               .xlabel = "time since start (s)",
                               .ylabel = p99 ? "p99 latency (µs)" : "throughput (events/s)",
                               .style = GB_PLOT_LINES,
                               .logy = p99,
                               .y_from_zero = !p99};
  if (rc == 0 && (with_points > 0 || !p99))
    rc = draw_named(&chart, s, n, plots_dir, p99 ? GB_PLOT_TIMELINE_P99 : GB_PLOT_THROUGHPUT, err);
  free_arrays(arr, n);
  free(s);
  return rc;
}

int gb_plot_timeline(const gb_results *r, const char *plots_dir, gb_err *err) {
  size_t n = 0;
  gb_results_timeline(r, &n);
  if (n == 0)
    return gb_err_set(err, GB_ERR_INPUT, "%s: no timeline.csv data to plot", gb_results_dir(r));
  if (timeline_chart(r, plots_dir, false, err) != 0)
    return -1;
  return timeline_chart(r, plots_dir, true, err);
}

int gb_plot_arms(const gb_results *r, const char *plots_dir, gb_err *err) {
  size_t n = 0;
  const gb_results_arm *arms = gb_results_arms(r, &n);
  if (n == 0)
    return gb_err_set(err, GB_ERR_INPUT, "%s: no arms.csv data to plot", gb_results_dir(r));
  series_arrays a = {0};
  gb_plot_tic *tics = calloc(n, sizeof *tics);
  a.ylow = calloc(n, sizeof *a.ylow);
  a.yhigh = calloc(n, sizeof *a.yhigh);
  int rc = 0;
  if (alloc_xy(&a, n) != 0 || !tics || !a.ylow || !a.yhigh)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", plots_dir);
  static const double PERCENT = 100; /* fractions are shown as percentages */
  for (size_t i = 0; rc == 0 && i < n; i++) {
    a.x[i] = (double)i;
    a.y[i] = arms[i].use_rate * PERCENT;
    a.ylow[i] = arms[i].use_rate_ci_low * PERCENT;
    a.yhigh[i] = arms[i].use_rate_ci_high * PERCENT;
    tics[i] = (gb_plot_tic){.label = arms[i].arm, .at = (double)i};
  }
  const gb_plot_series s = {
      .title = "use rate", .n = n, .x = a.x, .y = a.y, .ylow = a.ylow, .yhigh = a.yhigh};
  const gb_plot_chart chart = {.title = "Use rate per arm (95% confidence interval)",
                               .xlabel = "arm",
                               .ylabel = "use rate (%)",
                               .style = GB_PLOT_BARS_CI,
                               .y_from_zero = true,
                               .xtics = tics,
                               .n_xtics = n};
  if (rc == 0)
    rc = draw_named(&chart, &s, 1, plots_dir, GB_PLOT_ARMS, err);
  free(a.x);
  free(a.y);
  free(a.ylow);
  free(a.yhigh);
  free(tics);
  return rc;
}

/* ---- arms over sim time ------------------------------------------------------------------ */

static const double SECONDS_PER_DAY = 86400, SECONDS_PER_HOUR = 3600;

/* The arms of arms_daily.csv in order of first appearance (into names, n_names <= n rows). */
static size_t period_arms(const gb_results_arm_period *rows, size_t n, const char **names) {
  size_t n_names = 0;
  for (size_t i = 0; i < n; i++) {
    size_t k = 0;
    while (k < n_names && strcmp(names[k], rows[i].arm) != 0)
      k++;
    if (k == n_names)
      names[n_names++] = rows[i].arm;
  }
  return n_names;
}

/* x of a period: its midpoint, in sim hours (periods shorter than a day) or days since the
 * start. The periods before it have the nominal length, the longest in the file (the last one
 * may be cut short by the run's end). */
static double period_mid(const gb_results_arm_period *p, double nominal_s, double unit_s) {
  double len = isnan(p->period_s) ? nominal_s : p->period_s;
  return (p->period * nominal_s + len / 2) / unit_s;
}

/* The oracle's expected use rate of each period, pooled over the arms by their scored decisions:
 * x and y of the dashed line, one point per period index (rows of period k at oracle[k]). */
static size_t oracle_line(const gb_results_arm_period *rows, size_t n, double nominal_s,
                          double unit_s, series_arrays *a) {
  size_t periods = 0;
  for (size_t i = 0; i < n; i++)
    if (rows[i].period >= 0 && rows[i].period + 1 > (double)periods)
      periods = (size_t)rows[i].period + 1;
  if (periods == 0 || alloc_xy(a, periods) != 0)
    return 0;
  double *scored = calloc(periods, sizeof *scored);
  if (!scored)
    return 0;
  for (size_t k = 0; k < periods; k++)
    a->y[k] = 0;
  for (size_t i = 0; i < n; i++) {
    const gb_results_arm_period *p = &rows[i];
    if (!(p->period >= 0) || !(p->scored > 0) || isnan(p->oracle_use_rate))
      continue;
    size_t k = (size_t)p->period;
    a->x[k] = period_mid(p, nominal_s, unit_s);
    a->y[k] += p->oracle_use_rate * p->scored;
    scored[k] += p->scored;
  }
  static const double PERCENT = 100;
  for (size_t k = 0; k < periods; k++)
    a->y[k] = scored[k] > 0 ? a->y[k] / scored[k] * PERCENT : NAN;
  free(scored);
  return periods;
}

int gb_plot_arms_daily(const gb_results *r, const char *plots_dir, gb_err *err) {
  size_t n = 0;
  const gb_results_arm_period *rows = gb_results_arm_periods(r, &n);
  size_t rates = 0;
  for (size_t i = 0; i < n; i++)
    rates += !isnan(rows[i].use_rate);
  if (rates == 0) /* the oracle's line alone would compare nothing */
    return gb_err_set(err, GB_ERR_INPUT, "%s: no use rate in arms_daily.csv to plot",
                      gb_results_dir(r));
  double nominal_s = 0;
  for (size_t i = 0; i < n; i++)
    nominal_s = fmax(nominal_s, isnan(rows[i].period_s) ? 0 : rows[i].period_s);
  if (nominal_s <= 0)
    nominal_s = SECONDS_PER_DAY; /* no lengths: days, the file's name says */
  double unit_s = nominal_s < SECONDS_PER_DAY ? SECONDS_PER_HOUR : SECONDS_PER_DAY;
  const char **names = calloc(n, sizeof *names);
  series_arrays *arr = calloc(n + 1, sizeof *arr); /* the arms, then the oracle */
  gb_plot_series *s = calloc(n + 1, sizeof *s);
  int rc = names && arr && s ? 0 : gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", plots_dir);
  size_t n_arms = rc == 0 ? period_arms(rows, n, names) : 0;
  static const double PERCENT = 100;
  for (size_t k = 0; rc == 0 && k < n_arms; k++) {
    series_arrays *a = &arr[k];
    a->ylow = calloc(n, sizeof *a->ylow);
    a->yhigh = calloc(n, sizeof *a->yhigh);
    if (alloc_xy(a, n) != 0 || !a->ylow || !a->yhigh) {
      rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", plots_dir);
      break;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
      if (strcmp(rows[i].arm, names[k]) != 0)
        continue;
      a->x[m] = period_mid(&rows[i], nominal_s, unit_s);
      a->y[m] = rows[i].use_rate * PERCENT;
      a->ylow[m] = rows[i].use_rate_ci_low * PERCENT;
      a->yhigh[m++] = rows[i].use_rate_ci_high * PERCENT;
    }
    s[k] = (gb_plot_series){
        .title = names[k], .n = m, .x = a->x, .y = a->y, .ylow = a->ylow, .yhigh = a->yhigh};
  }
  size_t n_series = n_arms;
  size_t periods = rc == 0 ? oracle_line(rows, n, nominal_s, unit_s, &arr[n_arms]) : 0;
  if (periods > 0)
    s[n_series++] = (gb_plot_series){.title = "oracle (expected use rate)",
                                     .n = periods,
                                     .x = arr[n_arms].x,
                                     .y = arr[n_arms].y,
                                     .dashed = true};
  const gb_plot_chart chart = {.title = "Use rate per arm over sim time (95% confidence bands)",
                               .xlabel = unit_s == SECONDS_PER_HOUR ? "sim hours since the start"
                                                                    : "sim days since the start",
                               .ylabel = "use rate (%)",
                               .style = GB_PLOT_BANDS,
                               .y_from_zero = true,
                               .x_from_zero = true};
  if (rc == 0)
    rc = draw_named(&chart, s, n_series, plots_dir, GB_PLOT_ARMS_DAILY, err);
  free_arrays(arr, n + 1);
  free(s);
  free(names);
  return rc;
}
