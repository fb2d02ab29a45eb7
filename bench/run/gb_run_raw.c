/* state.gbr: writing and loading a results directory's additive raw state (gb_run_raw.h). */
#include "gb_run_raw.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gb_afile.h"
#include "gb_path.h"
#include "gb_run_bin.h"
#include "gb_run_int.h"

static const char magic[8] = {'G', 'B', 'R', 'A', 'W', '\r', '\n', '\x1a'};

/* Every field of the per-arm structs and of a partition's row, in declaration order (one per
 * line, out of clang-format's reach: it re-wraps such lists on every pass). */
/* clang-format off */
#define ARM_FIELDS(X) \
  X(players) X(decisions) X(decided) X(suppressed) X(no_candidates) X(props_generated) \
  X(props_shown) X(props_used) X(props_discarded) X(props_expired) X(props_completed) \
  X(props_failed) X(scored) X(expected_e9) X(oracle_e9) X(chosen_e9)
#define PERIOD_FIELDS(X) \
  X(decisions) X(scored) X(props_generated) X(props_used) X(props_completed) X(expected_e9) \
  X(oracle_e9)
#define CHALLENGE_FIELDS(X) X(props_generated) X(props_used) X(props_completed) X(chosen_e9)
#define PARTITION_FIELDS(X) \
  X(sent) X(produced) X(failed) X(acknowledged) X(consumed) X(delivered) X(replayed) \
  X(redelivered) X(gaps) X(lost)
/* clang-format on */

#define COUNT_ONE(f) +1
/* A field added to one of those structs must be added to its list (and the format's number
 * raised): these stop the build until it is. */
_Static_assert(sizeof(gb_sim_arm_stats) == (0 ARM_FIELDS(COUNT_ONE)) * sizeof(uint64_t),
               "gb_sim_arm_stats changed: update ARM_FIELDS and GB_RUN_RAW_FORMAT");
_Static_assert(sizeof(gb_sim_arm_period) == (0 PERIOD_FIELDS(COUNT_ONE)) * sizeof(uint64_t),
               "gb_sim_arm_period changed: update PERIOD_FIELDS and GB_RUN_RAW_FORMAT");
_Static_assert(sizeof(gb_sim_arm_challenge) == (0 CHALLENGE_FIELDS(COUNT_ONE)) * sizeof(uint64_t),
               "gb_sim_arm_challenge changed: update CHALLENGE_FIELDS and GB_RUN_RAW_FORMAT");
_Static_assert(sizeof(gb_transport_partition_stats) ==
                   (0 PARTITION_FIELDS(COUNT_ONE)) * sizeof(uint64_t),
               "gb_transport_partition_stats changed: update PARTITION_FIELDS");

enum { N_COUNTERS = 0 GB_RUN_RAW_COUNTERS(COUNT_ONE) };

/* Bounds a file may claim (a corrupt count fails instead of allocating without end). */
enum {
  ARMS_MAX = 4096,
  PERIODS_MAX = 1 << 20,
  SLOTS_MAX = 1 << 20,
  CELLS_MAX = 1 << 26, /* arms × periods, arms × challenge slots */
  PARTITIONS_MAX = 1 << 16,
  BUCKETS_MAX = 1 << 20
};

/* ---- writing */

static void put_fingerprint(FILE *f, const gb_fingerprint *fp) {
  gb_run_bin_put_str(f, fp->cpu_model);
  gb_run_bin_put_str(f, fp->kernel);
  gb_run_bin_put_str(f, fp->arch);
  gb_run_bin_put_str(f, fp->cpu_governor);
  gb_run_bin_put_i64(f, fp->cores_online);
  gb_run_bin_put_i64(f, fp->peak_rss_bytes);
  gb_run_bin_put_u64(f, fp->has_jemalloc_stats);
  gb_run_bin_put_u64(f, fp->jemalloc_allocated_bytes);
  gb_run_bin_put_u64(f, fp->jemalloc_active_bytes);
  gb_run_bin_put_u64(f, fp->jemalloc_resident_bytes);
  gb_run_bin_put_f64(f, fp->clock_read_ns);
  gb_run_bin_put_f64(f, fp->hist_record_ns);
}

