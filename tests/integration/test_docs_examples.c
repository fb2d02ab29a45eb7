/* Every example in the documentation runs (#16 item 6): each fenced block with a language in
 * docs/NAME.md and README.md is handed to the component that reads it —
 *   json   an event (docs/events.md: decoded; an operator's change also applied to a catalogue)
 *          or a query (gb_query_parse);
 *   yaml   a challenge catalogue (gb_catalog_parse), a query, a gate file (gb_gate_load) or a
 *          workload, whole or a fragment completed with the required keys (gb_workload_load);
 *   sh     every `gamebench COMMAND …` line: the command exists and each of its --options is in
 *          its --help; every scripts/ or workloads/ path it names exists.
 * A block that is deliberately not runnable says so on the line before its fence:
 *   <!-- example: not run (REASON) -->
 * Blocks without a language (diagrams, output) are text, not examples. */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gb_catalog.h"
#include "gb_codec.h"
#include "gb_gate.h"
#include "gb_query.h"
#include "gb_test_support.h"
#include "gb_workload.h"

#define NOT_RUN "<!-- example: not run ("

typedef struct block {
  const char *file;
  int line; /* of the opening fence */
  char lang[16];
  char *text; /* heap */
  bool not_run;
} block;

typedef struct blocks {
  block *b;
  size_t n, cap;
  char *names[64]; /* the files' names, owned */
  size_t n_names;
} blocks;

static void add(blocks *bs, const block *b) {
  if (bs->n == bs->cap) {
    bs->cap = bs->cap ? bs->cap * 2 : 64;
    bs->b = realloc(bs->b, bs->cap * sizeof *bs->b);
    cr_assert_not_null(bs->b);
  }
  bs->b[bs->n++] = *b;
}

/* The fenced blocks of one file (those with a language). */
static void extract(const char *path, const char *name, blocks *bs) {
  char *doc = gbt_read_file(path, NULL);
  cr_assert_not_null(doc, "%s", path);
  int line = 1;
  const char *prev = NULL; /* the line before the current one */
  for (char *p = doc; *p;) {
    char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    if (len > 3 && strncmp(p, "```", 3) == 0 && p[3] != '`') {
      block b = {.file = name, .line = line};
      snprintf(b.lang, sizeof b.lang, "%.*s", (int)(len - 3 < 15 ? len - 3 : 15), p + 3);
      b.not_run = prev && strncmp(prev, NOT_RUN, strlen(NOT_RUN)) == 0;
      char *body = eol ? eol + 1 : p + len;
      char *end = strstr(body, "\n```");
      cr_assert_not_null(end, "%s:%d: unclosed fence", name, line);
      b.text = strndup(body, (size_t)(end - body + 1));
      for (char *c = p; c < end + 1; c++)
        line += *c == '\n';
      add(bs, &b);
      p = end + 1;
      prev = NULL;
      continue;
    }
    if (len > 0)
      prev = p;
    line++;
    p = eol ? eol + 1 : p + len;
  }
  free(doc);
}

static blocks all_blocks(void) {
  blocks bs = {0};
  extract(GB_SOURCE_DIR "/README.md", "README.md", &bs);
  glob_t g;
  cr_assert_eq(glob(GB_SOURCE_DIR "/docs/*.md", 0, NULL, &g), 0);
  for (size_t i = 0; i < g.gl_pathc; i++) {
    cr_assert_lt(bs.n_names, sizeof bs.names / sizeof bs.names[0]);
    char *name = strdup(strrchr(g.gl_pathv[i], '/') - strlen("docs")); /* "docs/x.md" */
    bs.names[bs.n_names++] = name;
    extract(g.gl_pathv[i], name, &bs);
  }
  globfree(&g);
  return bs;
}

/* Whether the YAML text has top-level key `key:` (a line starting with it). */
static bool has_key(const char *text, const char *key) {
  size_t n = strlen(key);
  for (const char *p = text; p; p = strchr(p, '\n')) {
    p += *p == '\n';
    if (strncmp(p, key, n) == 0 && p[n] == ':')
      return true;
  }
  return false;
}

/* ---- the readers */

static char *tmp;

static void setup(void) {
  tmp = gbt_tmpdir();
  /* a workload's engine.challenges defaults to challenges/default.yaml next to the file */
  char *link = gbt_path(tmp, "challenges");
  cr_assert_eq(symlink(GB_SOURCE_DIR "/workloads/challenges", link), 0);
  free(link);
}

static void teardown(void) {
  gbt_rmtree(tmp);
  free(tmp);
}

TestSuite(docs_examples, .init = setup, .fini = teardown);

