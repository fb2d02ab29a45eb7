/* gb_workload_convert: layer 3 of gb_workload.c: every scalar parsed strictly, ranges checked,
 * defaults filled, the gb_workload built. */
#include "gb_workload_int.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_algo.h"
#include <time.h>

#include "gb_ddsketch.h"
#include "gb_sim_model.h"

/* ---- Scalars ---- */

typedef enum wl_num { WL_NUM_OK, WL_NUM_BAD, WL_NUM_RANGE } wl_num;

static bool wl_is_digit(char c) { return c >= '0' && c <= '9'; }

/* "-?[0-9]+" exactly (strtoll alone accepts spaces, '+' and trailing text). */
static wl_num wl_parse_int(const char *text, int64_t *out) {
  const char *digits = text[0] == '-' ? text + 1 : text;
  if (!wl_is_digit(digits[0]) || digits[strspn(digits, "0123456789")] != '\0')
    return WL_NUM_BAD;
  errno = 0;
  long long v = strtoll(text, NULL, 10);
  if (errno == ERANGE)
    return WL_NUM_RANGE;
  *out = v;
  return WL_NUM_OK;
}

/* "[0-9]+" within uint64_t; a negative integer is out of range, not malformed. */
static wl_num wl_parse_uint(const char *text, uint64_t *out) {
  int64_t ignored;
  if (text[0] == '-')
    return wl_parse_int(text, &ignored) == WL_NUM_BAD ? WL_NUM_BAD : WL_NUM_RANGE;
  if (!wl_is_digit(text[0]) || text[strspn(text, "0123456789")] != '\0')
    return WL_NUM_BAD;
  errno = 0;
  unsigned long long v = strtoull(text, NULL, 10);
  if (errno == ERANGE)
    return WL_NUM_RANGE;
  *out = v;
  return WL_NUM_OK;
}

/* A finite decimal number ("2", "0.5", "1e3"); strtod alone would also take leading spaces,
 * hexadecimal, "inf" and "nan". */
static wl_num wl_parse_double(const char *text, double *out) {
  if (text[0] == '\0' || text[strspn(text, "0123456789+-.eE")] != '\0')
    return WL_NUM_BAD;
  char *end = NULL;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || *end != '\0' || isnan(v))
    return WL_NUM_BAD;
  if (errno == ERANGE || !isfinite(v))
    return WL_NUM_RANGE;
  *out = v;
  return WL_NUM_OK;
}

/* Shortest text that reads back as the same double: 0.1 -> "0.1" (not 0.10000000000000001),
 * 720 -> "720" (not 7.2e+02: whole numbers below 1e17 print exactly without an exponent). */
void gb_workload_format_double(double v, char *buf, size_t size) {
  if (v == floor(v) && fabs(v) < 1e17) {
    snprintf(buf, size, "%.0f", v);
    return;
  }
  for (int precision = 1; precision <= 17; precision++) {
    snprintf(buf, size, "%.*g", precision, v);
    if (strtod(buf, NULL) == v)
      return;
  }
}

static bool wl_valid_name(const char *s) {
  size_t len = strlen(s);
  return len >= 1 && len <= WL_NAME_MAX &&
         s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")] == '\0';
}

/* One "host:port" of a broker list: a non-empty host without spaces, a port 1 .. 65535. */
static bool wl_valid_broker(const char *s, size_t len) {
  const char *colon = NULL;
  for (const char *c = s; c < s + len; c++)
    if (*c == ':')
      colon = c;
  if (!colon || colon == s || memchr(s, ' ', (size_t)(colon - s)))
    return false;
  size_t port_len = (size_t)(s + len - colon - 1);
  if (port_len < 1 || port_len > 5)
    return false;
  long port = 0;
  for (const char *c = colon + 1; c < s + len; c++) {
    if (!wl_is_digit(*c))
      return false;
    port = port * 10 + (*c - '0');
  }
  return port >= 1 && port <= WL_PORT_MAX;
}

static bool wl_valid_brokers(const char *s) {
  if (strcmp(s, "embedded") == 0)
    return true;
  for (;;) {
    size_t len = strcspn(s, ",");
    if (!wl_valid_broker(s, len))
      return false;
    if (s[len] == '\0')
      return true;
    s += len + 1;
  }
}

/* "YYYY-MM-DDTHH:MM:SSZ" exactly, a real date and time: formatting the parsed time must give
 * the text back, which rejects 2026-02-30 and unpadded fields. */
