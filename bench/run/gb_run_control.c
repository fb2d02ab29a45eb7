#include "gb_run_control.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_afile.h"
#include "gb_codec.h"
#include "gb_grow.h"

typedef struct change {
  gb_event ev;
  int64_t boundary;
  size_t line;
} change;

struct gb_run_control {
  change *changes;
  size_t n, cap;
};

void gb_run_control_free(gb_run_control *c) {
  if (!c)
    return;
  for (size_t i = 0; i < c->n; i++)
    gb_event_dispose(&c->changes[i].ev);
  free(c->changes);
  free(c);
}

size_t gb_run_control_count(const gb_run_control *c) { return c ? c->n : 0; }

int64_t gb_run_control_boundary(const gb_run_control *c, size_t i) {
  return c->changes[i].boundary;
}

const gb_event *gb_run_control_event(const gb_run_control *c, size_t i) {
  return &c->changes[i].ev;
}

static bool blank(const char *s) {
  s += strspn(s, " \t\r\n");
  return *s == '\0' || *s == '#';
}

/* Checks one decoded line and adds it; ev is owned by c afterwards (even on error). */
static int add_change(gb_run_control *c, gb_event *ev, const char *path, size_t line,
                      int64_t start_ms, int64_t end_ms, gb_err *err) {
  if (GB_GROW(c->changes, c->cap, c->n + 1, 8, "challenge changes", err) != 0) {
    gb_event_dispose(ev);
    return gb_err_prefix(err, "%s:%zu: ", path, line);
  }
  change *ch = &c->changes[c->n++];
  ch->ev = *ev;
  ch->line = line;
  if (!gb_event_is_control(ev->type))
    return gb_err_set(err, GB_ERR_INPUT,
                      "%s:%zu: type '%s': expected challenge_upsert or challenge_delete", path,
                      line, gb_event_type_name(ev->type));
  int64_t eff = ev->u.control.effective_ts;
  ch->boundary = eff > ev->ts ? eff : ev->ts;
  if (ch->boundary < start_ms || ch->boundary >= end_ms)
    return gb_err_set(err, GB_ERR_INPUT,
                      "%s:%zu: takes effect at sim time %" PRId64 ", outside the run's sim time "
                      "[%" PRId64 ", %" PRId64 ") (field 'ts' or 'effective_ts', ms since the "
                      "Unix epoch)",
                      path, line, ch->boundary, start_ms, end_ms);
  for (size_t i = 0; i + 1 < c->n; i++)
    if (c->changes[i].ev.event_id == ev->event_id)
      return gb_err_set(err, GB_ERR_INPUT,
                        "%s:%zu: event_id %" PRIu64 " already used on line %zu (the engines "
                        "recognise the copies of a change by its event_id)",
                        path, line, ev->event_id, c->changes[i].line);
  ch->ev.u.control.effective_ts = ch->boundary;
  return 0;
}

static int cmp_change(const void *a, const void *b) {
  const change *x = a, *y = b;
  if (x->boundary != y->boundary)
    return x->boundary < y->boundary ? -1 : 1;
  return x->line < y->line ? -1 : x->line > y->line;
}

/* Decodes each line of text[0..len) (NUL-terminated, modified in place). */
static int read_lines(gb_run_control *c, char *text, size_t len, const char *path, int64_t start_ms,
                      int64_t end_ms, gb_err *err) {
  gb_codec *codec = NULL;
  if (gb_codec_new(&codec, err) != 0)
    return -1;
  size_t line = 0;
  int rc = 0;
  for (char *s = text; rc == 0 && s < text + len; line++) {
    char *nl = memchr(s, '\n', (size_t)(text + len - s));
    char *end = nl ? nl : text + len;
    *end = '\0';
    if (!blank(s)) {
      gb_event ev;
      if (gb_codec_decode_json(codec, s, (size_t)(end - s), &ev, err) != 0)
        rc = gb_err_prefix(err, "%s:%zu: ", path, line + 1);
      else
        rc = add_change(c, &ev, path, line + 1, start_ms, end_ms, err);
    }
    s = end + 1;
  }
  gb_codec_free(codec);
  return rc;
}

/* The simulator's copy of the catalogue receives every change, in boundary order: its
 * ordinals are then the ones the engines assign. */
static int apply_to(gb_run_control *c, gb_catalog *catalog, const char *path, gb_err *err) {
  for (size_t i = 0; i < c->n; i++)
    if (gb_catalog_apply_event(catalog, &c->changes[i].ev, err) != 0)
      return gb_err_prefix(err, "%s:%zu: ", path, c->changes[i].line);
  gb_catalog_advance(catalog, INT64_MAX);
  return 0;
}

int gb_run_control_load(const char *path, int64_t start_ms, int64_t end_ms, gb_catalog *catalog,
                        gb_run_control **out, gb_err *err) {
  /* the whole file at once, bounded: a directory, a read error or /dev/zero fails here */
  size_t len = 0;
  char *text = gb_afile_read_max(path, GB_RUN_CONTROL_FILE_MAX, "a --control file", &len, err);
  if (!text)
    return gb_err_prefix(err, "--control ");
  gb_run_control *c = calloc(1, sizeof *c);
  int rc = c ? read_lines(c, text, len, path, start_ms, end_ms, err)
             : gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  free(text);
  if (rc == 0) {
    qsort(c->changes, c->n, sizeof *c->changes, cmp_change);
    rc = apply_to(c, catalog, path, err);
  }
  if (rc != 0) {
    gb_run_control_free(c);
    return -1;
  }
  *out = c;
  return 0;
}