static void check_event(const block *b) {
  gb_codec *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_codec_new(&c, &err), 0);
  gb_event ev;
  cr_assert_eq(gb_codec_decode_json(c, b->text, strlen(b->text) - 1, &ev, &err), 0, "%s:%d: %s",
               b->file, b->line, err.msg);
  if (gb_event_is_control(ev.type) && ev.type != GB_EV_WATERMARK) {
    gb_catalog *cat = NULL;
    cr_assert_eq(gb_catalog_new(&cat, &err), 0);
    cr_assert_eq(gb_catalog_apply_event(cat, &ev, &err), 0,
                 "%s:%d: the catalogue rejects the example: %s", b->file, b->line, err.msg);
    gb_catalog_free(cat);
  }
  gb_event_dispose(&ev);
  gb_codec_free(c);
}

static void check_query(const block *b) {
  gb_query *q = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_query_parse(b->text, strlen(b->text), b->file, &q, &err), 0, "%s:%d: %s", b->file,
               b->line, err.msg);
  gb_query_free(q);
}

static void check_catalog(const block *b) {
  gb_catalog *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_catalog_parse(b->text, strlen(b->text), b->file, &c, &err), 0, "%s:%d: %s",
               b->file, b->line, err.msg);
  cr_assert_gt(gb_catalog_active(c), 0, "%s:%d: no definition", b->file, b->line);
  gb_catalog_free(c);
}

/* Writes text (with extra before it) to a file in tmp; returns its path (heap). */
static char *write_tmp(const char *name, const char *extra, const char *text) {
  char *path = gbt_path(tmp, name);
  size_t n = strlen(extra) + strlen(text) + 1;
  char *all = malloc(n);
  cr_assert_not_null(all);
  snprintf(all, n, "%s%s", extra, text);
  gbt_write_file(path, all);
  free(all);
  return path;
}

static void check_gate(const block *b) {
  char *path = write_tmp("gate.yaml", "", b->text);
  gb_gate *g = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_gate_load(path, &g, &err), 0, "%s:%d: %s", b->file, b->line, err.msg);
  gb_gate_free(g);
  free(path);
}

/* A workload, or a fragment of one: the required keys it lacks are added. */
static void check_workload(const block *b) {
  char extra[128];
  snprintf(extra, sizeof extra, "%s%s", has_key(b->text, "name") ? "" : "name: docs\n",
           has_key(b->text, "sim") ? "" : "sim: {duration: 1h}\n");
  char *path = write_tmp("w.yaml", extra, b->text);
  gb_workload *w = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_workload_load(path, NULL, 0, &w, &err), 0, "%s:%d: %s", b->file, b->line,
               err.msg);
  gb_workload_free(w);
  free(path);
}

static void check_yaml(const block *b) {
  if (has_key(b->text, "definitions"))
    check_catalog(b);
  else if (has_key(b->text, "metrics") || has_key(b->text, "alpha"))
    check_gate(b);
  else if (has_key(b->text, "events") || has_key(b->text, "measures") ||
           has_key(b->text, "group_by") || has_key(b->text, "last"))
    check_query(b);
  else
    check_workload(b);
}

static void check_json(const block *b) {
  if (strncmp(b->text, "{\"event_id\"", strlen("{\"event_id\"")) == 0)
    check_event(b);
  else
    check_query(b);
}

/* ---- shell lines */

/* `gamebench CMD [SUB] --help`, cached per command line prefix. */
static char *help_of(const char *cmd) {
  static struct {
    char cmd[64];
    char *help;
  } cache[32];
  static size_t n;
  for (size_t i = 0; i < n; i++)
    if (strcmp(cache[i].cmd, cmd) == 0)
      return cache[i].help;
  gbt_proc p = gbt_gamebench("%s --help", cmd);
  cr_assert_eq(p.status, 0, "gamebench %s --help: exit %d\n%s", cmd, p.status, p.err);
  cr_assert_lt(n, sizeof cache / sizeof cache[0]);
  snprintf(cache[n].cmd, sizeof cache[n].cmd, "%s", cmd);
  cache[n].help = p.out;
  free(p.err);
  return cache[n++].help;
}