static bool wl_parse_time(const char *text, int64_t *out_ms) {
  struct tm tm = {0};
  const char *rest = strptime(text, WL_TIME_FORMAT, &tm);
  if (!rest || *rest != '\0')
    return false;
  time_t t = timegm(&tm);
  struct tm check;
  char again[sizeof "YYYY-MM-DDTHH:MM:SSZ" + 8];
  if (!gmtime_r(&t, &check) || strftime(again, sizeof again, WL_TIME_FORMAT, &check) == 0 ||
      strcmp(again, text) != 0)
    return false;
  *out_ms = (int64_t)t * 1000;
  return true;
}

void gb_workload_format_time(int64_t ms, char *buf, size_t size) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  if (!gmtime_r(&t, &tm) || strftime(buf, size, WL_TIME_FORMAT, &tm) == 0)
    snprintf(buf, size, "%" PRId64 "ms", ms);
}

/* ---- Field conversion: each reads one key (NULL text = absent = default) ---- */

typedef struct wl_ctx {
  const wl_src *src;
  gb_err *err;
} wl_ctx;

static int wl_get_int(const wl_ctx *c, const char *path, const char *text, int64_t def, int64_t min,
                      int64_t max, int64_t *out) {
  int64_t v = def;
  wl_num r = text ? wl_parse_int(text, &v) : WL_NUM_OK;
  if (r == WL_NUM_BAD)
    return gb_workload_fail(c->src, path, c->err, "expected an integer, got '%s'", text);
  if (r == WL_NUM_RANGE || v < min || v > max)
    return gb_workload_fail(c->src, path, c->err, "%s is out of range (%" PRId64 " .. %" PRId64 ")",
                            text, min, max);
  *out = v;
  return 0;
}

static int wl_get_u32(const wl_ctx *c, const char *path, const char *text, int64_t def, int64_t min,
                      int64_t max, uint32_t *out) {
  int64_t v;
  if (wl_get_int(c, path, text, def, min, max, &v) != 0)
    return -1;
  *out = (uint32_t)v;
  return 0;
}

static int wl_get_seed(const wl_ctx *c, const char *path, const char *text, uint64_t *out) {
  uint64_t v = wl_default_seed;
  wl_num r = text ? wl_parse_uint(text, &v) : WL_NUM_OK;
  if (r == WL_NUM_BAD)
    return gb_workload_fail(c->src, path, c->err, "expected an integer, got '%s'", text);
  if (r == WL_NUM_RANGE)
    return gb_workload_fail(c->src, path, c->err, "%s is out of range (0 .. %" PRIu64 ")", text,
                            UINT64_MAX);
  *out = v;
  return 0;
}

/* A finite number in [min, max]. */
static int wl_get_double(const wl_ctx *c, const char *path, const char *text, double def,
                         double min, double max, double *out) {
  double v = def;
  wl_num r = text ? wl_parse_double(text, &v) : WL_NUM_OK;
  if (r == WL_NUM_BAD)
    return gb_workload_fail(c->src, path, c->err, "expected a number, got '%s'", text);
  if (r == WL_NUM_RANGE || !(v >= min && v <= max))
    return gb_workload_fail(c->src, path, c->err, "%s is out of range (%g .. %g)", text, min, max);
  *out = v;
  return 0;
}

/* A duration of at least min_ms (callers pass 0 or 1). */
static int wl_get_duration(const wl_ctx *c, const char *path, const char *text, int64_t def,
                           int64_t min_ms, int64_t *out) {
  int64_t v = def;
  gb_err derr = {0};
  if (text && gb_duration_parse_ms(text, &v, &derr) != 0)
    return gb_workload_fail(c->src, path, c->err, "%s", derr.msg);
  if (v < min_ms)
    return gb_workload_fail(c->src, path, c->err, "%s is out of range (> 0)", text);
  *out = v;
  return 0;
}

/* sim.time_scale: a number > 0, or "max" (stored as 0, the default). */
static int wl_get_time_scale(const wl_ctx *c, const char *path, const char *text, double *out) {
  if (!text || strcmp(text, "max") == 0) {
    *out = 0;
    return 0;
  }
  double v = 0;
  wl_num r = wl_parse_double(text, &v);
  if (r == WL_NUM_BAD)
    return gb_workload_fail(c->src, path, c->err, "expected a number or max, got '%s'", text);
  if (r == WL_NUM_RANGE || !(v >= WL_TIME_SCALE_MIN && v <= WL_TIME_SCALE_MAX))
    return gb_workload_fail(c->src, path, c->err, "%s is out of range (%g .. %g, or max)", text,
                            WL_TIME_SCALE_MIN, WL_TIME_SCALE_MAX);
  *out = v;
  return 0;
}

/* A paced run lasts sim.duration / sim.time_scale of wall time: at most WL_WALL_MAX_DAYS, so
 * that every event's intended wall time fits the clock's int64 ns (1e-300 would overflow it and
 * the run would never end). */
