#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_fingerprint.h"
#include "gb_version.h"

static gb_fingerprint collect(void) {
  gb_fingerprint fp;
  gb_err err = {0};
  cr_assert_eq(gb_fingerprint_collect(&fp, &err), 0, "%s", err.msg);
  return fp;
}

/* Writes fp with the given indent to memory and returns the heap text (caller frees). */
static char *to_json(const gb_fingerprint *fp, int indent) {
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  cr_assert_not_null(mem);
  gb_fingerprint_write_json(fp, mem, indent);
  fclose(mem);
  return text;
}

Test(fingerprint, values_are_present_and_plausible) {
  gb_fingerprint fp = collect();
  cr_assert_gt(strlen(fp.cpu_model), 0);
  cr_assert_geq(fp.cores_online, 1);
  cr_assert_eq(strncmp(fp.kernel, "Linux ", 6), 0, "kernel: %s", fp.kernel);
  cr_assert_gt(strlen(fp.kernel), 6);
  cr_assert_gt(strlen(fp.arch), 0);
  cr_assert_gt(strlen(fp.cpu_governor), 0);
  /* A running test binary maps at least a megabyte (libc, Criterion). */
  cr_assert_gt(fp.peak_rss_bytes, 1 << 20);
  /* Positive and far below a microsecond on any machine this runs on. */
  cr_assert(fp.clock_read_ns > 0 && fp.clock_read_ns < 1000, "clock %g ns", fp.clock_read_ns);
  cr_assert(fp.hist_record_ns > 0 && fp.hist_record_ns < 1000, "record %g ns", fp.hist_record_ns);
}

/* Stats are read exactly when jemalloc is linked (gb_version_jemalloc names it) and then obey
 * jemalloc's invariants: active pages hold the live allocations. */
Test(fingerprint, jemalloc_stats_follow_the_build) {
  gb_fingerprint fp = collect();
  bool linked = strncmp(gb_version_jemalloc(), "none", 4) != 0;
  cr_assert_eq(fp.has_jemalloc_stats, linked, "jemalloc %s", gb_version_jemalloc());
  if (linked) {
    cr_assert_gt(fp.jemalloc_allocated_bytes, 0);
    cr_assert_geq(fp.jemalloc_active_bytes, fp.jemalloc_allocated_bytes);
    cr_assert_geq(fp.jemalloc_resident_bytes, fp.jemalloc_active_bytes);
  }
}

Test(fingerprint, json_parses_with_every_key) {
  gb_fingerprint fp = collect();
  char *text = to_json(&fp, 0);
  cJSON *root = cJSON_Parse(text);
  cr_assert_not_null(root, "not JSON: %s", text);
  cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(root, "cpu_model")->valuestring, fp.cpu_model);
  cr_assert_eq(cJSON_GetObjectItemCaseSensitive(root, "cores_online")->valuedouble,
               (double)fp.cores_online);
  cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(root, "kernel")->valuestring, fp.kernel);
  cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(root, "arch")->valuestring, fp.arch);
  cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(root, "cpu_governor")->valuestring,
                   fp.cpu_governor);
  cr_assert_eq(cJSON_GetObjectItemCaseSensitive(root, "peak_rss_bytes")->valuedouble,
               (double)fp.peak_rss_bytes);
  cJSON *je = cJSON_GetObjectItemCaseSensitive(root, "jemalloc");
  cr_assert_not_null(je);
  if (fp.has_jemalloc_stats)
    cr_assert_eq(cJSON_GetObjectItemCaseSensitive(je, "allocated_bytes")->valuedouble,
                 (double)fp.jemalloc_allocated_bytes);
  else
    cr_assert(cJSON_IsNull(je));
  cr_assert(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(root, "clock_read_ns")));
  cr_assert(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(root, "hist_record_ns")));
  cr_assert_eq(cJSON_GetArraySize(root), 9);
  cJSON_Delete(root);
  free(text);
}

Test(fingerprint, json_escapes_strings_and_indents) {
  gb_fingerprint fp = {0};
  snprintf(fp.cpu_model, sizeof fp.cpu_model, "Evil \"CPU\" \\ with\ttab\nand newline");
  snprintf(fp.kernel, sizeof fp.kernel, "Linux 1.0");
  snprintf(fp.arch, sizeof fp.arch, "x86_64");
  snprintf(fp.cpu_governor, sizeof fp.cpu_governor, "unknown");
  fp.cores_online = 4;
  fp.peak_rss_bytes = 123456789;
  fp.clock_read_ns = 20.5;
  fp.hist_record_ns = 2.25;
  char *text = to_json(&fp, 2);
  const char *want = "{\n"
                     "    \"cpu_model\": \"Evil \\\"CPU\\\" \\\\ with\\ttab\\nand newline\",\n"
                     "    \"cores_online\": 4,\n"
                     "    \"kernel\": \"Linux 1.0\",\n"
                     "    \"arch\": \"x86_64\",\n"
                     "    \"cpu_governor\": \"unknown\",\n"
                     "    \"peak_rss_bytes\": 123456789,\n"
                     "    \"jemalloc\": null,\n"
                     "    \"clock_read_ns\": 20.500,\n"
                     "    \"hist_record_ns\": 2.250\n"
                     "  }";
  cr_assert_str_eq(text, want);
  cJSON *root = cJSON_Parse(text);
  cr_assert_not_null(root);
  cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(root, "cpu_model")->valuestring, fp.cpu_model);
  cJSON_Delete(root);
  free(text);
}

Test(fingerprint, timings_reject_bad_arguments) {
  gb_fingerprint_timing t;
  gb_err err = {0};
  cr_assert_eq(gb_fingerprint_time_clock(0, 3, &t, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_eq(gb_fingerprint_time_clock(10, 0, &t, &err), -1);
  cr_assert(strstr(err.msg, "repeats 0 is outside [1, 1000]"), "%s", err.msg);
  cr_assert_eq(gb_fingerprint_time_hist_record(6, 10, 3, 1, &t, &err), -1);
  cr_assert(strstr(err.msg, "significant digits 6"), "%s", err.msg);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_eq(gb_fingerprint_time_hist_record(3, 1000, 3, 1, &t, &err), 0, "%s", err.msg);
  cr_assert_eq(t.repeats, 3);
  cr_assert(t.min_ns <= t.median_ns && t.median_ns <= t.max_ns);
}