/* One shell command line (continuations joined, comment removed). */
static void check_line(const block *b, int line, char *text) {
  char *words[64];
  size_t n = 0;
  for (char *save = NULL, *w = strtok_r(text, " \t", &save); w && n < 64;
       w = strtok_r(NULL, " \t", &save))
    words[n++] = w;
  for (size_t i = 0; i < n; i++) {
    const char *w = words[i];
    /* the repository's scripts and workload files that a line names exist */
    if (strncmp(w, "scripts/", 8) == 0 || strncmp(w, "workloads/", 10) == 0 ||
        strncmp(w, "@workloads/", 11) == 0) {
      char path[512];
      snprintf(path, sizeof path, "%s/%s", GB_SOURCE_DIR, w + (w[0] == '@'));
      cr_assert(access(path, F_OK) == 0, "%s:%d: %s does not exist", b->file, line, w);
    }
  }
  /* the command of the line is gamebench (not, e.g., a script given build/gamebench) */
  size_t g = 0;
  if (n < 2 || (strcmp(words[0], "gamebench") != 0 && strcmp(words[0], "./build/gamebench") != 0 &&
                strcmp(words[0], "build/gamebench") != 0))
    return;
  char cmd[64];
  snprintf(cmd, sizeof cmd, "%s", words[g + 1]);
  if (strcmp(cmd, "bench") == 0 && g + 2 < n)
    snprintf(cmd, sizeof cmd, "bench %s", words[g + 2]);
  const char *help = help_of(cmd);
  for (size_t i = g + 2; i < n; i++) {
    if (strncmp(words[i], "--", 2) != 0 || words[i][2] == '\0')
      continue;
    char opt[64];
    snprintf(opt, sizeof opt, "%.*s", (int)strcspn(words[i], "="), words[i]);
    char *at = strstr(help, opt);
    bool found =
        at && !(at[strlen(opt)] >= 'a' && at[strlen(opt)] <= 'z') && at[strlen(opt)] != '-';
    cr_assert(found, "%s:%d: gamebench %s has no option %s", b->file, line, cmd, opt);
  }
}

static void check_sh(const block *b) {
  char *text = strdup(b->text);
  int line = b->line + 1, first = line;
  char joined[4096] = "";
  size_t used = 0;
  for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
    char *hash = strstr(l, " #");
    if (l[0] == '#')
      hash = l;
    if (hash)
      *hash = '\0';
    size_t len = strlen(l);
    bool more = len > 0 && l[len - 1] == '\\';
    if (more)
      l[len - 1] = ' ';
    if (used == 0)
      first = line;
    int w = snprintf(joined + used, sizeof joined - used, "%s", l);
    cr_assert(w >= 0 && (size_t)w < sizeof joined - used, "%s:%d: line too long", b->file, line);
    used += (size_t)w;
    line++;
    if (more)
      continue;
    check_line(b, first, joined);
    joined[0] = '\0';
    used = 0;
  }
  free(text);
}

Test(docs_examples, every_example_runs) {
  blocks bs = all_blocks();
  size_t checked = 0, not_run = 0, events = 0;
  for (size_t i = 0; i < bs.n; i++) {
    const block *b = &bs.b[i];
    if (b->not_run) {
      not_run++;
      continue;
    }
    if (strcmp(b->lang, "json") == 0) {
      check_json(b);
      events += strcmp(b->file, "docs/events.md") == 0;
    } else if (strcmp(b->lang, "yaml") == 0) {
      check_yaml(b);
    } else if (strcmp(b->lang, "sh") == 0) {
      check_sh(b);
    } else {
      cr_assert_fail("%s:%d: a %s block: no reader for it (mark it not run, with the reason)",
                     b->file, b->line, b->lang);
    }
    checked++;
  }
  /* the exceptions stay few; the examples are many */
  cr_assert_leq(not_run, 3, "%zu blocks are marked not run", not_run);
  cr_assert_geq(events, 30);
  cr_assert_geq(checked, 50);
  for (size_t i = 0; i < bs.n; i++)
    free(bs.b[i].text);
  for (size_t i = 0; i < bs.n_names; i++)
    free(bs.names[i]);
  free(bs.b);
}

/* The checks themselves fail on a bad example. */
Test(docs_examples, a_catalogue_rejection_is_caught) {
  block b = {.file = "x.md",
             .line = 1,
             .lang = "json",
             .text = "{\"event_id\":1,\"type\":\"challenge_upsert\",\"ts\":1,\"player_id\":0,"
                     "\"session_id\":0,\"platform\":\"\",\"country\":\"\",\"definition\":"
                     "{\"id\":\"x\",\"when\":{\"type\":\"game_end\"}}}\n"};
  gb_codec *c = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_codec_new(&c, &err), 0);
  gb_event ev;
  cr_assert_eq(gb_codec_decode_json(c, b.text, strlen(b.text) - 1, &ev, &err), 0, "%s", err.msg);
  gb_catalog *cat = NULL;
  cr_assert_eq(gb_catalog_new(&cat, &err), 0);
  cr_assert_eq(gb_catalog_apply_event(cat, &ev, &err), -1, "the catalogue took 'when'");
  gb_catalog_free(cat);
  gb_event_dispose(&ev);
  gb_codec_free(c);
}
