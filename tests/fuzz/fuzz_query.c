/* Fuzz target query: the stats cube's query language (gb_query_parse, then gb_query_run against a
 * small cube of fixed events, then the three output formats). Oracle: a query that runs writes
 * its JSON form as one JSON object that the JSON shim reads, with the keys "columns" and "rows".
 * Seeds: tests/fuzz/query/. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_cube.h"
#include "gb_err.h"
#include "gb_fuzz.h"
#include "gb_json.h"
#include "gb_query.h"

enum { DIMS = 3, EVENTS = 6 };

/* 2026-01-05T00:00:00Z, the workloads' default sim epoch, in ms. */
static const int64_t t0_ms = 1767571200000;

static gb_cube *new_cube(void) {
  gb_cube_config cfg = {.bucket_ms = 60000,
                        .n_dims = DIMS,
                        .measures = GB_CUBE_DISTINCT | GB_CUBE_QUANTILES,
                        .distinct_exact_max = 4,
                        .hll_precision = 8,
                        .quantile_accuracy = 0.01};
  const char *dims[DIMS] = {"type", "game", "challenge"};
  for (size_t i = 0; i < DIMS; i++)
    snprintf(cfg.dims[i], sizeof cfg.dims[i], "%s", dims[i]);
  gb_cube *c = NULL;
  gb_err err = {0};
  GB_ASSERT(gb_cube_new(&cfg, &c, &err) == 0);
  static const struct {
    int64_t offset_ms;
    const char *vals[DIMS];
    uint64_t player;
    int64_t value_milli; /* < 0: none */
  } events[EVENTS] = {
      {0, {"game_end", "dou_dizhu", ""}, 1, 150000},
      {30000, {"game_end", "mahjong", ""}, 2, 2500},
      {90000, {"prop_used", "dou_dizhu", "win3"}, 1, -1},
      {3600000, {"game_end", "dou_dizhu", ""}, 3, -7000},
      {86400000, {"purchase", "", ""}, 2, 4990},
      {86460000, {"reward_granted", "", "win3"}, 3, 100000},
  };
  for (size_t e = 0; e < EVENTS; e++) {
    uint32_t codes[DIMS];
    for (size_t d = 0; d < DIMS; d++)
      codes[d] = gb_cube_code(c, d, events[e].vals[d], strlen(events[e].vals[d]));
    gb_cube_add(c, t0_ms + events[e].offset_ms, codes, events[e].player, events[e].value_milli >= 0,
                events[e].value_milli);
  }
  return c;
}

static int on_field(void *ctx, const char *key, size_t key_len, const gb_json_value *value,
                    gb_err *err) {
  (void)err;
  unsigned *seen = ctx;
  if (key_len == 7 && memcmp(key, "columns", 7) == 0 && value->kind == GB_JSON_ARRAY)
    *seen |= 1;
  if (key_len == 4 && memcmp(key, "rows", 4) == 0 && value->kind == GB_JSON_ARRAY)
    *seen |= 2;
  return 0;
}

/* Writes r in format f into memory; returns the text (malloc'ed, *len bytes). */
static char *write_result(const gb_query_result *r, gb_query_format f, size_t *len) {
  char *text = NULL;
  FILE *out = open_memstream(&text, len);
  GB_ASSERT(out != NULL);
  gb_err err = {0};
  if (gb_query_result_write(r, f, out, &err) != 0)
    gbt_fuzz_finding("writing a result to memory failed: %s", err.msg);
  GB_ASSERT(fclose(out) == 0);
  return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gb_err err = {0};
  gb_query *q = NULL;
  if (gb_query_parse((const char *)data, size, "fuzz.yaml", &q, &err) != 0) {
    if (err.msg[0] == '\0' || q != NULL)
      gbt_fuzz_finding("query rejected without a message, or with a query");
    return 0;
  }
  gb_cube *c = new_cube();
  gb_query_result *r = NULL;
  if (gb_query_run(q, c, &r, &err) == 0) {
    size_t len = 0;
    free(write_result(r, GB_QUERY_TABLE, &len));
    free(write_result(r, GB_QUERY_CSV, &len));
    char *json = write_result(r, GB_QUERY_JSON, &len);
    gb_json_parser *p = NULL;
    GB_ASSERT(gb_json_parser_new(&p, &err) == 0);
    unsigned seen = 0;
    if (gb_json_parse_object(p, json, len, on_field, &seen, &err) != 0 || seen != 3)
      gbt_fuzz_finding("the JSON result is not an object with columns and rows (%s): %s", err.msg,
                       json);
    gb_json_parser_free(p);
    free(json);
    gb_query_result_free(r);
  } else if (err.msg[0] == '\0') {
    gbt_fuzz_finding("query run failed without a message");
  }
  gb_cube_free(c);
  gb_query_free(q);
  return 0;
}
