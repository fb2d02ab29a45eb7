/* `gamebench report --merge`: results directories of one run's parts added up
 * (gb_run_merge_dirs.h). */
#include "gb_run_merge_dirs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "gb_algo.h"
#include "gb_duration.h"
#include "gb_json.h"
#include "gb_path.h"
#include "gb_run_int.h"
#include "gb_run_raw.h"

typedef struct merge_ctx {
  const char *const *dirs;
  size_t n;
  gb_run_raw **parts; /* [n] */
  gb_run_part *names; /* [n]: manifest.json's merged_from */
  gb_workload *w;
  gb_arms *arms;
  gb_catalog *catalog;
  gb_run_merged m;
  gb_run_totals t;
} merge_ctx;

/* ---- the parts */

static int load_parts(merge_ctx *c, gb_err *err) {
  for (size_t i = 0; i < c->n; i++) {
    char *path = gb_path_join(c->dirs[i], GB_RUN_RAW_FILE);
    if (!path)
      return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
    struct stat st;
    int rc = stat(path, &st) == 0
                 ? gb_run_raw_load(path, &c->parts[i], err)
                 : gb_err_set(err, GB_ERR_INPUT,
                              "--merge %s: no %s (not a results directory, or one written "
                              "before gamebench kept its raw state: it cannot be merged exactly)",
                              c->dirs[i], GB_RUN_RAW_FILE);
    free(path);
    if (rc != 0)
      return -1;
  }
  return 0;
}

/* Every part of the same run as the first one. */
static int check_same_run(const merge_ctx *c, gb_err *err) {
  const gb_run_raw_id *a = &c->parts[0]->id;
  for (size_t i = 1; i < c->n; i++) {
    const gb_run_raw_id *b = &c->parts[i]->id;
    const char *what = b->workload_hash != a->workload_hash ? "workload (workload_hash)"
                       : b->seed != a->seed                 ? "seed"
                       : strcmp(b->run_id, a->run_id) != 0  ? "run id"
                                                            : NULL;
    if (what)
      return gb_err_set(err, GB_ERR_INPUT,
                        "--merge %s: another %s than %s's: not a part of the same run", c->dirs[i],
                        what, c->dirs[0]);
  }
  return 0;
}

/* Either whole runs, or the instances of one split simulator, each exactly once. */
static int check_instances(const merge_ctx *c, gb_err *err) {
  unsigned n = c->parts[0]->id.instances > 1 ? c->parts[0]->id.instances : 0;
  size_t *seen = calloc(n ? n : 1, sizeof *seen); /* the directory + 1 of each instance */
  if (!seen)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  int rc = 0;
  for (size_t i = 0; i < c->n && rc == 0; i++) {
    const gb_run_raw_id *id = &c->parts[i]->id;
    unsigned k = id->instance;
    if ((id->instances > 1 ? id->instances : 0) != n)
      rc =
          gb_err_set(err, GB_ERR_INPUT,
                     "--merge %s: %s%u, but %s is %s: the parts of one run are all instances "
                     "of the same count, or all whole runs",
                     c->dirs[i], id->instances > 1 ? "instance of " : "a whole run, instances ",
                     id->instances, c->dirs[0], n ? "an instance of another count" : "a whole run");
    else if (n && seen[k])
      rc = gb_err_set(err, GB_ERR_INPUT, "--merge %s: instance %u/%u again (as %s)", c->dirs[i],
                      k + 1, n, c->dirs[seen[k] - 1]);
    else if (n)
      seen[k] = i + 1;
  }
  for (unsigned k = 0; k < n && rc == 0; k++)
    if (!seen[k])
      rc = gb_err_set(err, GB_ERR_INPUT,
                      "--merge: instance %u/%u is missing (%zu directories given): the merge "
                      "needs every instance's directory",
                      k + 1, n, c->n);
  free(seen);
  return rc;
}

/* ---- the workload, from the first part's manifest */

typedef struct manifest_fields {
  char *workload; /* the resolved workload's JSON */
  char *workload_file;
} manifest_fields;

static int on_manifest_field(void *ctx, const char *key, size_t key_len, const gb_json_value *v,
                             gb_err *err) {
  (void)err;
  manifest_fields *f = ctx;
  char **slot =
      key_len == 8 && memcmp(key, "workload", 8) == 0 && v->kind == GB_JSON_OBJECT ? &f->workload
      : key_len == 13 && memcmp(key, "workload_file", 13) == 0 && v->kind == GB_JSON_STRING
          ? &f->workload_file
          : NULL;
  if (slot && !*slot)
    *slot = strndup(v->str, v->len);
  return 0;
}

