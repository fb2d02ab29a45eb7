/* Fuzz target workload: the workload loader (gb_workload_load: libyaml, libcyaml's schema, the
 * strict conversion, --set overrides, the resolved JSON). Oracle, for every workload it accepts
 * (docs/workloads.md, "The resolved workload"): the resolved JSON is itself a workload file, and
 * loading it gives back the same resolved JSON byte for byte; its hash is the hash of those bytes.
 *
 * Input: the workload text; each line that starts with "#set " (a YAML comment, so the file is
 * the same with or without it) also passes the rest of the line as a --set override, up to
 * OVERRIDES_MAX. The loader reads files, so the text goes to a file in /tmp named after the
 * process (rewritten for each input, removed at exit). Seeds: tests/fuzz/workload/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gb_arms.h"
#include "gb_err.h"
#include "gb_fuzz.h"
#include "gb_rng.h"
#include "gb_workload.h"

enum { OVERRIDES_MAX = 4, OVERRIDE_LEN_MAX = 256, PATH_LEN = 64 };

static const char set_prefix[] = "#set ";

static void write_file(const char *path, const void *data, size_t size) {
  FILE *f = fopen(path, "wb");
  GB_ASSERT(f != NULL);
  GB_ASSERT(fwrite(data, 1, size, f) == size || size == 0);
  GB_ASSERT(fclose(f) == 0);
}

/* Collects the "#set " lines of text into ovr (NUL-terminated copies); returns their count. */
static size_t collect_overrides(const char *text, size_t size,
                                char ovr[OVERRIDES_MAX][OVERRIDE_LEN_MAX]) {
  size_t n = 0, pos = 0;
  while (pos < size && n < OVERRIDES_MAX) {
    const char *line = text + pos;
    const char *nl = memchr(line, '\n', size - pos);
    size_t len = nl ? (size_t)(nl - line) : size - pos;
    pos += len + 1;
    size_t plen = sizeof set_prefix - 1;
    if (len <= plen || len - plen >= OVERRIDE_LEN_MAX || memcmp(line, set_prefix, plen) != 0 ||
        memchr(line, '\0', len))
      continue;
    memcpy(ovr[n], line + plen, len - plen);
    ovr[n][len - plen] = '\0';
    n++;
  }
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char path[PATH_LEN], again_path[PATH_LEN];
  snprintf(path, sizeof path, "/tmp/gbt-fuzz-workload-%ld.yaml", (long)getpid());
  snprintf(again_path, sizeof again_path, "/tmp/gbt-fuzz-workload-%ld.json", (long)getpid());
  char ovr[OVERRIDES_MAX][OVERRIDE_LEN_MAX];
  const char *ovr_ptrs[OVERRIDES_MAX];
  size_t n_ovr = collect_overrides((const char *)data, size, ovr);
  for (size_t i = 0; i < n_ovr; i++)
    ovr_ptrs[i] = ovr[i];
  write_file(path, data, size);
  gb_err err = {0};
  gb_workload *w = NULL, *again = NULL;
  int rc = gb_workload_load(path, ovr_ptrs, n_ovr, &w, &err);
  unlink(path);
  if (rc != 0) {
    if (err.msg[0] == '\0' || w != NULL)
      gbt_fuzz_finding("workload rejected without a message, or with a workload");
    return 0;
  }
  size_t json_len = strlen(w->resolved_json);
  if (w->resolved_hash != gb_hash_bytes(w->resolved_json, json_len, 0))
    gbt_fuzz_finding("resolved_hash is not the hash of resolved_json");
  gb_arms *arms = NULL;
  if (gb_workload_arms(w, &arms, &err) != 0)
    gbt_fuzz_finding("the arms of a loaded workload are refused: %s", err.msg);
  gb_arms_free(arms);
  write_file(again_path, w->resolved_json, json_len);
  rc = gb_workload_load(again_path, NULL, 0, &again, &err);
  unlink(again_path);
  if (rc != 0)
    gbt_fuzz_finding("the resolved workload does not load: %s\n  resolved: %s", err.msg,
                     w->resolved_json);
  if (strcmp(w->resolved_json, again->resolved_json) != 0)
    gbt_fuzz_finding("loading the resolved workload resolves it otherwise:\n  first:  %s\n"
                     "  second: %s",
                     w->resolved_json, again->resolved_json);
  gb_workload_free(again);
  gb_workload_free(w);
  return 0;
}
