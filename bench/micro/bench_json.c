/* `gamebench bench json`: the JSON parsers side by side on one game_end event, then the codec's
 * own paths (full decode, JSON and binary encode, binary decode) and the two ways of writing a
 * double. docs/benchmarks.md records the numbers and the choice they led to.
 *
 * Every parser does the same work: parse, visit every top-level field and read its value (numbers
 * as numbers, strings' lengths, booleans), then free what it allocated. The visits sum what they
 * read into a checksum; the parsers must agree on it, or the comparison would not be fair. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_json_jansson.h"
#include "gb_benches.h"
#include "gb_clock.h"
#include "gb_codec.h"
#include "gb_json.h"
#include "gb_opts.h"
#include "gb_quantile.h"
#include "gb_rng.h"

/* A game_end with every field of its type set, as a platform sends it (no harness stamps): 267
 * bytes of JSON, the most frequent event of the card/board workloads. Numbers stay below 2^53 so
 * that cJSON, which keeps numbers as doubles, reads them exactly and the checksums can agree. */
static void sample_event(gb_event *ev) {
  gb_event_init(ev);
  ev->event_id = 1234567890123;
  ev->type = GB_EV_GAME_END;
  ev->ts = 1700000000123;
  ev->player_id = 4242424242;
  ev->session_id = 987654321;
  snprintf(ev->platform, sizeof ev->platform, "%s", "android");
  snprintf(ev->country, sizeof ev->country, "%s", "BR");
  snprintf(ev->u.game.game, sizeof ev->u.game.game, "%s", "pao_de_kuai");
  snprintf(ev->u.game.room, sizeof ev->u.game.room, "%s", "beginners");
  ev->u.game.bet = 100;
  ev->u.game.won = true;
  ev->u.game.score = 35;
  ev->u.game.coins_delta = 190;
  ev->u.game.coin_balance = 12345;
  ev->u.game.level = 17;
}

typedef struct bench_input {
  char json_buf[1024];
  const char *json;
  size_t len;
  gb_json_parser *ondemand;
  gb_json_parser *dom;
  gb_codec *codec;
  json_tokener *tokener;
  gb_jansson_iter_next_fn jansson_next;
  gb_event event;
  uint8_t binary[GB_EVENT_BINARY_MAX];
  size_t binary_len;
  char out[1024];
  double doubles[64]; /* values for the double-formatting rows */
} bench_input;

/* One operation; returns a checksum of what it read (parsers) or produced (the rest). */
typedef double (*bench_fn)(bench_input *in);

/* ---- the parsers ---------------------------------------------------------------------------- */

static double walk_cjson(bench_input *in) {
  cJSON *root = cJSON_ParseWithLength(in->json, in->len);
  double sum = 0;
  for (const cJSON *it = root ? root->child : NULL; it; it = it->next) {
    if (cJSON_IsNumber(it))
      sum += it->valuedouble;
    else if (cJSON_IsString(it))
      sum += (double)strlen(it->valuestring);
    else if (cJSON_IsTrue(it))
      sum += 1;
  }
  cJSON_Delete(root);
  return sum;
}

static double walk_jsonc(bench_input *in) {
  json_tokener_reset(in->tokener);
  json_object *root = json_tokener_parse_ex(in->tokener, in->json, (int)in->len);
  double sum = 0;
  if (root == NULL)
    return -1;
  json_object_object_foreach(root, key, val) {
    (void)key;
    switch (json_object_get_type(val)) {
    case json_type_int:
      sum += (double)json_object_get_int64(val);
      break;
    case json_type_double:
      sum += json_object_get_double(val);
      break;
    case json_type_string:
      sum += json_object_get_string_len(val);
      break;
    case json_type_boolean:
      sum += json_object_get_boolean(val);
      break;
    default:
      break;
    }
  }
  json_object_put(root);
  return sum;
}

static double walk_jansson(bench_input *in) {
  return gb_bench_json_walk_jansson(in->jansson_next, in->json, in->len);
}

static int sum_field(void *ctx, const char *key, size_t key_len, const gb_json_value *v,
                     gb_err *err) {
  double *sum = ctx;
  (void)key;
  (void)key_len;
  (void)err;
  if (v->kind == GB_JSON_INT || v->kind == GB_JSON_UINT || v->kind == GB_JSON_DOUBLE)
    *sum += v->d;
  else if (v->kind == GB_JSON_STRING)
    *sum += (double)v->len;
  else if (v->kind == GB_JSON_BOOL)
    *sum += v->b;
  return 0;
}

static double walk_gb_json(gb_json_parser *p, bench_input *in) {
  double sum = 0;
  gb_err err;
  if (gb_json_parse_object(p, in->json, in->len, sum_field, &sum, &err) != 0)
    return -1;
  return sum;
}