static int read_manifest(const char *dir, manifest_fields *f, gb_err *err) {
  char *path = gb_path_join(dir, "manifest.json");
  char *text = NULL;
  size_t len = 0;
  FILE *in = path ? fopen(path, "rb") : NULL;
  int rc = -1;
  if (!in) {
    gb_err_set(err, GB_ERR_INPUT, "--merge %s: manifest.json: cannot open: %s", dir,
               strerror(errno));
    goto out;
  }
  FILE *mem = open_memstream(&text, &len);
  char buf[4096];
  size_t got = mem ? fread(buf, 1, sizeof buf, in) : 0;
  while (got > 0) {
    fwrite(buf, 1, got, mem);
    got = fread(buf, 1, sizeof buf, in);
  }
  if (!mem || fclose(mem) != 0) {
    gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
    goto out;
  }
  gb_json_parser *p = NULL;
  if (gb_json_parser_new(&p, err) == 0) {
    rc = gb_json_parse_object(p, text, len, on_manifest_field, f, err);
    gb_json_parser_free(p);
  }
  if (rc != 0)
    gb_err_prefix(err, "--merge %s: manifest.json: ", dir);
  else if (!f->workload || !f->workload_file)
    rc = gb_err_set(err, GB_ERR_INPUT, "--merge %s: manifest.json has no workload", dir);
out:
  if (in)
    fclose(in);
  free(text);
  free(path);
  return rc;
}

/* The resolved workload's JSON as a workload file: the manifest writes the arms' duration
 * parameters as numbers of ms (arms[].params), a workload file as durations ("60000ms"). NULL
 * when out of memory or not the expected JSON (the load then names what is wrong). */
static char *loadable_workload(const char *resolved) {
  json_object *root = json_tokener_parse(resolved), *arms = NULL;
  if (root && json_object_object_get_ex(root, "arms", &arms) &&
      json_object_is_type(arms, json_type_array)) {
    for (size_t i = 0; i < json_object_array_length(arms); i++) {
      json_object *arm = json_object_array_get_idx(arms, i), *algo = NULL, *params = NULL;
      if (!json_object_object_get_ex(arm, "algorithm", &algo) ||
          !json_object_object_get_ex(arm, "params", &params))
        continue;
      const gb_algo_ops *ops = gb_algo_find(json_object_get_string(algo));
      for (size_t k = 0; ops && k < ops->n_params; k++) {
        json_object *v = NULL;
        if (ops->params[k].kind != GB_ALGO_PARAM_DURATION ||
            !json_object_object_get_ex(params, ops->params[k].name, &v) ||
            (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)))
          continue;
        char text[GB_DURATION_TEXT_MAX + 2];
        snprintf(text, sizeof text, "%lldms", (long long)json_object_get_double(v));
        json_object_object_add(params, ops->params[k].name, json_object_new_string(text));
      }
    }
  }
  char *out = root ? strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN)) : NULL;
  json_object_put(root);
  return out;
}

/* Loads the resolved workload through a temporary file in the working directory: its relative
 * paths (engine.challenges) were resolved against the run's working directory, and a workload
 * file in the working directory keeps them as they are. The workload keeps the run's own text,
 * hash and file name for the merged manifest. */
static int load_workload(merge_ctx *c, gb_err *err) {
  manifest_fields f = {0};
  char tmp[] = ".gamebench-merge-XXXXXX.json";
  int rc = read_manifest(c->dirs[0], &f, err);
  int fd = rc == 0 ? mkstemps(tmp, 5) : -1;
  if (rc == 0 && fd < 0)
    rc = gb_err_set(err, GB_ERR_RUNTIME, "--merge: cannot create %s in the working directory: %s",
                    tmp, strerror(errno));
  if (rc == 0) {
    char *text = loadable_workload(f.workload);
    size_t len = text ? strlen(text) : 0;
    bool written = text && write(fd, text, len) == (ssize_t)len;
    free(text);
    close(fd);
    rc = written ? gb_workload_load(tmp, NULL, 0, &c->w, err)
                 : gb_err_set(err, GB_ERR_RUNTIME, "%s: write failed", tmp);
    unlink(tmp);
  }
  if (rc == 0) {
    free(c->w->resolved_json);
    free(c->w->path);
    c->w->resolved_json = f.workload;
    c->w->path = f.workload_file;
    c->w->resolved_hash = c->parts[0]->id.workload_hash;
    f.workload = f.workload_file = NULL;
  } else if (err && err->kind == GB_ERR_INPUT && strncmp(err->msg, "--merge", 7) != 0) {
    gb_err_prefix(err, "--merge %s: the manifest's workload: ", c->dirs[0]);
  }
  free(f.workload);
  free(f.workload_file);
  return rc;
}

