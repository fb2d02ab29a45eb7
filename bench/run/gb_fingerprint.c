#include "gb_fingerprint.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifdef GB_HAVE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include "gb_clock.h"
#include "gb_hist.h"
#include "gb_quantile.h"
#include "gb_rng.h"

/* The quick measurements in gb_fingerprint_collect: a few ms in total, enough for a stable
 * median on an idle machine (the benchmark runs the same code with more of both). */
enum {
  QUICK_CLOCK_READS = 1 << 14,
  QUICK_RECORDS = 1 << 16,
  QUICK_REPEATS = 5,
  MAX_REPEATS = 1000 /* bounds the per-repeat result array */
};
#define QUICK_SEED UINT64_C(0x6662) /* any fixed seed: the values only need to be reproducible */

/* The value span timed by gb_fingerprint_time_hist_record: from a cache-hot stage (100 ns) to a
 * stalled one (1 s). Log-uniform over these 24 powers of two makes random accesses over 166 KiB
 * of a 3-digit histogram's counters: pessimistic for the cache, as real latencies cluster. */
#define TIMED_LOW_NS 100.0
#define TIMED_HIGH_NS 1e9

static const char unknown[] = "unknown";

/* Copies src into dst[cap], truncating: the sources (uname, /proc) are longer than any real value
 * needs. */
static void copy_str(char *dst, size_t cap, const char *src) {
  size_t n = strnlen(src, cap - 1);
  memcpy(dst, src, n);
  dst[n] = '\0';
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    s[--n] = '\0';
  return s;
}

/* x86 names the CPU in "model name"; Arm kernels have no such line, and the closest ones are
 * "Model" (board name on Raspberry Pi), "Hardware" and "Processor", in that order of preference. */
static void read_cpu_model(char *dst, size_t cap) {
  static const char *const keys[] = {"model name", "Model", "Hardware", "Processor"};
  const size_t n_keys = sizeof keys / sizeof keys[0];
  size_t best = n_keys;
  copy_str(dst, cap, unknown);
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f)
    return;
  char *line = NULL;
  size_t line_cap = 0;
  while (best > 0 && getline(&line, &line_cap, f) != -1) {
    char *colon = strchr(line, ':');
    if (!colon)
      continue;
    *colon = '\0';
    const char *key = trim(line), *value = trim(colon + 1);
    for (size_t k = 0; k < best; k++)
      if (strcmp(key, keys[k]) == 0 && *value) {
        copy_str(dst, cap, value);
        best = k;
        break;
      }
  }
  free(line);
  fclose(f);
}

static void read_governor(char *dst, size_t cap) {
  copy_str(dst, cap, unknown);
  FILE *f = fopen("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "r");
  if (!f)
    return;
  char buf[64];
  if (fgets(buf, sizeof buf, f) && *trim(buf))
    copy_str(dst, cap, trim(buf));
  fclose(f);
}

static void read_jemalloc_stats(gb_fingerprint *fp) {
  fp->has_jemalloc_stats = false;
#ifdef GB_HAVE_JEMALLOC
  /* jemalloc caches its statistics; writing "epoch" refreshes them. */
  uint64_t epoch = 1;
  size_t len = sizeof epoch;
  if (mallctl("epoch", &epoch, &len, &epoch, len) != 0)
    return;
  static const char *const names[] = {"stats.allocated", "stats.active", "stats.resident"};
  uint64_t *targets[] = {&fp->jemalloc_allocated_bytes, &fp->jemalloc_active_bytes,
                         &fp->jemalloc_resident_bytes};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    size_t value = 0;
    len = sizeof value;
    if (mallctl(names[i], &value, &len, NULL, 0) != 0)
      return; /* jemalloc built without --enable-stats */
    *targets[i] = value;
  }
  fp->has_jemalloc_stats = true;
#endif
}

static void summarize(double *per_op, int repeats, gb_fingerprint_timing *t) {
  t->median_ns = gb_quantile_median(per_op, (size_t)repeats); /* sorts per_op */
  t->min_ns = per_op[0];
  t->max_ns = per_op[repeats - 1];
  t->repeats = repeats;
}

static int check_repeats(const char *what, int repeats, gb_err *err) {
  if (repeats < 1 || repeats > MAX_REPEATS)
    return gb_err_set(err, GB_ERR_INPUT, "%s: repeats %d is outside [1, %d]", what, repeats,
                      MAX_REPEATS);
  return 0;
}

int gb_fingerprint_time_clock(size_t reads, int repeats, gb_fingerprint_timing *t, gb_err *err) {
  if (check_repeats("clock timing", repeats, err) != 0)
    return -1;
  if (reads == 0)
    return gb_err_set(err, GB_ERR_INPUT, "clock timing: reads must be >= 1");
  double per_op[MAX_REPEATS];
  /* The sum keeps the reads from being optimized away. */
  volatile int64_t sink = 0;
  for (int r = 0; r < repeats; r++) {
    int64_t acc = 0;
    int64_t t0 = gb_clock_now_ns();
    for (size_t i = 0; i < reads; i++)
      acc += gb_clock_now_ns();
    int64_t t1 = gb_clock_now_ns();
    sink = sink + acc;
    per_op[r] = (double)(t1 - t0) / (double)reads;
  }
  summarize(per_op, repeats, t);
  return 0;
}

static int64_t *log_uniform_values(size_t n, uint64_t seed) {
  int64_t *values = malloc(n * sizeof *values);
  if (!values)
    return NULL;
  gb_rng rng;
  gb_rng_seed(&rng, seed, 0);
  double span = log(TIMED_HIGH_NS / TIMED_LOW_NS);
  for (size_t i = 0; i < n; i++)
    values[i] = (int64_t)(TIMED_LOW_NS * exp(gb_rng_uniform(&rng) * span));
  return values;
}