static double walk_ondemand(bench_input *in) { return walk_gb_json(in->ondemand, in); }

static double walk_dom(bench_input *in) { return walk_gb_json(in->dom, in); }

/* The full decode also converts and validates every field into a gb_event. */
static double decode_json(bench_input *in) {
  gb_event ev;
  gb_err err;
  if (gb_codec_decode_json(in->codec, in->json, in->len, &ev, &err) != 0)
    return -1;
  return (double)ev.u.game.bet;
}

/* ---- the codec and doubles ------------------------------------------------------------------ */

static double encode_json(bench_input *in) {
  return (double)gb_event_encode_json(&in->event, in->out, sizeof in->out);
}

static double encode_binary(bench_input *in) {
  return (double)gb_event_encode_binary(&in->event, in->binary, sizeof in->binary);
}

static double decode_binary(bench_input *in) {
  gb_event ev;
  size_t used;
  gb_err err;
  if (gb_event_decode_binary(in->binary, in->binary_len, &ev, &used, &err) != 0)
    return -1;
  return (double)used;
}

/* Doubles per operation in the formatting rows: a batch amortizes the loop, as in an event. */
enum { DOUBLES_PER_OP = 64 };

static double format_to_chars(bench_input *in) {
  size_t n = 0;
  for (int k = 0; k < DOUBLES_PER_OP; k++)
    n += gb_json_format_double(in->doubles[k], in->out);
  return (double)n;
}

static double format_printf(bench_input *in) {
  size_t n = 0;
  for (int k = 0; k < DOUBLES_PER_OP; k++)
    n += (size_t)snprintf(in->out, sizeof in->out, "%.17g", in->doubles[k]);
  return (double)n;
}

/* ---- timing --------------------------------------------------------------------------------- */

typedef struct row {
  const char *name;
  bench_fn fn;
  double per_op_divisor; /* operations per call (DOUBLES_PER_OP for the batch rows) */
  double ns;             /* median ns per operation */
  double checksum;
} row;

/* Medians of per-repetition means: a repetition hit by another process's burst on the shared
 * machine moves the median much less than it would move an overall mean. */
static void time_row(row *r, bench_input *in, int64_t iterations, int64_t repetitions) {
  enum { REPS_MAX = 101 };
  double per_rep[REPS_MAX];
  volatile double sink = 0;
  /* warm-up: caches, branch predictors, the parsers' lazily grown buffers */
  for (int64_t k = 0; k < iterations / 10 + 1; k++)
    sink += r->fn(in);
  for (int64_t rep = 0; rep < repetitions; rep++) {
    int64_t t0 = gb_clock_now_ns();
    for (int64_t k = 0; k < iterations; k++)
      sink += r->fn(in);
    int64_t t1 = gb_clock_now_ns();
    per_rep[rep] = (double)(t1 - t0) / (double)iterations / r->per_op_divisor;
  }
  r->ns = gb_quantile_median(per_rep, (size_t)repetitions);
  r->checksum = r->fn(in);
  (void)sink;
}

static void print_table(const char *title, row *rows, size_t n) {
  double fastest = rows[0].ns;
  for (size_t k = 1; k < n; k++)
    if (rows[k].ns < fastest)
      fastest = rows[k].ns;
  printf("\n%-46s %10s %10s\n", title, "ns/op", "x fastest");
  for (size_t k = 0; k < n; k++)
    printf("%-46s %10.1f %10.2f\n", rows[k].name, rows[k].ns, rows[k].ns / fastest);
}

static int setup(bench_input *in, gb_err *err) {
  memset(in, 0, sizeof *in);
  sample_event(&in->event);
  in->len = gb_event_encode_json(&in->event, in->json_buf, sizeof in->json_buf);
  in->json = in->json_buf;
  in->binary_len = gb_event_encode_binary(&in->event, in->binary, sizeof in->binary);
  if (gb_json_parser_new_api(GB_JSON_API_ONDEMAND, &in->ondemand, err) != 0 ||
      gb_json_parser_new_api(GB_JSON_API_DOM, &in->dom, err) != 0)
    return gb_err_prefix(err, "bench json: ");
  if (gb_codec_new(&in->codec, err) != 0)
    return gb_err_prefix(err, "bench json: ");
  in->tokener = json_tokener_new();
  if (!in->tokener)
    return gb_err_set(err, GB_ERR_RUNTIME, "bench json: out of memory");
  in->jansson_next = gb_bench_json_jansson_iter_next();
  if (in->jansson_next == NULL)
    return gb_err_set(err, GB_ERR_RUNTIME, "bench json: jansson's json_object_iter_next not found");
  /* half money-like values (two decimals, as prices and amounts are), half arbitrary doubles */
  gb_rng rng;
  gb_rng_seed(&rng, 1, 1);
  for (int k = 0; k < DOUBLES_PER_OP; k++)
    in->doubles[k] =
        k % 2 ? (double)gb_rng_below(&rng, 100000) / 100.0 : gb_rng_uniform(&rng) * 1e6;
  return 0;
}