/* The parts' arrays have the workload's shape, and the same partitions. */
static int check_shapes(const merge_ctx *c, gb_err *err) {
  size_t periods = gb_sim_periods(c->w->sim.duration_ms);
  size_t slots = gb_sim_challenge_slots(c->catalog);
  for (size_t i = 0; i < c->n; i++) {
    const gb_run_raw *r = c->parts[i];
    if (r->n_arms != c->w->n_arms || r->t.n_arm_periods != periods ||
        r->t.n_challenge_slots != slots)
      return gb_err_set(err, GB_ERR_INPUT,
                        "--merge %s: %zu arms, %zu periods and %zu challenge slots, the workload "
                        "has %zu, %zu and %zu",
                        c->dirs[i], r->n_arms, r->t.n_arm_periods, r->t.n_challenge_slots,
                        c->w->n_arms, periods, slots);
    if (r->t.n_partitions != c->parts[0]->t.n_partitions)
      return gb_err_set(err, GB_ERR_INPUT, "--merge %s: %zu partitions, %s has %zu", c->dirs[i],
                        r->t.n_partitions, c->dirs[0], c->parts[0]->t.n_partitions);
  }
  return 0;
}

/* ---- adding up */

/* The parts' latency histograms, and their timelines lined up on their wall-clock starts. */
static int add_hists(merge_ctx *c, int64_t start_wall_ns, gb_err *err) {
  gb_run_stage_hists *h = &c->m.hists;
  for (size_t i = 0; i < c->n; i++) {
    gb_run_stage_hists *p = &c->parts[i]->hists;
    for (int s = 0; s < GB_STAGE__COUNT; s++)
      for (int v = 0; v < 2; v++)
        if (gb_hist_merge(h->h[s][v], p->h[s][v], err) != 0)
          return -1;
    if (gb_hist_merge(h->warmup, p->warmup, err) != 0)
      return -1;
    h->warmup_samples += p->warmup_samples;
    int64_t offset = c->parts[i]->t.start_wall_ns - start_wall_ns;
    size_t shift = (size_t)((offset + TIMELINE_INTERVAL_NS / 2) / TIMELINE_INTERVAL_NS);
    if (gb_timeline_delay(p->timeline, shift, err) != 0)
      return -1;
    if (!h->timeline) {
      h->timeline = p->timeline; /* the first part's becomes the merged one */
      p->timeline = NULL;
    } else if (gb_timeline_merge(h->timeline, p->timeline, err) != 0) {
      return -1;
    }
  }
  return 0;
}

/* dst += src, field by field, over arrays of structs made of uint64_t only (gb_run_raw.c
 * asserts that of each). */
static void add_u64(void *dst, const void *src, size_t bytes) {
  uint64_t *d = dst;
  const uint64_t *s = src;
  for (size_t k = 0; k < bytes / sizeof *d; k++)
    d[k] += s[k];
}

#define ADD(f) t->f += r->t.f;
static void add_counts(merge_ctx *c) {
  gb_run_totals *t = &c->t;
  size_t n_arms = c->w->n_arms;
  for (size_t i = 0; i < c->n; i++) {
    const gb_run_raw *r = c->parts[i];
    GB_RUN_RAW_COUNTERS(ADD)
    add_u64(c->m.arms, r->arms, n_arms * sizeof *r->arms);
    add_u64(c->m.arm_periods, r->periods, n_arms * t->n_arm_periods * sizeof *r->periods);
    add_u64(c->m.arm_challenges, r->challenges,
            n_arms * t->n_challenge_slots * sizeof *r->challenges);
    add_u64(c->m.partitions, r->partitions, t->n_partitions * sizeof *r->partitions);
  }
}

/* Times, verdicts and the machine: the span of all parts, the worst verdicts, the first part's
 * machine with the largest peak RSS. */
static void combine_run(merge_ctx *c) {
  gb_run_totals *t = &c->t;
  const gb_run_totals *first = &c->parts[0]->t;
  t->start_wall_ns = first->start_wall_ns;
  t->fingerprint = first->fingerprint;
  t->warmup_seconds = first->warmup_seconds;
  t->rate_sustained = true;
  for (size_t i = 0; i < c->n; i++) {
    const gb_run_totals *p = &c->parts[i]->t;
    t->start_wall_ns = p->start_wall_ns < t->start_wall_ns ? p->start_wall_ns : t->start_wall_ns;
    t->rate_sustained = t->rate_sustained && p->rate_sustained;
    t->backlog_growing = t->backlog_growing || p->backlog_growing;
    t->backlog_max = p->backlog_max > t->backlog_max ? p->backlog_max : t->backlog_max;
    t->backlog_last_quarter = p->backlog_last_quarter > t->backlog_last_quarter
                                  ? p->backlog_last_quarter
                                  : t->backlog_last_quarter;
    if (p->fingerprint.peak_rss_bytes > t->fingerprint.peak_rss_bytes)
      t->fingerprint.peak_rss_bytes = p->fingerprint.peak_rss_bytes;
  }
  /* Each part ends its own measured wall time after its start (the monotonic clock's span, not
   * the wall clock's, as a run measures itself): one part merged alone keeps its figures. */
  t->wall_seconds = 0;
  for (size_t i = 0; i < c->n; i++) {
    const gb_run_totals *p = &c->parts[i]->t;
    double end = (double)(p->start_wall_ns - t->start_wall_ns) / 1e9 + p->wall_seconds;
    t->wall_seconds = end > t->wall_seconds ? end : t->wall_seconds;
  }
  t->end_wall_ns = t->start_wall_ns + (int64_t)(t->wall_seconds * 1e9);
  bool parts_sustained = t->rate_sustained;
  gb_run_rates(c->w, t); /* the rates of the merged counts over the whole span */
  t->rate_sustained = t->rate_sustained && parts_sustained;
  if (c->w->sim.time_scale != 0)
    t->rate_sustained = t->rate_sustained && !t->backlog_growing;
}