static int wl_check_wall_time(const wl_ctx *c, const char *text, const gb_workload *w) {
  if (w->sim.time_scale == 0)
    return 0;
  double wall_ms = (double)w->sim.duration_ms / w->sim.time_scale;
  if (wall_ms <= (double)WL_WALL_MAX_MS)
    return 0;
  char duration[GB_DURATION_TEXT_MAX];
  gb_duration_format_ms(w->sim.duration_ms, duration, sizeof duration);
  return gb_workload_fail(c->src, "sim.time_scale", c->err,
                          "%s is too slow: sim.duration %s would take %.3g days of wall time, "
                          "more than %d",
                          text, duration, wall_ms / 86400000.0, WL_WALL_MAX_DAYS);
}

static int wl_get_time(const wl_ctx *c, const char *path, const char *text, int64_t *out) {
  const char *t = text ? text : WL_DEFAULT_START;
  if (!wl_parse_time(t, out))
    return gb_workload_fail(c->src, path, c->err, "'%s' is not a UTC time like %s", t,
                            WL_DEFAULT_START);
  return 0;
}

/* A copy of text (or of def when absent); empty text is an error. */
static int wl_get_string(const wl_ctx *c, const char *path, const char *text, const char *def,
                         char **out) {
  const char *s = text ? text : def;
  if (s[0] == '\0')
    return gb_workload_fail(c->src, path, c->err, "must not be empty");
  *out = strdup(s);
  return *out ? 0 : wl_oom(c->err);
}

static int wl_get_name(const wl_ctx *c, const char *path, const char *text, const char *def,
                       char **out) {
  if (!text && !def)
    return gb_workload_fail(c->src, path, c->err, "required key is missing");
  const char *s = text ? text : def;
  if (!wl_valid_name(s))
    return gb_workload_fail(c->src, path, c->err,
                            "'%s' is not a valid name (1 .. %d characters from A-Z a-z 0-9 _ . -)",
                            s, WL_NAME_MAX);
  return wl_get_string(c, path, s, s, out);
}

/* The name of enumeration value v (absent: def). */
const char *gb_workload_enum_name(const cyaml_strval_t *list, size_t n, const int *v, int def) {
  int want = v ? *v : def;
  for (size_t i = 0; i < n; i++)
    if (list[i].val == want)
      return list[i].str;
  return list[0].str; /* unreachable: libcyaml only stores listed values */
}

/* path resolved against the folder of the workload file, unless absolute. */
static int wl_resolve(const char *file, const char *path, char **out, gb_err *err) {
  const char *slash = strrchr(file, '/');
  int dir_len = path[0] == '/' || !slash ? 0 : (int)(slash - file + 1);
  size_t size = (size_t)dir_len + strlen(path) + 1;
  *out = malloc(size);
  if (!*out)
    return wl_oom(err);
  snprintf(*out, size, "%.*s%s", dir_len, file, path);
  return 0;
}

/* ---- Sections ---- */

static int wl_conv_top(const wl_ctx *c, const wl_raw *r, gb_workload *w) {
  int64_t warmup_ms = 0;
  if (wl_get_name(c, "name", r->name, NULL, &w->name) != 0 ||
      wl_get_seed(c, "seed", r->seed, &w->seed) != 0 ||
      wl_get_duration(c, "warmup", r->warmup, 0, 0, &warmup_ms) != 0)
    return -1;
  /* the run adds it to the monotonic clock's ns */
  if (warmup_ms > WL_WALL_MAX_MS)
    return gb_workload_fail(c->src, "warmup", c->err, "%s is out of range (0s .. %dd)", r->warmup,
                            WL_WALL_MAX_DAYS);
  w->warmup_ns = warmup_ms * 1000000;
  return 0;
}

static int wl_conv_retention(const wl_ctx *c, const wl_raw_retention *r, gb_sim_model *m) {
  static const wl_raw_retention absent = {0};
  r = r ? r : &absent;
  bool bad =
      wl_get_double(c, "sim.retention.d1", r->d1, m->retention_d1, 0, 1, &m->retention_d1) != 0 ||
      wl_get_double(c, "sim.retention.d7", r->d7, m->retention_d7, 0, 1, &m->retention_d7) != 0 ||
      wl_get_double(c, "sim.retention.completion_effect", r->completion_effect,
                    m->completion_effect, 0, GB_SIM_EFFECT_MAX, &m->completion_effect) != 0 ||
      wl_get_double(c, "sim.retention.spam_effect", r->spam_effect, m->spam_effect, 0,
                    GB_SIM_EFFECT_MAX, &m->spam_effect) != 0;
  return bad ? -1 : 0;
}

