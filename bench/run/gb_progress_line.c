#include "gb_progress_line.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>

/* Room for the longest line: 20-digit counts, a multi-year sim time, large rates. */
enum { LINE_CAP = 160 };

struct gb_progress_line {
  FILE *out;
  bool enabled;
  bool have_values; /* an update arrived */
  bool drawn_once;
  bool finished;
  int64_t last_draw_ns;
  size_t last_len; /* length of the text on screen, to blank a longer leftover */
  int64_t sim_ms;
  uint64_t events;
  double rate_eps, p99_us;
};

bool gb_progress_line_wanted(FILE *out, bool quiet) { return !quiet && isatty(fileno(out)); }

int gb_progress_line_new(FILE *out, bool enabled, gb_progress_line **out_pl, gb_err *err) {
  gb_progress_line *pl = calloc(1, sizeof *pl);
  if (!pl)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a progress line");
  pl->out = out;
  pl->enabled = enabled;
  *out_pl = pl;
  return 0;
}

void gb_progress_line_free(gb_progress_line *pl) { free(pl); }

static void format_sim_time(char *buf, size_t cap, int64_t sim_ms) {
  int64_t s = sim_ms > 0 ? sim_ms / 1000 : 0;
  int64_t days = s / 86400, h = s / 3600 % 24, m = s / 60 % 60, sec = s % 60;
  if (days > 0)
    snprintf(buf, cap, "%" PRId64 "d %02" PRId64 ":%02" PRId64 ":%02" PRId64, days, h, m, sec);
  else
    snprintf(buf, cap, "%02" PRId64 ":%02" PRId64 ":%02" PRId64, h, m, sec);
}

static void format_rate(char *buf, size_t cap, double eps) {
  if (!(eps > 0)) /* also NaN */
    snprintf(buf, cap, "0");
  else if (eps < 1e3)
    snprintf(buf, cap, "%.0f", eps);
  else if (eps < 1e6)
    snprintf(buf, cap, "%.1fk", eps / 1e3);
  else
    snprintf(buf, cap, "%.2fM", eps / 1e6);
}

static void format_latency(char *buf, size_t cap, double us) {
  if (!(us >= 0)) /* negative or NaN: nothing measured yet */
    snprintf(buf, cap, "-");
  else if (us < 1e3)
    snprintf(buf, cap, "%.1f us", us);
  else if (us < 1e6)
    snprintf(buf, cap, "%.2f ms", us / 1e3);
  else
    snprintf(buf, cap, "%.2f s", us / 1e6);
}

size_t gb_progress_line_format(char *buf, size_t cap, int64_t sim_ms, uint64_t events,
                               double rate_eps, double p99_us) {
  char sim[48], rate[32], p99[32];
  format_sim_time(sim, sizeof sim, sim_ms);
  format_rate(rate, sizeof rate, rate_eps);
  format_latency(p99, sizeof p99, p99_us);
  int n =
      snprintf(buf, cap, "sim %s | %" PRIu64 " events | %s ev/s | p99 %s", sim, events, rate, p99);
  return n > 0 ? (size_t)n : 0;
}

static void draw(gb_progress_line *pl) {
  char line[LINE_CAP];
  size_t len =
      gb_progress_line_format(line, sizeof line, pl->sim_ms, pl->events, pl->rate_eps, pl->p99_us);
  if (len >= sizeof line)
    len = sizeof line - 1;
  /* Spaces over what is left of a longer previous line (no terminal escape codes needed). */
  int pad = pl->last_len > len ? (int)(pl->last_len - len) : 0;
  fprintf(pl->out, "\r%s%*s", line, pad, "");
  fflush(pl->out);
  pl->last_len = len;
}

void gb_progress_line_update(gb_progress_line *pl, int64_t now_ns, int64_t sim_ms, uint64_t events,
                             double rate_eps, double p99_us) {
  if (!pl->enabled || pl->finished)
    return;
  pl->sim_ms = sim_ms;
  pl->events = events;
  pl->rate_eps = rate_eps;
  pl->p99_us = p99_us;
  pl->have_values = true;
  if (pl->drawn_once && now_ns - pl->last_draw_ns < GB_PROGRESS_LINE_PERIOD_NS)
    return;
  draw(pl);
  pl->drawn_once = true;
  pl->last_draw_ns = now_ns;
}

void gb_progress_line_finish(gb_progress_line *pl) {
  if (!pl->enabled || pl->finished)
    return;
  pl->finished = true;
  if (!pl->have_values)
    return;
  draw(pl);
  fputc('\n', pl->out);
  fflush(pl->out);
}