static int build_totals(merge_ctx *c, gb_err *err) {
  gb_run_totals *t = &c->t;
  gb_run_merged *m = &c->m;
  size_t n_arms = c->w->n_arms ? c->w->n_arms : 1;
  t->n_arm_periods = c->parts[0]->t.n_arm_periods;
  t->n_challenge_slots = c->parts[0]->t.n_challenge_slots;
  t->n_partitions = c->parts[0]->t.n_partitions;
  m->arms = calloc(n_arms, sizeof *m->arms);
  m->arm_periods = calloc(n_arms * (t->n_arm_periods + 1), sizeof *m->arm_periods);
  m->arm_challenges = calloc(n_arms * (t->n_challenge_slots + 1), sizeof *m->arm_challenges);
  m->partitions = calloc(t->n_partitions + 1, sizeof *m->partitions);
  if (!m->arms || !m->arm_periods || !m->arm_challenges || !m->partitions)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  if (gb_run_hists_init(&m->hists, err) != 0 || gb_workload_arms(c->w, &c->arms, err) != 0 ||
      gb_agg_new(&(gb_agg_config){.arms = c->arms, .cube = c->w->engine.aggregates}, &m->agg,
                 err) != 0)
    return -1;
  add_counts(c);
  combine_run(c);
  if (add_hists(c, t->start_wall_ns, err) != 0)
    return -1;
  t->hists = &m->hists;
  t->arms = m->arms;
  t->arm_periods = m->arm_periods;
  t->arm_challenges = m->arm_challenges;
  t->partitions = m->partitions;
  t->sim_catalog = c->catalog;
  t->agg = m->agg; /* empty: aggregates.csv keeps its header (not in the state file) */
  t->run_id = c->parts[0]->id.run_id;
  t->parts = c->names;
  t->n_parts = c->n;
  return 0;
}

/* ---- the whole */

static void merge_free(merge_ctx *c) {
  for (size_t i = 0; c->parts && i < c->n; i++)
    gb_run_raw_free(c->parts[i]);
  free(c->parts);
  free(c->names);
  gb_run_merge_free(&c->m);
  gb_arms_free(c->arms);
  gb_catalog_free(c->catalog);
  gb_workload_free(c->w);
}

int gb_run_merge_dirs(const char *const *dirs, size_t n, const char *out_dir, bool no_report,
                      bool no_plots, gb_err *err) {
  if (n == 0)
    return gb_err_set(err, GB_ERR_INPUT, "--merge: no results directory given");
  merge_ctx c = {.dirs = dirs, .n = n};
  c.parts = calloc(n, sizeof *c.parts);
  c.names = calloc(n, sizeof *c.names);
  int rc = -1;
  if (!c.parts || !c.names) {
    gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
    goto out;
  }
  if (load_parts(&c, err) != 0 || check_same_run(&c, err) != 0 || check_instances(&c, err) != 0 ||
      load_workload(&c, err) != 0 ||
      gb_catalog_load(c.w->engine.challenges, &c.catalog, err) != 0 || check_shapes(&c, err) != 0)
    goto out;
  for (size_t i = 0; i < n; i++)
    c.names[i] = (gb_run_part){
        .dir = dirs[i], .instance = c.parts[i]->id.instance, .instances = c.parts[i]->id.instances};
  if (build_totals(&c, err) != 0)
    goto out;
  c.w->output.plots = c.w->output.plots && !no_plots;
  gb_run_options opt = {.out_dir = out_dir, .quiet = true, .no_report = no_report};
  char dir[4096];
  rc = gb_run_reserve_dir(c.w, &opt, 0, dir, sizeof dir, err);
  if (rc == 0)
    rc = gb_run_write_results(c.w, &opt, &c.t, NULL, NULL, dir, NULL, err);
out:
  merge_free(&c);
  return rc;
}