/* The population keys (gb_sim_model.h), their cross-checks and the population's size. */
static int wl_conv_sim_model(const wl_ctx *c, const wl_raw_sim *s, gb_workload *w) {
  gb_sim_model *m = &w->sim.model;
  *m = gb_sim_model_defaults();
  int64_t peak = m->peak_hour;
  if (wl_get_double(c, "sim.arrivals", s->arrivals, m->arrival_rate, 0, GB_SIM_ARRIVAL_RATE_MAX,
                    &m->arrival_rate) != 0 ||
      wl_get_double(c, "sim.sessions_per_day", s->sessions_per_day, m->sessions_per_day,
                    GB_SIM_SESSIONS_PER_DAY_MIN, GB_SIM_SESSIONS_PER_DAY_MAX,
                    &m->sessions_per_day) != 0 ||
      wl_get_duration(c, "sim.session_length", s->session_length, m->session_scale_ms, 1,
                      &m->session_scale_ms) != 0)
    return -1;
  if (m->session_scale_ms < GB_SIM_SESSION_SCALE_MIN_MS ||
      m->session_scale_ms > GB_SIM_SESSION_SCALE_MAX_MS)
    return gb_workload_fail(c->src, "sim.session_length", c->err, "%s is out of range (1s .. 1d)",
                            s->session_length);
  if (wl_get_double(c, "sim.session_shape", s->session_shape, m->session_shape,
                    GB_SIM_SESSION_SHAPE_MIN, GB_SIM_SESSION_SHAPE_MAX, &m->session_shape) != 0 ||
      wl_get_int(c, "sim.peak_hour", s->peak_hour, peak, 0, 23, &peak) != 0 ||
      wl_get_double(c, "sim.payer_share", s->payer_share, m->payer_share, 0, 1, &m->payer_share) !=
          0 ||
      wl_conv_retention(c, s->retention, m) != 0)
    return -1;
  m->peak_hour = (int)peak;
  char key[WL_PATH_MAX], path[WL_PATH_MAX + 8];
  gb_err merr = {0};
  if (gb_sim_model_check(m, key, sizeof key, &merr) != 0) {
    snprintf(path, sizeof path, "sim.%s", key);
    return gb_workload_fail(c->src, path, c->err, "%s", merr.msg);
  }
  uint64_t population = gb_sim_population(w->sim.players, w->sim.duration_ms, m);
  if (population > GB_SIM_POPULATION_MAX)
    return gb_workload_fail(c->src, "sim.arrivals", c->err,
                            "%g x sim.players new players a day over sim.duration make %" PRIu64
                            " players, above the maximum of %llu",
                            m->arrival_rate, population, (unsigned long long)GB_SIM_POPULATION_MAX);
  return 0;
}

static int wl_conv_sim(const wl_ctx *c, const wl_raw_sim *s, gb_workload *w) {
  static const wl_raw_sim absent = {0};
  s = s ? s : &absent;
  if (wl_get_u32(c, "sim.players", s->players, wl_default_players, 1, WL_PLAYERS_MAX,
                 &w->sim.players) != 0)
    return -1;
  if (!s->duration)
    return gb_workload_fail(c->src, "sim.duration", c->err, "required key is missing");
  if (wl_get_duration(c, "sim.duration", s->duration, 0, 1, &w->sim.duration_ms) != 0 ||
      wl_get_time_scale(c, "sim.time_scale", s->time_scale, &w->sim.time_scale) != 0 ||
      wl_check_wall_time(c, s->time_scale, w) != 0 ||
      wl_get_u32(c, "sim.threads", s->threads, 1, 1, WL_THREADS_MAX, &w->sim.threads) != 0 ||
      wl_get_time(c, "sim.start", s->start, &w->sim.start_ms) != 0)
    return -1;
  w->sim.platforms = s->platform ? (gb_platforms)*s->platform : GB_PLATFORMS_CARD;
  return wl_conv_sim_model(c, s, w);
}

/* A path key resolved against the workload's folder, or NULL when absent. */
static int wl_get_path(const wl_ctx *c, const char *path, const char *text, char **out) {
  *out = NULL;
  if (!text)
    return 0;
  if (text[0] == '\0')
    return gb_workload_fail(c->src, path, c->err, "must not be empty");
  return wl_resolve(c->src->file, text, out, c->err);
}

/* store.*: read whatever the platform (a --set store.slate=8 on a card workload is checked
 * too), used when the store is simulated. */
static int wl_conv_store(const wl_ctx *c, const wl_raw_store *s, gb_workload *w) {
  static const wl_raw_store absent = {0};
  s = s ? s : &absent;
  if (wl_get_u32(c, "store.players", s->players, w->sim.players, 1, WL_PLAYERS_MAX,
                 &w->store.players) != 0 ||
      wl_get_u32(c, "store.apps", s->apps, WL_STORE_APPS_DEFAULT, 1, WL_STORE_APPS_MAX,
                 &w->store.apps) != 0 ||
      wl_get_u32(c, "store.slate", s->slate, WL_STORE_SLATE_DEFAULT, 1, WL_STORE_SLATE_MAX,
                 &w->store.slate) != 0 ||
      wl_get_path(c, "store.catalog", s->catalog, &w->store.catalog) != 0 ||
      wl_get_path(c, "store.reference", s->reference, &w->store.reference) != 0)
    return -1;
  return 0;
}