int gb_fingerprint_time_hist_record(int digits, size_t n, int repeats, uint64_t seed,
                                    gb_fingerprint_timing *t, gb_err *err) {
  if (check_repeats("histogram timing", repeats, err) != 0)
    return -1;
  if (n == 0)
    return gb_err_set(err, GB_ERR_INPUT, "histogram timing: the sample count must be >= 1");
  gb_hist *h = NULL;
  if (gb_hist_new(digits, &h, err) != 0)
    return gb_err_prefix(err, "histogram timing: ");
  int64_t *values = log_uniform_values(n, seed);
  if (!values) {
    gb_hist_free(h);
    return gb_err_set(err, GB_ERR_RUNTIME, "histogram timing: out of memory for %zu values", n);
  }
  double per_op[MAX_REPEATS];
  for (int r = 0; r < repeats; r++) {
    gb_hist_reset(h);
    int64_t t0 = gb_clock_now_ns();
    for (size_t i = 0; i < n; i++)
      gb_hist_record(h, values[i]);
    int64_t t1 = gb_clock_now_ns();
    per_op[r] = (double)(t1 - t0) / (double)n;
  }
  summarize(per_op, repeats, t);
  free(values);
  gb_hist_free(h);
  return 0;
}

int gb_fingerprint_collect(gb_fingerprint *fp, gb_err *err) {
  memset(fp, 0, sizeof *fp);
  read_cpu_model(fp->cpu_model, sizeof fp->cpu_model);
  read_governor(fp->cpu_governor, sizeof fp->cpu_governor);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  fp->cores_online = cores >= 1 ? cores : 1; /* a running process has at least one */
  struct utsname u;
  if (uname(&u) != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "fingerprint: uname failed");
  snprintf(fp->kernel, sizeof fp->kernel, "%s %s", u.sysname, u.release);
  copy_str(fp->arch, sizeof fp->arch, u.machine);
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "fingerprint: getrusage failed");
  fp->peak_rss_bytes = (int64_t)ru.ru_maxrss * 1024; /* Linux reports KiB */
  read_jemalloc_stats(fp);
  gb_fingerprint_timing t;
  if (gb_fingerprint_time_clock(QUICK_CLOCK_READS, QUICK_REPEATS, &t, err) != 0)
    return gb_err_prefix(err, "fingerprint: ");
  fp->clock_read_ns = t.median_ns;
  if (gb_fingerprint_time_hist_record(GB_HIST_DEFAULT_DIGITS, QUICK_RECORDS, QUICK_REPEATS,
                                      QUICK_SEED, &t, err) != 0)
    return gb_err_prefix(err, "fingerprint: ");
  fp->hist_record_ns = t.median_ns;
  return 0;
}

/* Writes s as a JSON string literal; cJSON does the escaping (quotes, backslashes, control
 * characters). Writes null if cJSON runs out of memory. */
static void write_json_string(FILE *out, const char *s) {
  cJSON *item = cJSON_CreateString(s);
  char *text = item ? cJSON_PrintUnformatted(item) : NULL;
  fputs(text ? text : "null", out);
  cJSON_free(text);
  cJSON_Delete(item);
}

static void write_key(FILE *out, int indent, const char *key, bool first) {
  fprintf(out, "%s\n%*s\"%s\": ", first ? "" : ",", indent, "", key);
}

void gb_fingerprint_write_json(const gb_fingerprint *fp, FILE *out, int indent) {
  int in = (indent < 0 ? 0 : indent) + 2; /* member indentation */
  fputc('{', out);
  write_key(out, in, "cpu_model", true);
  write_json_string(out, fp->cpu_model);
  write_key(out, in, "cores_online", false);
  fprintf(out, "%ld", fp->cores_online);
  write_key(out, in, "kernel", false);
  write_json_string(out, fp->kernel);
  write_key(out, in, "arch", false);
  write_json_string(out, fp->arch);
  write_key(out, in, "cpu_governor", false);
  write_json_string(out, fp->cpu_governor);
  write_key(out, in, "peak_rss_bytes", false);
  fprintf(out, "%" PRId64, fp->peak_rss_bytes);
  write_key(out, in, "jemalloc", false);
  if (fp->has_jemalloc_stats)
    fprintf(out,
            "{\"allocated_bytes\": %" PRIu64 ", \"active_bytes\": %" PRIu64
            ", \"resident_bytes\": %" PRIu64 "}",
            fp->jemalloc_allocated_bytes, fp->jemalloc_active_bytes, fp->jemalloc_resident_bytes);
  else
    fputs("null", out);
  /* 3 decimals: sub-ns resolution is all these medians carry. */
  write_key(out, in, "clock_read_ns", false);
  fprintf(out, "%.3f", fp->clock_read_ns);
  write_key(out, in, "hist_record_ns", false);
  fprintf(out, "%.3f", fp->hist_record_ns);
  fprintf(out, "\n%*s}", in - 2, "");
}

char *gb_fingerprint_json(const gb_fingerprint *fp) {
  char *buf = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&buf, &len);
  if (!mem)
    return NULL;
  gb_fingerprint_write_json(fp, mem, 0);
  fclose(mem);
  return buf;
}

void gb_fingerprint_utc(time_t secs, char *buf, size_t cap) {
  struct tm tm;
  gmtime_r(&secs, &tm);
  strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