static void put_hist(FILE *f, const gb_hist *h) {
  gb_run_bin_put_u64(f, (uint64_t)gb_hist_significant_digits(h));
  gb_run_bin_put_u64(f, gb_hist_count_below(h));
  gb_run_bin_put_u64(f, gb_hist_count_above(h));
  gb_run_bin_put_i64(f, gb_hist_min(h));
  gb_run_bin_put_i64(f, gb_hist_max(h));
  uint64_t n = 0;
  gb_hist_iter it;
  gb_hist_bucket b;
  for (gb_hist_iter_init(&it, h); gb_hist_iter_next(&it, &b);)
    n++;
  gb_run_bin_put_u64(f, n);
  for (gb_hist_iter_init(&it, h); gb_hist_iter_next(&it, &b);) {
    gb_run_bin_put_i64(f, b.low_ns);
    gb_run_bin_put_u64(f, b.count);
  }
}

static int put_latency(FILE *f, const gb_run_stage_hists *h, gb_err *err) {
  gb_run_bin_put_u64(f, GB_STAGE__COUNT);
  for (int s = 0; s < GB_STAGE__COUNT; s++)
    gb_run_bin_put_str(f, gb_stage_name(s));
  for (int s = 0; s < GB_STAGE__COUNT; s++)
    for (int c = 0; c < 2; c++)
      put_hist(f, h->h[s][c]);
  put_hist(f, h->warmup);
  gb_run_bin_put_u64(f, h->warmup_samples);
  return gb_timeline_save(h->timeline, f, err);
}

#define PUT_FIELD(f) gb_run_bin_put_u64(out, x->f);
static void put_arms(FILE *out, const gb_workload *w, const gb_run_totals *t) {
  gb_run_bin_put_u64(out, w->n_arms);
  gb_run_bin_put_u64(out, t->n_arm_periods);
  gb_run_bin_put_u64(out, t->n_challenge_slots);
  for (size_t i = 0; i < w->n_arms; i++) {
    const gb_sim_arm_stats *x = &t->arms[i];
    ARM_FIELDS(PUT_FIELD)
  }
  for (size_t i = 0; i < w->n_arms * t->n_arm_periods; i++) {
    const gb_sim_arm_period *x = &t->arm_periods[i];
    PERIOD_FIELDS(PUT_FIELD)
  }
  for (size_t i = 0; i < w->n_arms * t->n_challenge_slots; i++) {
    const gb_sim_arm_challenge *x = &t->arm_challenges[i];
    CHALLENGE_FIELDS(PUT_FIELD)
  }
  gb_run_bin_put_u64(out, t->n_partitions);
  for (size_t i = 0; i < t->n_partitions; i++) {
    const gb_transport_partition_stats *x = &t->partitions[i];
    PARTITION_FIELDS(PUT_FIELD)
  }
}

static void put_head(FILE *out, const gb_workload *w, const gb_run_totals *t) {
  fwrite(magic, 1, sizeof magic, out);
  gb_run_bin_put_u64(out, GB_RUN_RAW_FORMAT);
  gb_run_bin_put_u64(out, w->resolved_hash);
  gb_run_bin_put_u64(out, w->seed);
  gb_run_bin_put_str(out, t->run_id ? t->run_id : "");
  gb_run_bin_put_u64(out, t->instance);
  gb_run_bin_put_u64(out, t->instances);
  gb_run_bin_put_i64(out, t->start_wall_ns);
  gb_run_bin_put_i64(out, t->end_wall_ns);
  gb_run_bin_put_f64(out, t->wall_seconds);
  gb_run_bin_put_f64(out, t->warmup_seconds);
  gb_run_bin_put_u64(out, N_COUNTERS);
  const gb_run_totals *x = t;
  GB_RUN_RAW_COUNTERS(PUT_FIELD)
  gb_run_bin_put_u64(out, t->rate_sustained);
  gb_run_bin_put_u64(out, t->backlog_growing);
  gb_run_bin_put_u64(out, t->backlog_max);
  gb_run_bin_put_f64(out, t->backlog_last_quarter);
  put_fingerprint(out, &t->fingerprint);
}

