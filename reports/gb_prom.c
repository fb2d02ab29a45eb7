/* gb_prom: the exposition text (see gb_prom.h), through a small writer of families (HELP and
 * TYPE lines) and samples (name, labels, value) into a growing buffer. */
#include "gb_prom.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"

/* ---- the writer ----------------------------------------------------------------------------- */

typedef struct prom_buf {
  char *text;
  size_t len, cap;
  gb_err *err;
  bool failed; /* out of memory: later writes do nothing */
} prom_buf;

typedef struct prom_label {
  const char *name, *value;
} prom_label;

/* Room for n more bytes and the NUL. */
static bool reserve(prom_buf *b, size_t n) {
  if (!b->failed &&
      GB_GROW(b->text, b->cap, b->len + n + 1, 4096, "bytes of Prometheus text", b->err) < 0)
    b->failed = true;
  return !b->failed;
}

static void put_bytes(prom_buf *b, const char *s, size_t n) {
  if (!reserve(b, n))
    return;
  memcpy(b->text + b->len, s, n);
  b->len += n;
  b->text[b->len] = '\0';
}

static void put(prom_buf *b, const char *s) { put_bytes(b, s, strlen(s)); }

/* Writes s escaped: backslash and newline always, the double quote too in a label value (HELP
 * text leaves it as is, as the format says). */
static void put_escaped(prom_buf *b, const char *s, bool label) {
  const char *special = label ? "\\\"\n" : "\\\n";
  while (*s) {
    size_t run = strcspn(s, special);
    put_bytes(b, s, run);
    s += run;
    if (*s) {
      put(b, *s == '\n' ? "\\n" : *s == '"' ? "\\\"" : "\\\\");
      s++;
    }
  }
}

/* The shortest %g form that reads back to v; NaN, +Inf and -Inf as the format spells them. */
static void format_double(char *buf, size_t cap, double v) {
  if (isnan(v)) {
    snprintf(buf, cap, "NaN");
    return;
  }
  if (isinf(v)) {
    snprintf(buf, cap, v > 0 ? "+Inf" : "-Inf");
    return;
  }
  for (int digits = 1; digits <= 17; digits++) {
    snprintf(buf, cap, "%.*g", digits, v);
    if (strtod(buf, NULL) == v)
      return;
  }
}

static void family(prom_buf *b, const char *name, const char *type, const char *help) {
  put(b, "# HELP ");
  put(b, name);
  put(b, " ");
  put_escaped(b, help, false);
  put(b, "\n# TYPE ");
  put(b, name);
  put(b, " ");
  put(b, type);
  put(b, "\n");
}

/* One sample line: name and suffix ("_sum", or ""), the labels, the value's text. */
static void sample(prom_buf *b, const char *name, const char *suffix, const prom_label *labels,
                   size_t n_labels, const char *value) {
  put(b, name);
  put(b, suffix);
  for (size_t i = 0; i < n_labels; i++) {
    put(b, i ? "," : "{");
    put(b, labels[i].name);
    put(b, "=\"");
    put_escaped(b, labels[i].value ? labels[i].value : "", true);
    put(b, "\"");
  }
  put(b, n_labels ? "} " : " ");
  put(b, value);
  put(b, "\n");
}

static void sample_double(prom_buf *b, const char *name, const char *suffix,
                          const prom_label *labels, size_t n_labels, double v) {
  char text[32];
  format_double(text, sizeof text, v);
  sample(b, name, suffix, labels, n_labels, text);
}

static void sample_u64(prom_buf *b, const char *name, const char *suffix, const prom_label *labels,
                       size_t n_labels, uint64_t v) {
  char text[24];
  snprintf(text, sizeof text, "%llu", (unsigned long long)v);
  sample(b, name, suffix, labels, n_labels, text);
}

/* ---- the run's metrics ---------------------------------------------------------------------- */

