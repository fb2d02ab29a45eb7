/* gamebench match: matches a file of events (flat JSON objects, one per line, any attributes)
 * against a catalogue of definitions and writes one JSON line per event:
 *   {"line": N, "matches": ["id", ...]}
 * N counts input lines from 1; ids are in ascending (byte) order. Lines of type challenge_upsert
 * (with a `definition` object) and challenge_delete (with a `challenge_id`) change the catalogue
 * while events flow, effective at their `effective_ts`, else at their `ts` (docs/matcher.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_attrs.h"
#include "gb_catalog.h"
#include "gb_cli.h"
#include "gb_clock.h"
#include "gb_grow.h"
#include "gb_json.h"
#include "gb_matcher.h"
#include "gb_opts.h"

/* Longest attribute name kept: longer keys cannot be named by any definition (the catalogue
 * caps attribute names at 127 bytes), so they are irrelevant and skipped. */
enum { KEY_MAX = 127 };

/* Room for this many matches of one event at first (a catalogue's handful, with margin). */
enum { HITS_FIRST = 256 };

/* What one input line carries besides its attributes. */
typedef struct line_info {
  gb_attrs *attrs;
  bool has_ts;
  int64_t ts, effective_ts;
  bool upsert, delete;
  const char *definition; /* copied into def_buf */
  size_t definition_len;
  char challenge_id[GB_CHALLENGE_ID_MAX + 1];
  char *def_buf;
  size_t def_cap;
} line_info;

static bool key_is(const char *key, size_t len, const char *name) {
  return len == strlen(name) && memcmp(key, name, len) == 0;
}

static int keep_definition(line_info *li, const char *text, size_t len, gb_err *err) {
  if (GB_GROW(li->def_buf, li->def_cap, len + 1, 1024, "bytes of a definition", err) != 0)
    return -1;
  memcpy(li->def_buf, text, len);
  li->def_buf[len] = '\0';
  li->definition = li->def_buf;
  li->definition_len = len;
  return 0;
}

/* The control fields of catalogue changes; everything else only becomes an attribute. */
static int control_field(line_info *li, const char *key, size_t len, const gb_json_value *v,
                         gb_err *err) {
  bool number = v->kind == GB_JSON_INT || v->kind == GB_JSON_UINT || v->kind == GB_JSON_DOUBLE;
  if (key_is(key, len, "type") && v->kind == GB_JSON_STRING) {
    li->upsert =
        v->len == strlen("challenge_upsert") && memcmp(v->str, "challenge_upsert", v->len) == 0;
    li->delete =
        v->len == strlen("challenge_delete") && memcmp(v->str, "challenge_delete", v->len) == 0;
  } else if (key_is(key, len, "ts") && number) {
    li->has_ts = true;
    li->ts = (int64_t)v->d;
  } else if (key_is(key, len, "effective_ts") && number) {
    li->effective_ts = (int64_t)v->d;
  } else if (key_is(key, len, "challenge_id") && v->kind == GB_JSON_STRING) {
    if (v->len > GB_CHALLENGE_ID_MAX)
      return gb_err_set(err, GB_ERR_INPUT, "challenge_id longer than %d bytes",
                        GB_CHALLENGE_ID_MAX);
    if (v->len)
      memcpy(li->challenge_id, v->str, v->len);
    li->challenge_id[v->len] = '\0';
  } else if (key_is(key, len, "definition") &&
             (v->kind == GB_JSON_OBJECT || v->kind == GB_JSON_STRING)) {
    return keep_definition(li, v->str, v->len, err);
  }
  return 0;
}

static int on_field(void *ctx, const char *key, size_t len, const gb_json_value *v, gb_err *err) {
  line_info *li = ctx;
  if (control_field(li, key, len, v, err) != 0)
    return -1;
  if (memchr(key, '\0', len))
    return gb_err_set(err, GB_ERR_INPUT,
                      "field name '%s\\u0000…' holds a NUL byte, which no attribute name may hold",
                      key);
  if (len == 0 || len > KEY_MAX)
    return 0;
  char k[KEY_MAX + 1];
  memcpy(k, key, len);
  k[len] = '\0';
  int rc = 0;
  switch (v->kind) {
  case GB_JSON_STRING:
    rc = gb_attrs_set_str(li->attrs, k, v->str, v->len);
    break;
  case GB_JSON_INT:
  case GB_JSON_UINT:
  case GB_JSON_DOUBLE:
    rc = gb_attrs_set_num(li->attrs, k, v->d);
    break;
  case GB_JSON_BOOL:
    rc = gb_attrs_set_num(li->attrs, k, v->b ? 1 : 0);
    break;
  case GB_JSON_NULL:  /* absent */
  case GB_JSON_ARRAY: /* criteria test flat values: containers are irrelevant */
  case GB_JSON_OBJECT:
    break;
  }
  return rc == 0 ? 0 : gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
}