int gb_run_raw_write(const char *dir, const gb_workload *w, const gb_run_totals *t, gb_err *err) {
  char *path = gb_path_join(dir, GB_RUN_RAW_FILE);
  if (!path)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", dir);
  gb_afile *f = NULL;
  int rc = gb_afile_open(path, &f, err);
  free(path);
  if (rc != 0)
    return -1;
  FILE *out = gb_afile_stream(f);
  put_head(out, w, t);
  if (put_latency(out, t->hists, err) != 0) {
    gb_afile_discard(f);
    return -1;
  }
  put_arms(out, w, t);
  return gb_afile_commit(f, err);
}

/* ---- loading */

static void get_fingerprint(gb_run_bin_reader *r, gb_fingerprint *fp) {
  gb_run_bin_str(r, fp->cpu_model, sizeof fp->cpu_model);
  gb_run_bin_str(r, fp->kernel, sizeof fp->kernel);
  gb_run_bin_str(r, fp->arch, sizeof fp->arch);
  gb_run_bin_str(r, fp->cpu_governor, sizeof fp->cpu_governor);
  fp->cores_online = (long)gb_run_bin_i64(r);
  fp->peak_rss_bytes = gb_run_bin_i64(r);
  fp->has_jemalloc_stats = gb_run_bin_u64(r) != 0;
  fp->jemalloc_allocated_bytes = gb_run_bin_u64(r);
  fp->jemalloc_active_bytes = gb_run_bin_u64(r);
  fp->jemalloc_resident_bytes = gb_run_bin_u64(r);
  fp->clock_read_ns = gb_run_bin_f64(r);
  fp->hist_record_ns = gb_run_bin_f64(r);
}

/* One bucket's samples into h: the bucket's count, with the histogram's exact minimum and maximum
 * where they fall in it (a bucket only knows its range; the minimum and maximum are exact). */
static void record_bucket(gb_hist *h, int64_t low, uint64_t count, int64_t min, int64_t max) {
  int64_t high = gb_hist_highest_equivalent(h, low);
  int64_t v = low < min ? min : low;
  if (max >= low && max <= high) {
    gb_hist_record(h, max);
    count--;
  }
  gb_hist_record_n(h, v > max ? max : v, count);
}

/* A histogram written by put_hist into the empty h (same digits). */
static bool get_hist(gb_run_bin_reader *r, gb_hist *h) {
  uint64_t digits = gb_run_bin_u64(r), below = gb_run_bin_u64(r), above = gb_run_bin_u64(r);
  int64_t min = gb_run_bin_i64(r), max = gb_run_bin_i64(r);
  uint64_t n = gb_run_bin_count(r, BUCKETS_MAX, "histogram buckets");
  if (r->ok && digits != (uint64_t)gb_hist_significant_digits(h))
    return gb_run_bin_fail(r, "a histogram of other significant digits");
  if (r->ok && n > 0 && (min < GB_HIST_LOWEST_NS || min > max || max > GB_HIST_HIGHEST_NS))
    return gb_run_bin_fail(r, "a histogram's minimum and maximum are out of range");
  int64_t prev = 0;
  for (uint64_t i = 0; r->ok && i < n; i++) {
    int64_t low = gb_run_bin_i64(r);
    uint64_t count = gb_run_bin_u64(r);
    if (r->ok &&
        (low <= prev || low > max || count == 0 || gb_hist_lowest_equivalent(h, low) != low ||
         gb_hist_highest_equivalent(h, low) < min))
      return gb_run_bin_fail(r, "histogram buckets out of order or out of range");
    if (r->ok)
      record_bucket(h, low, count, min, max);
    prev = low;
  }
  gb_hist_record_n(h, 0, below);                      /* below 1 ns */
  gb_hist_record_n(h, GB_HIST_HIGHEST_NS + 1, above); /* above 1 h */
  return r->ok;
}