static const struct {
  const char *name, *help;
  size_t offset; /* of the uint64_t in gb_prom_snapshot */
} COUNTERS[] = {
    {"gamebench_events_generated_total", "Events the simulator generated.",
     offsetof(gb_prom_snapshot, events_generated)},
    {"gamebench_events_consumed_total", "Events the engine's shards received from the transport.",
     offsetof(gb_prom_snapshot, events_consumed)},
    {"gamebench_events_processed_total", "Events that went through every stage of the pipeline.",
     offsetof(gb_prom_snapshot, events_processed)},
    {"gamebench_events_rejected_total", "Malformed events rejected by the pipeline.",
     offsetof(gb_prom_snapshot, events_rejected)},
    {"gamebench_events_late_total", "Events the run counted as late.",
     offsetof(gb_prom_snapshot, events_late)},
    {"gamebench_events_duplicate_total", "Events skipped as copies of an event already processed.",
     offsetof(gb_prom_snapshot, events_duplicate)},
    {"gamebench_events_replayed_total", "Events handed over again to rebuild a shard's state.",
     offsetof(gb_prom_snapshot, events_replayed)},
    {"gamebench_decisions_total", "Decision points answered by the recommender.",
     offsetof(gb_prom_snapshot, decisions)},
    {"gamebench_props_total", "Decisions that generated a prop.",
     offsetof(gb_prom_snapshot, props)},
};

static const struct {
  const char *label;
  size_t offset; /* of the double in gb_prom_stage */
} QUANTILES[] = {
    {"0.5", offsetof(gb_prom_stage, p50_s)},
    {"0.9", offsetof(gb_prom_stage, p90_s)},
    {"0.99", offsetof(gb_prom_stage, p99_s)},
    {"0.999", offsetof(gb_prom_stage, p999_s)},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define LATENCY "gamebench_latency_seconds"
#define LATENCY_MAX "gamebench_latency_max_seconds"

static void write_info(prom_buf *b, const gb_prom_snapshot *s) {
  family(b, "gamebench_run_info", "gauge", "The run's workload and transport (always 1).");
  prom_label labels[] = {{"workload", s->workload}, {"transport", s->transport}};
  sample(b, "gamebench_run_info", "", labels, N_OF(labels), "1");
  family(b, "gamebench_uptime_seconds", "gauge", "Wall seconds since the run started.");
  sample_double(b, "gamebench_uptime_seconds", "", NULL, 0, s->uptime_seconds);
}

static void write_counters(prom_buf *b, const gb_prom_snapshot *s) {
  for (size_t i = 0; i < N_OF(COUNTERS); i++) {
    uint64_t v;
    memcpy(&v, (const char *)s + COUNTERS[i].offset, sizeof v);
    family(b, COUNTERS[i].name, "counter", COUNTERS[i].help);
    sample_u64(b, COUNTERS[i].name, "", NULL, 0, v);
  }
}

static void write_latency(prom_buf *b, const gb_prom_snapshot *s) {
  if (s->n_stages == 0)
    return;
  family(b, LATENCY, "summary", "Latency of each stage of an event's way, in seconds.");
  for (size_t i = 0; i < s->n_stages; i++) {
    const gb_prom_stage *st = &s->stages[i];
    for (size_t q = 0; q < N_OF(QUANTILES); q++) {
      double v;
      memcpy(&v, (const char *)st + QUANTILES[q].offset, sizeof v);
      prom_label labels[] = {{"stage", st->stage}, {"quantile", QUANTILES[q].label}};
      sample_double(b, LATENCY, "", labels, N_OF(labels), v);
    }
    prom_label stage[] = {{"stage", st->stage}};
    sample_double(b, LATENCY, "_sum", stage, 1, st->sum_seconds);
    sample_u64(b, LATENCY, "_count", stage, 1, st->count);
  }
  family(b, LATENCY_MAX, "gauge", "Largest latency of each stage so far, in seconds.");
  for (size_t i = 0; i < s->n_stages; i++) {
    prom_label stage[] = {{"stage", s->stages[i].stage}};
    sample_double(b, LATENCY_MAX, "", stage, 1, s->stages[i].max_s);
  }
}

int gb_prom_render(const gb_prom_snapshot *s, char **out, size_t *len, gb_err *err) {
  GB_ASSERT(s && out && len && (s->stages || s->n_stages == 0));
  prom_buf b = {.err = err};
  write_info(&b, s);
  write_counters(&b, s);
  write_latency(&b, s);
  if (b.failed) {
    free(b.text);
    return -1;
  }
  *out = b.text;
  *len = b.len;
  return 0;
}