/* Writes s as a JSON string. */
static void put_json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(out, "\\%c", c);
    else if (c < 0x20)
      fprintf(out, "\\u%04x", c);
    else
      fputc(c, out);
  }
  fputc('"', out);
}

static int cmp_ids(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct run {
  const char *events_path;
  gb_catalog *catalog;
  gb_matcher *matcher;
  gb_json_parser *json;
  line_info li;
  uint32_t *hits;   /* [cap_hits] */
  const char **ids; /* [cap_ids] */
  size_t cap_hits, cap_ids;
  int64_t now;      /* sim time: the last `ts` seen */
  int64_t match_ns; /* time inside gb_matcher_match */
  uint64_t events, matches;
} run;

/* Queues the catalogue change a control line carries. */
static int apply_control(run *r, gb_err *err) {
  line_info *li = &r->li;
  int64_t at = li->effective_ts ? li->effective_ts : r->now;
  if (li->upsert) {
    if (!li->definition)
      return gb_err_set(err, GB_ERR_INPUT, "challenge_upsert without a definition");
    return gb_catalog_upsert(r->catalog, li->definition, li->definition_len, at, err);
  }
  return gb_catalog_delete(r->catalog, li->challenge_id, at, err);
}

static int process_line(run *r, const char *text, size_t len, uint64_t line_no, FILE *out,
                        gb_err *err) {
  line_info *li = &r->li;
  gb_attrs_clear(li->attrs);
  li->has_ts = li->upsert = li->delete = false;
  li->effective_ts = 0;
  li->definition = NULL;
  li->challenge_id[0] = '\0';
  if (gb_json_parse_object(r->json, text, len, on_field, li, err) != 0)
    return gb_err_prefix(err, "%s:%llu: ", r->events_path, (unsigned long long)line_no);
  if (li->has_ts)
    r->now = li->ts;
  gb_catalog_advance(r->catalog, r->now);
  int64_t t0 = gb_clock_now_ns();
  size_t n = gb_matcher_match(r->matcher, li->attrs, r->hits, r->cap_hits);
  r->match_ns += gb_clock_now_ns() - t0;
  if (n > r->cap_hits) { /* more matches than room: grow and match again */
    if (GB_GROW(r->hits, r->cap_hits, n, HITS_FIRST, "matches", err) != 0)
      return -1;
    n = gb_matcher_match(r->matcher, li->attrs, r->hits, r->cap_hits);
  }
  if (GB_GROW(r->ids, r->cap_ids, n, HITS_FIRST, "matched ids", err) != 0)
    return -1;
  r->events++;
  r->matches += n;
  for (size_t i = 0; i < n; i++)
    r->ids[i] = gb_catalog_at(r->catalog, r->hits[i])->id;
  qsort(r->ids, n, sizeof *r->ids, cmp_ids);
  fprintf(out, "{\"line\": %llu, \"matches\": [", (unsigned long long)line_no);
  for (size_t i = 0; i < n; i++) {
    if (i)
      fputs(", ", out);
    put_json_string(out, r->ids[i]);
  }
  fputs("]}\n", out);
  /* A change arrives with its line: it applies from the next line whose time has come. */
  if ((li->upsert || li->delete) && apply_control(r, err) != 0)
    return gb_err_prefix(err, "%s:%llu: ", r->events_path, (unsigned long long)line_no);
  return 0;
}

static bool blank(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
      return false;
  return true;
}

static int match_file(run *r, FILE *in, FILE *out, gb_err *err) {
  char *line = NULL;
  size_t cap = 0;
  uint64_t line_no = 0;
  int rc = 0;
  while (rc == 0) {
    ssize_t got = getline(&line, &cap, in);
    if (got < 0)
      break;
    line_no++;
    if (!blank(line, (size_t)got))
      rc = process_line(r, line, (size_t)got, line_no, out, err);
  }
  if (rc == 0 && ferror(in))
    rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: read error: %s", r->events_path, strerror(errno));
  free(line);
  return rc;
}

int gb_cmd_match(int argc, char **argv) {
  const char *defs = NULL, *events = NULL, *algo_name = "index";
  bool stats = false;
  const gb_opt opts[] = {
      {"defs", 'd', GB_OPT_STRING, &defs, "FILE", "catalogue of definitions (YAML or JSON)", 0, 0},
      {"events", 'e', GB_OPT_STRING, &events, "FILE.jsonl",
       "events, one flat JSON object per line ('-' for stdin)", 0, 0},
      {"algo", 'a', GB_OPT_STRING, &algo_name, "scan|index", "matching algorithm (default index)",
       0, 0},
      {"stats", 0, GB_OPT_FLAG, &stats, NULL,
       "print events, matches and ns/event of matching to stderr", 0, 0},
      {0},
  };
  const gb_cmd_spec spec = {
      .name = "match",
      .usage = "--defs FILE --events FILE.jsonl [--algo scan|index]",
      .summary = "Match events (flat JSON objects, any attributes) against challenge and goal "
                 "definitions; writes {\"line\": N, \"matches\": [ids]} per event.",
      .details = "Lines of type challenge_upsert (field `definition`: an object) and "
                 "challenge_delete (field\n`challenge_id`) change the catalogue, effective at "
                 "their effective_ts or ts (sim ms); sim time\nis the last `ts` seen. Blank lines "
                 "are skipped (and counted). Format: docs/matcher.md.",
      .opts = opts,
  };
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};
  gb_match_algo algo;
  if (!defs || !events) {
    gb_err_set(&err, GB_ERR_INPUT, "gamebench match: --defs and --events are required");
    return gb_opts_fail(&err);
  }
  if (gb_matcher_algo_parse(algo_name, &algo, &err) != 0) {
    gb_err_prefix(&err, "gamebench match: --algo: ");
    return gb_opts_fail(&err);
  }
  run r = {.events_path = strcmp(events, "-") == 0 ? "stdin" : events};
  FILE *in = NULL;
  int rc = gb_catalog_load(defs, &r.catalog, &err);
  if (rc == 0)
    rc = gb_matcher_new(r.catalog, algo, &r.matcher, &err);
  if (rc == 0) {
    if (gb_json_parser_new(&r.json, NULL) != 0 || gb_attrs_new(&r.li.attrs, NULL) != 0 ||
        GB_GROW(r.hits, r.cap_hits, HITS_FIRST, HITS_FIRST, "matches", NULL) != 0 ||
        GB_GROW(r.ids, r.cap_ids, HITS_FIRST, HITS_FIRST, "matched ids", NULL) != 0)
      rc = gb_err_set(&err, GB_ERR_RUNTIME, "gamebench match: out of memory");
  }
  if (rc == 0) {
    in = strcmp(events, "-") == 0 ? stdin : fopen(events, "r");
    if (!in)
      rc = gb_err_set(&err, GB_ERR_INPUT, "%s: cannot open: %s", events, strerror(errno));
  }
  if (rc == 0)
    rc = match_file(&r, in, stdout, &err);
  if (in && in != stdin)
    fclose(in);
  if (rc == 0 && stats)
    fprintf(stderr, "gamebench match: %llu events, %llu matches, %s, %.0f ns/event matching\n",
            (unsigned long long)r.events, (unsigned long long)r.matches, gb_matcher_algo_name(algo),
            r.events ? (double)r.match_ns / (double)r.events : 0.0);
  if (fflush(stdout) != 0 && rc == 0)
    rc = gb_err_set(&err, GB_ERR_RUNTIME, "gamebench match: write error: %s", strerror(errno));
  free(r.hits);
  free(r.ids);
  free(r.li.def_buf);
  gb_attrs_free(r.li.attrs);
  gb_json_parser_free(r.json);
  gb_matcher_free(r.matcher);
  gb_catalog_free(r.catalog);
  return rc == 0 ? 0 : gb_opts_fail(&err);
}