static bool get_latency(gb_run_bin_reader *r, gb_run_stage_hists *h) {
  uint64_t n = gb_run_bin_u64(r);
  if (r->ok && n != GB_STAGE__COUNT)
    return gb_run_bin_fail(r, "another set of latency stages (a different gamebench version)");
  const char *names[GB_STAGE__COUNT];
  for (int s = 0; s < GB_STAGE__COUNT; s++) {
    char name[64];
    gb_run_bin_str(r, name, sizeof name);
    if (r->ok && strcmp(name, gb_stage_name(s)) != 0)
      return gb_run_bin_fail(r, "another set of latency stages (a different gamebench version)");
    names[s] = gb_stage_name(s);
  }
  for (int s = 0; s < GB_STAGE__COUNT; s++)
    for (int c = 0; c < 2; c++)
      get_hist(r, h->h[s][c]);
  get_hist(r, h->warmup);
  h->warmup_samples = gb_run_bin_u64(r);
  if (!r->ok)
    return false;
  if (gb_timeline_load(r->in, r->path, GB_STAGE__COUNT, names, 0, &h->timeline, r->err) != 0)
    return r->ok = false;
  return true;
}

#define GET_FIELD(f) x->f = gb_run_bin_u64(r);
static bool get_arrays(gb_run_bin_reader *r, gb_run_raw *raw) {
  gb_run_totals *t = &raw->t;
  raw->n_arms = (size_t)gb_run_bin_count(r, ARMS_MAX, "arms");
  t->n_arm_periods = (size_t)gb_run_bin_count(r, PERIODS_MAX, "periods");
  t->n_challenge_slots = (size_t)gb_run_bin_count(r, SLOTS_MAX, "challenge slots");
  if (r->ok && (raw->n_arms * t->n_arm_periods > CELLS_MAX ||
                raw->n_arms * t->n_challenge_slots > CELLS_MAX))
    return gb_run_bin_fail(r, "too many arms × periods or challenges");
  if (!r->ok)
    return false;
  size_t na = raw->n_arms ? raw->n_arms : 1;
  raw->arms = calloc(na, sizeof *raw->arms);
  raw->periods = calloc(na * (t->n_arm_periods ? t->n_arm_periods : 1), sizeof *raw->periods);
  raw->challenges =
      calloc(na * (t->n_challenge_slots ? t->n_challenge_slots : 1), sizeof *raw->challenges);
  if (!raw->arms || !raw->periods || !raw->challenges) {
    gb_err_set(r->err, GB_ERR_RUNTIME, "%s: out of memory", r->path);
    return r->ok = false;
  }
  for (size_t i = 0; r->ok && i < raw->n_arms; i++) {
    gb_sim_arm_stats *x = &raw->arms[i];
    ARM_FIELDS(GET_FIELD)
  }
  for (size_t i = 0; r->ok && i < raw->n_arms * t->n_arm_periods; i++) {
    gb_sim_arm_period *x = &raw->periods[i];
    PERIOD_FIELDS(GET_FIELD)
  }
  for (size_t i = 0; r->ok && i < raw->n_arms * t->n_challenge_slots; i++) {
    gb_sim_arm_challenge *x = &raw->challenges[i];
    CHALLENGE_FIELDS(GET_FIELD)
  }
  t->n_partitions = (size_t)gb_run_bin_count(r, PARTITIONS_MAX, "partitions");
  if (!r->ok)
    return false;
  raw->partitions = calloc(t->n_partitions ? t->n_partitions : 1, sizeof *raw->partitions);
  if (!raw->partitions) {
    gb_err_set(r->err, GB_ERR_RUNTIME, "%s: out of memory", r->path);
    return r->ok = false;
  }
  for (size_t i = 0; r->ok && i < t->n_partitions; i++) {
    gb_transport_partition_stats *x = &raw->partitions[i];
    PARTITION_FIELDS(GET_FIELD)
  }
  return r->ok;
}