/* ---- engine.aggregates ---- */

/* "+HH:MM", "-HH:MM" or "Z" into minutes east of UTC; false when malformed (not out of range). */
static bool wl_parse_offset(const char *text, int32_t *out_min) {
  if (strcmp(text, "Z") == 0) {
    *out_min = 0;
    return true;
  }
  const char *t = text;
  if (strlen(t) != 6 || (t[0] != '+' && t[0] != '-') || t[3] != ':' || !wl_is_digit(t[1]) ||
      !wl_is_digit(t[2]) || !wl_is_digit(t[4]) || !wl_is_digit(t[5]) || t[4] > '5')
    return false;
  int32_t min = ((t[1] - '0') * 10 + (t[2] - '0')) * 60 + (t[4] - '0') * 10 + (t[5] - '0');
  *out_min = t[0] == '-' ? -min : min;
  return true;
}

static int wl_get_day_offset(const wl_ctx *c, const char *path, const char *text, int32_t *out) {
  int32_t v = 0;
  if (text && !wl_parse_offset(text, &v))
    return gb_workload_fail(c->src, path, c->err,
                            "'%s' is not a UTC offset (+HH:MM, -HH:MM or Z, e.g. +08:00)", text);
  if (v < WL_AGG_OFFSET_MIN || v > WL_AGG_OFFSET_MAX)
    return gb_workload_fail(c->src, path, c->err, "%s is out of range (-12:00 .. +14:00)", text);
  *out = v;
  return 0;
}

/* A bucket of 1 s .. 1 d that divides a day, so that buckets tile every day alike. */
static int wl_get_bucket(const wl_ctx *c, const char *path, const char *text, int64_t *out) {
  int64_t v;
  if (wl_get_duration(c, path, text, wl_default_bucket_ms, 0, &v) != 0)
    return -1;
  if (v < WL_AGG_BUCKET_MIN_MS || v > WL_DAY_MS)
    return gb_workload_fail(c->src, path, c->err, "%s is out of range (1s .. 1d)", text);
  if (WL_DAY_MS % v != 0)
    return gb_workload_fail(c->src, path, c->err, "%s does not divide a day", text);
  *out = v;
  return 0;
}

/* Whether the list at path is in the file: libcyaml leaves an empty list NULL, as if absent. */
static bool wl_given(const wl_ctx *c, const char *path) {
  return gb_workload_tree_find(c->src->doc, path, NULL) != NULL;
}

static int wl_get_dims(const wl_ctx *c, const wl_raw_aggregates *a, gb_workload *w) {
  static const char list[] = "engine.aggregates.dimensions";
  gb_agg_dim *dims = w->engine.aggregates.dims;
  if (!a->dimensions && !wl_given(c, list)) {
    memcpy(dims, wl_default_dims, sizeof wl_default_dims);
    w->engine.aggregates.n_dims = WL_COUNT(wl_default_dims);
    return 0;
  }
  size_t n = 0;
  for (size_t i = 0; i < a->dimensions_count; i++) {
    char path[WL_PATH_MAX];
    snprintf(path, sizeof path, "%s[%zu]", list, i);
    const char *name = a->dimensions[i] ? a->dimensions[i] : "";
    gb_agg_dim d;
    if (gb_agg_dim_parse(name, &d) != 0)
      return gb_workload_fail(c->src, path, c->err, "'%s' is not a dimension (%s)", name,
                              gb_agg_dim_names());
    for (size_t j = 0; j < n; j++)
      if (dims[j] == d)
        return gb_workload_fail(c->src, path, c->err, "duplicate dimension '%s' (also %s[%zu])",
                                name, list, j);
    dims[n++] = d; /* at most GB_AGG_DIM__COUNT: a longer list repeats a name */
  }
  w->engine.aggregates.n_dims = n;
  return 0;
}