static void teardown(bench_input *in) {
  gb_json_parser_free(in->ondemand);
  gb_json_parser_free(in->dom);
  gb_codec_free(in->codec);
  if (in->tokener)
    json_tokener_free(in->tokener);
}

static int run(int64_t iterations, int64_t repetitions, gb_err *err) {
  bench_input in;
  int rc = -1;
  if (setup(&in, err) != 0)
    goto out;
  printf("gamebench bench json: %" PRId64 " iterations x %" PRId64
         " repetitions, median per operation\n",
         iterations, repetitions);
  printf("simdjson %s (%s kernel), cJSON %s, json-c %s, jansson %s\n", gb_json_simdjson_version(),
         gb_json_simdjson_kernel(), cJSON_Version(), json_c_version(),
         gb_bench_json_jansson_version());
  printf("event (%zu bytes of JSON, %zu binary): %s\n", in.len, in.binary_len, in.json);

  row parsers[] = {
      {"simdjson on-demand (gb_json)", walk_ondemand, 1, 0, 0},
      {"simdjson DOM (gb_json)", walk_dom, 1, 0, 0},
      {"cJSON", walk_cjson, 1, 0, 0},
      {"json-c", walk_jsonc, 1, 0, 0},
      {"jansson", walk_jansson, 1, 0, 0},
  };
  size_t n_parsers = sizeof parsers / sizeof parsers[0];
  for (size_t k = 0; k < n_parsers; k++)
    time_row(&parsers[k], &in, iterations, repetitions);
  for (size_t k = 1; k < n_parsers; k++)
    if (parsers[k].checksum != parsers[0].checksum) {
      gb_err_set(err, GB_ERR_RUNTIME, "bench json: %s read %.17g, %s read %.17g: not comparable",
                 parsers[k].name, parsers[k].checksum, parsers[0].name, parsers[0].checksum);
      goto out;
    }
  print_table("parse + visit every field", parsers, n_parsers);

  row codec[] = {
      {"gb_codec_decode_json (parse + convert)", decode_json, 1, 0, 0},
      {"gb_event_encode_json", encode_json, 1, 0, 0},
      {"gb_event_encode_binary", encode_binary, 1, 0, 0},
      {"gb_event_decode_binary", decode_binary, 1, 0, 0},
  };
  size_t n_codec = sizeof codec / sizeof codec[0];
  for (size_t k = 0; k < n_codec; k++)
    time_row(&codec[k], &in, iterations, repetitions);
  print_table("codec, same event", codec, n_codec);
  printf("(gb_event_encode_json: %.2f M events/s on one core)\n", 1e3 / codec[1].ns);

  row doubles[] = {
      {"double -> text: std::to_chars (shortest)", format_to_chars, DOUBLES_PER_OP, 0, 0},
      {"double -> text: snprintf %.17g", format_printf, DOUBLES_PER_OP, 0, 0},
  };
  /* a batch of doubles per call: fewer iterations give the same run time */
  int64_t batch_iterations = iterations / 16 + 1;
  for (size_t k = 0; k < 2; k++)
    time_row(&doubles[k], &in, batch_iterations, repetitions);
  print_table("one double", doubles, 2);
  rc = 0;
out:
  teardown(&in);
  return rc;
}

int gb_bench_json(int argc, char **argv) {
  int64_t iterations = 200000, repetitions = 7;
  const gb_opt opts[] = {
      {"iterations", 'n', GB_OPT_INT, &iterations, "N",
       "operations per timed repetition (default 200000)", 1, 1e9},
      {"repetitions", 'r', GB_OPT_INT, &repetitions, "R",
       "timed repetitions, the median is reported (default 7, at most 101)", 1, 101},
      {0},
  };
  const gb_cmd_spec spec = {
      .name = "bench json",
      .usage = "[options]",
      .summary = "Parse one 267-byte game_end event with simdjson (On-Demand and DOM, through\n"
                 "gb_json), cJSON, json-c and jansson; time the codec's decode and encode paths\n"
                 "and two ways of writing a double.",
      .details = "Prints ns per operation (median of the repetitions) and the ratio to the\n"
                 "fastest row of each table. Recorded results and the choices they support:\n"
                 "docs/benchmarks.md.",
      .opts = opts,
  };
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};
  if (run(iterations, repetitions, &err) != 0)
    return gb_opts_fail(&err);
  return 0;
}