static bool get_head(gb_run_bin_reader *r, gb_run_raw *raw) {
  char m[sizeof magic];
  if (fread(m, 1, sizeof m, r->in) != sizeof m || memcmp(m, magic, sizeof m) != 0)
    return gb_run_bin_fail(r, "not a state file (no GBRAW magic)");
  uint64_t format = gb_run_bin_u64(r);
  if (r->ok && format != GB_RUN_RAW_FORMAT)
    return gb_run_bin_fail(r, "a state file of another format (this gamebench reads format 1)");
  raw->id.workload_hash = gb_run_bin_u64(r);
  raw->id.seed = gb_run_bin_u64(r);
  gb_run_bin_str(r, raw->id.run_id, sizeof raw->id.run_id);
  raw->id.instance = (unsigned)gb_run_bin_count(r, 255, "instance");
  raw->id.instances = (unsigned)gb_run_bin_count(r, 256, "instances");
  if (r->ok && raw->id.instances > 1 && raw->id.instance >= raw->id.instances)
    return gb_run_bin_fail(r, "an instance beyond the instance count");
  gb_run_totals *x = &raw->t;
  x->start_wall_ns = gb_run_bin_i64(r);
  x->end_wall_ns = gb_run_bin_i64(r);
  x->wall_seconds = gb_run_bin_f64(r);
  x->warmup_seconds = gb_run_bin_f64(r);
  if (gb_run_bin_u64(r) != N_COUNTERS && r->ok)
    return gb_run_bin_fail(r, "another number of counters");
  GB_RUN_RAW_COUNTERS(GET_FIELD)
  x->rate_sustained = gb_run_bin_u64(r) != 0;
  x->backlog_growing = gb_run_bin_u64(r) != 0;
  x->backlog_max = gb_run_bin_u64(r);
  x->backlog_last_quarter = gb_run_bin_f64(r);
  get_fingerprint(r, &x->fingerprint);
  return r->ok;
}

void gb_run_raw_free(gb_run_raw *r) {
  if (!r)
    return;
  gb_run_hists_free(&r->hists);
  free(r->arms);
  free(r->periods);
  free(r->challenges);
  free(r->partitions);
  free(r);
}

int gb_run_raw_load(const char *path, gb_run_raw **out, gb_err *err) {
  *out = NULL;
  FILE *in = fopen(path, "rb");
  if (!in)
    return gb_err_set(err, GB_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
  gb_run_raw *raw = calloc(1, sizeof *raw);
  gb_run_bin_reader r = {.in = in, .path = path, .ok = true, .err = err};
  if (!raw || gb_run_hists_init(&raw->hists, err) != 0) {
    if (!raw)
      gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
    r.ok = false;
  }
  if (r.ok && get_head(&r, raw) && get_latency(&r, &raw->hists) && get_arrays(&r, raw) &&
      fgetc(in) != EOF)
    gb_run_bin_fail(&r, "unexpected bytes after the end of the state");
  fclose(in);
  if (!r.ok) {
    gb_run_raw_free(raw);
    return -1;
  }
  raw->t.hists = &raw->hists;
  raw->t.arms = raw->arms;
  raw->t.arm_periods = raw->periods;
  raw->t.arm_challenges = raw->challenges;
  raw->t.partitions = raw->partitions;
  raw->t.run_id = raw->id.run_id;
  raw->t.instance = raw->id.instance;
  raw->t.instances = raw->id.instances;
  *out = raw;
  return 0;
}