static int wl_get_measures(const wl_ctx *c, const wl_raw_aggregates *a, gb_workload *w) {
  static const char list[] = "engine.aggregates.measures";
  size_t seen[WL_MEASURES] = {0}; /* 1 + the index where each measure is listed, 0: not */
  bool given = a->measures || wl_given(c, list);
  for (size_t i = 0; i < a->measures_count; i++) {
    char path[WL_PATH_MAX];
    snprintf(path, sizeof path, "%s[%zu]", list, i);
    const char *name = a->measures[i] ? a->measures[i] : "";
    size_t m = 0;
    while (m < WL_MEASURES && strcmp(name, wl_measures[m]) != 0)
      m++;
    if (m == WL_MEASURES)
      return gb_workload_fail(c->src, path, c->err,
                              "'%s' is not a measure (count, sum, min, max, distinct_players, "
                              "quantiles)",
                              name);
    if (seen[m])
      return gb_workload_fail(c->src, path, c->err, "duplicate measure '%s' (also %s[%zu])", name,
                              list, seen[m] - 1);
    seen[m] = i + 1;
  }
  w->engine.aggregates.distinct_players = !given || seen[WL_MEASURE_DISTINCT] > 0;
  w->engine.aggregates.quantiles = !given || seen[WL_MEASURE_QUANTILES] > 0;
  return 0;
}

/* A number in (0, 0.5]: the sketch's relative error. */
static int wl_get_accuracy(const wl_ctx *c, const char *path, const char *text, double *out) {
  double v = wl_default_quantile_accuracy;
  wl_num r = text ? wl_parse_double(text, &v) : WL_NUM_OK;
  if (r == WL_NUM_BAD)
    return gb_workload_fail(c->src, path, c->err, "expected a number, got '%s'", text);
  /* below GB_DDSKETCH_MIN_ACCURACY the sketch's bucket indices leave its range */
  if (r == WL_NUM_RANGE || !(v >= GB_DDSKETCH_MIN_ACCURACY && v <= wl_max_quantile_accuracy))
    return gb_workload_fail(c->src, path, c->err, "%s is out of range (%g .. %g)", text,
                            GB_DDSKETCH_MIN_ACCURACY, wl_max_quantile_accuracy);
  *out = v;
  return 0;
}

static int wl_conv_aggregates(const wl_ctx *c, const wl_raw_aggregates *a, gb_workload *w) {
  static const wl_raw_aggregates absent = {0};
  a = a ? a : &absent;
  int64_t hll = 0;
  if (wl_get_bucket(c, "engine.aggregates.bucket", a->bucket, &w->engine.aggregates.bucket_ms) !=
          0 ||
      wl_get_day_offset(c, "engine.aggregates.day_offset", a->day_offset,
                        &w->engine.aggregates.day_offset_min) != 0 ||
      wl_get_dims(c, a, w) != 0 || wl_get_measures(c, a, w) != 0 ||
      wl_get_duration(c, "engine.aggregates.allowed_lateness", a->allowed_lateness,
                      wl_default_lateness_ms, 0, &w->engine.aggregates.allowed_lateness_ms) != 0)
    return -1;
  if (w->engine.aggregates.allowed_lateness_ms > WL_DAY_MS)
    return gb_workload_fail(c->src, "engine.aggregates.allowed_lateness", c->err,
                            "%s is out of range (0s .. 1d)", a->allowed_lateness);
  if (wl_get_u32(c, "engine.aggregates.distinct_exact", a->distinct_exact,
                 wl_default_distinct_exact, 0, WL_AGG_DISTINCT_EXACT_MAX,
                 &w->engine.aggregates.distinct_exact_max) != 0 ||
      wl_get_int(c, "engine.aggregates.hll_precision", a->hll_precision, wl_default_hll_precision,
                 WL_AGG_HLL_MIN, WL_AGG_HLL_MAX, &hll) != 0 ||
      wl_get_accuracy(c, "engine.aggregates.quantile_accuracy", a->quantile_accuracy,
                      &w->engine.aggregates.quantile_accuracy) != 0 ||
      wl_get_u32(c, "engine.aggregates.level_band", a->level_band, wl_default_level_band, 1,
                 WL_AGG_LEVEL_BAND_MAX, &w->engine.aggregates.level_band) != 0)
    return -1;
  w->engine.aggregates.hll_precision = (int)hll;
  w->engine.aggregates.keep = true;
  return 0;
}

static int wl_conv_engine(const wl_ctx *c, const wl_raw_engine *e, gb_workload *w) {
  static const wl_raw_engine absent = {0};
  e = e ? e : &absent;
  if (wl_get_u32(c, "engine.threads", e->threads, 1, 1, WL_THREADS_MAX, &w->engine.threads) != 0)
    return -1;
  /* The queue is a ring indexed with a mask: a power of two, in range. */
  const char *qtext = e->queue_capacity;
  int64_t q;
  if (wl_get_int(c, "engine.queue_capacity", qtext, wl_default_queue, INT64_MIN, INT64_MAX, &q) !=
      0)
    return -1;
  if (q < WL_QUEUE_MIN || q > WL_QUEUE_MAX || (q & (q - 1)) != 0)
    return gb_workload_fail(c->src, "engine.queue_capacity", c->err,
                            "%s is out of range (a power of two, %d .. %d)", qtext, WL_QUEUE_MIN,
                            WL_QUEUE_MAX);
  w->engine.queue_capacity = (uint32_t)q;
  char *rel = NULL;
  if (wl_get_string(c, "engine.challenges", e->challenges, WL_DEFAULT_CHALLENGES, &rel) != 0)
    return -1;
  int rc = wl_resolve(c->src->file, rel, &w->engine.challenges, c->err);
  free(rel);
  if (rc != 0)
    return -1;
  const char *matcher = gb_workload_enum_name(wl_matchers, WL_COUNT(wl_matchers), e->matcher, 0);
  if (wl_get_string(c, "engine.matcher", matcher, matcher, &w->engine.matcher) != 0 ||
      wl_get_u32(c, "engine.extra_work_per_event", e->extra_work_per_event, 0, 0, WL_EXTRA_WORK_MAX,
                 &w->engine.extra_work_per_event) != 0)
    return -1;
  return wl_conv_aggregates(c, e->aggregates, w);
}

static int wl_conv_transport(const wl_ctx *c, const wl_raw_transport *t, gb_workload *w) {
  static const wl_raw_transport absent = {0};
  t = t ? t : &absent;
  w->transport.kind = t->kind ? (gb_transport_kind)*t->kind : GB_TRANSPORT_INPROC;
  w->transport.format = t->format ? (gb_wire_format)*t->format : GB_FORMAT_BINARY;
  if (t->brokers && !wl_valid_brokers(t->brokers))
    return gb_workload_fail(c->src, "transport.brokers", c->err,
                            "'%s' is not embedded or host:port[,host:port...]", t->brokers);
  if (wl_get_string(c, "transport.brokers", t->brokers, WL_DEFAULT_BROKERS,
                    &w->transport.brokers) != 0)
    return -1;
  /* 30 s: a broker restarting or a group rebalancing takes seconds; librdkafka's own message
   * timeout (300 s) is far too long to wait for one that is gone */
  if (wl_get_duration(c, "transport.drain_timeout", t->drain_timeout, 30000, 1,
                      &w->transport.drain_timeout_ms) != 0)
    return -1;
  if (w->transport.drain_timeout_ms > 86400000)
    return gb_workload_fail(c->src, "transport.drain_timeout", c->err,
                            "%s is out of range (1ms .. 1d)", t->drain_timeout);
  return wl_get_u32(c, "transport.partitions", t->partitions, wl_default_partitions, 1,
                    WL_PARTITIONS_MAX, &w->transport.partitions);
}

/* One parameter's text as its table says: a number, a whole number, a duration or a choice. */
static int wl_param_value(const wl_ctx *c, const char *path, const gb_algo_param *p,
                          const char *text, double *out) {
  int64_t ms;
  switch (p->kind) {
  case GB_ALGO_PARAM_DURATION:
    if (wl_get_duration(c, path, text, (int64_t)p->def, 0, &ms) != 0)
      return -1;
    *out = (double)ms;
    break;
  case GB_ALGO_PARAM_CHOICE: {
    int k = gb_algo_param_choice(p, text);
    if (k < 0)
      return gb_workload_fail(c->src, path, c->err, "'%s' is not one of %s", text, p->choices);
    *out = k;
    break;
  }
  default:
    if (wl_get_double(c, path, text, p->def, p->min, p->max, out) != 0)
      return -1;
  }
  gb_err range = {0};
  if (gb_algo_param_check(p, *out, path, &range) != 0)
    return gb_workload_fail(c->src, path, c->err, "%s", range.msg);
  return 0;
}

/* arms[i].params: each given name must be a parameter of the arm's algorithm. */
static int wl_conv_params(const wl_ctx *c, const wl_raw_params *raw, const gb_algo_ops *ops,
                          size_t i, gb_arm_config *arm) {
  gb_algo_params def;
  gb_algo_params_defaults(ops, &def);
  memcpy(arm->params, def.v, sizeof arm->params);
  if (!raw)
    return 0;
  const struct {
    const char *name, *text;
  } given[] = {
#define WL_PARAM_GIVEN(n) {#n, raw->n},
      WL_ALGO_PARAMS(WL_PARAM_GIVEN)
#undef WL_PARAM_GIVEN
  };
  char path[WL_PATH_MAX];
  for (size_t k = 0; k < sizeof given / sizeof given[0]; k++) {
    if (!given[k].text)
      continue;
    snprintf(path, sizeof path, "arms[%zu].params.%s", i, given[k].name);
    int index = gb_algo_param_index(ops, given[k].name);
    if (index < 0)
      return gb_workload_fail(c->src, path, c->err, "not a parameter of algorithm '%s'%s%s",
                              ops->name, ops->n_params ? " (see gamebench run --help)" : "",
                              ops->n_params ? "" : ", which has none");
    if (wl_param_value(c, path, &ops->params[index], given[k].text, &arm->params[index]) != 0)
      return -1;
  }
  return 0;
}

static int wl_conv_arm(const wl_ctx *c, const wl_raw_arm *a, size_t i, gb_workload *w) {
  char path[WL_PATH_MAX];
  gb_arm_config *arm = &w->arms[i];
  snprintf(path, sizeof path, "arms[%zu].name", i);
  if (wl_get_name(c, path, a->name, NULL, &arm->name) != 0)
    return -1;
  /* arms.csv's reference row, the simulator's oracle, goes by that name */
  if (strcmp(arm->name, "oracle") == 0)
    return gb_workload_fail(c->src, path, c->err,
                            "'oracle' is reserved (arms.csv's oracle row); name the arm otherwise");
  for (size_t j = 0; j < i; j++)
    if (strcmp(w->arms[j].name, arm->name) == 0)
      return gb_workload_fail(c->src, path, c->err, "duplicate arm name '%s' (also arms[%zu].name)",
                              arm->name, j);
  snprintf(path, sizeof path, "arms[%zu].algorithm", i);
  if (!a->algorithm)
    return gb_workload_fail(c->src, path, c->err, "required key is missing");
  const gb_algo_ops *ops = gb_algo_find(a->algorithm);
  if (!ops)
    return gb_workload_fail(c->src, path, c->err, "unknown algorithm '%s' (known: %s)",
                            a->algorithm, gb_algo_names());
  if (!ops->choose && (w->sim.platforms & GB_PLATFORMS_CARD))
    return gb_workload_fail(c->src, path, c->err,
                            "'%s' ranks the store's slates only: it cannot decide the card "
                            "platform's props (sim.platform is %s)",
                            a->algorithm,
                            w->sim.platforms == GB_PLATFORMS_MIXED ? "mixed" : "card");
  if (!ops->slate && (w->sim.platforms & GB_PLATFORMS_STORE))
    return gb_workload_fail(c->src, path, c->err,
                            "'%s' does not rank the store's slates (sim.platform is %s; see "
                            "gamebench run --help for the algorithms that do)",
                            a->algorithm,
                            w->sim.platforms == GB_PLATFORMS_MIXED ? "mixed" : "store");
  if (wl_get_string(c, path, a->algorithm, NULL, &arm->algorithm) != 0)
    return -1;
  snprintf(path, sizeof path, "arms[%zu].weight", i);
  if (wl_get_double(c, path, a->weight, 1.0, WL_WEIGHT_MIN, WL_WEIGHT_MAX, &arm->weight) != 0)
    return -1;
  return wl_conv_params(c, a->params, ops, i, arm);
}

static int wl_conv_arms(const wl_ctx *c, const wl_raw *r, gb_workload *w) {
  wl_raw_arm default_arm = {"random", "random", NULL, NULL};
  const wl_raw_arm *arms = r->arms ? r->arms : &default_arm;
  size_t n = r->arms ? r->arms_count : 1;
  w->arms = calloc(n, sizeof *w->arms);
  if (!w->arms)
    return wl_oom(c->err);
  w->n_arms = n;
  for (size_t i = 0; i < n; i++)
    if (wl_conv_arm(c, &arms[i], i, w) != 0)
      return -1;
  return 0;
}

static int wl_conv_output(const wl_ctx *c, const wl_raw_output *o, gb_workload *w) {
  static const wl_raw_output absent = {0};
  o = o ? o : &absent;
  w->output.plots = o->plots ? *o->plots != 0 : true;
  return wl_get_string(c, "output.dir", o->dir, WL_DEFAULT_OUTPUT_DIR, &w->output.dir);
}

/* Validates raw and builds the workload (without resolved_json). */
int gb_workload_convert(const wl_src *src, const wl_raw *raw, gb_workload **out, gb_err *err) {
  wl_ctx c = {src, err};
  gb_workload *w = calloc(1, sizeof *w);
  if (!w)
    return wl_oom(err);
  w->path = strdup(src->file);
  if (!w->path || wl_conv_top(&c, raw, w) != 0 || wl_conv_sim(&c, raw->sim, w) != 0 ||
      wl_conv_store(&c, raw->store, w) != 0 || wl_conv_engine(&c, raw->engine, w) != 0 ||
      wl_conv_transport(&c, raw->transport, w) != 0 || wl_conv_arms(&c, raw, w) != 0 ||
      wl_conv_output(&c, raw->output, w) != 0) {
    if (!w->path)
      wl_oom(err);
    gb_workload_free(w);
    return -1;
  }
  *out = w;
  return 0;
}
