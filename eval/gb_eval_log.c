#include "gb_eval_log.h"

#include <csv.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gb_afile.h"
#include "gb_grow.h"
#include "gb_rng.h"

/* ---- names: distinct strings numbered in order of first appearance ----------------------------
 */

typedef struct names {
  char *text; /* the strings, each NUL-terminated */
  size_t len, cap_text;
  size_t *off; /* by id: offset in text */
  size_t cap_off;
  uint32_t count;
  uint32_t *slots; /* open addressing: id + 1, 0 for empty */
  size_t n_slots;  /* a power of two, kept at most half full */
} names;

static uint32_t *find_slot(const names *nm, const char *s, size_t len) {
  size_t mask = nm->n_slots - 1, at = (size_t)gb_hash_bytes(s, len, 0) & mask;
  for (;;) {
    uint32_t *slot = &nm->slots[at];
    if (*slot == 0)
      return slot;
    const char *have = nm->text + nm->off[*slot - 1];
    if (strncmp(have, s, len) == 0 && have[len] == '\0')
      return slot;
    at = (at + 1) & mask;
  }
}

static int rehash(names *nm, size_t n_slots) {
  uint32_t *slots = calloc(n_slots, sizeof *slots);
  if (!slots)
    return -1;
  free(nm->slots);
  nm->slots = slots;
  nm->n_slots = n_slots;
  for (uint32_t id = 0; id < nm->count; id++) {
    const char *s = nm->text + nm->off[id];
    *find_slot(nm, s, strlen(s)) = id + 1;
  }
  return 0;
}

/* The id of s[0..len), added when new; -1 when out of memory. */
static int64_t intern(names *nm, const char *s, size_t len, gb_err *err) {
  if ((size_t)nm->count * 2 + 2 > nm->n_slots &&
      rehash(nm, nm->n_slots ? nm->n_slots * 2 : 1024) != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for %u names", nm->count);
  uint32_t *slot = find_slot(nm, s, len);
  if (*slot)
    return *slot - 1;
  if (nm->count == UINT32_MAX - 1)
    return gb_err_set(err, GB_ERR_INPUT, "more than %u distinct names", nm->count);
  if (GB_GROW(nm->text, nm->cap_text, nm->len + len + 1, 4096, "bytes of names", err) != 0 ||
      GB_GROW(nm->off, nm->cap_off, (size_t)nm->count + 1, 1024, "names", err) != 0)
    return -1;
  memcpy(nm->text + nm->len, s, len);
  nm->text[nm->len + len] = '\0';
  nm->off[nm->count] = nm->len;
  nm->len += len + 1;
  *slot = ++nm->count;
  return *slot - 1;
}

static void names_free(names *nm) {
  free(nm->text);
  free(nm->off);
  free(nm->slots);
}

/* ---- the log ------------------------------------------------------------------------------- */

struct gb_eval_log {
  names users, items;
  gb_interactions *matrix;
  size_t rows, malformed;
  gb_eval_bad_row bad[GB_EVAL_LOG_REPORTED];
};

int gb_eval_format_parse(const char *name, gb_eval_format *out) {
  if (strcmp(name, "steam-200k") == 0)
    *out = GB_EVAL_STEAM200K;
  else if (strcmp(name, "generic") == 0)
    *out = GB_EVAL_GENERIC;
  else
    return -1;
  return 0;
}

const char *gb_eval_format_name(gb_eval_format f) {
  return f == GB_EVAL_STEAM200K ? "steam-200k" : "generic";
}

/* The parse: libcsv's callbacks collect a record's fields; each complete record is checked and
 * either becomes a triple or a malformed row. */
typedef struct parse_ctx {
  const char *name;
  gb_eval_format fmt;
  gb_eval_log *log;
  char **fields;
  size_t n_fields, cap_fields;
  size_t line, record_start;
  bool have_header;
  size_t header_fields; /* generic: 2 or 3 */
  gb_interaction *triples;
  size_t n_triples, cap_triples;
  locale_t c_locale;
  bool failed; /* a fatal error is in err */
  gb_err *err;
} parse_ctx;

static void bad_row(parse_ctx *c, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void bad_row(parse_ctx *c, size_t line, const char *fmt, ...) {
  gb_eval_log *log = c->log;
  if (log->malformed < GB_EVAL_LOG_REPORTED) {
    gb_eval_bad_row *b = &log->bad[log->malformed];
    b->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->reason, sizeof b->reason, fmt, ap);
    va_end(ap);
  }
  log->malformed++;
}

static void fatal(parse_ctx *c, gb_err_kind kind, const char *msg) {
  if (!c->failed)
    gb_err_set(c->err, kind, "%s", msg);
  c->failed = true;
}

static void on_field(void *data, size_t len, void *ctx_) {
  parse_ctx *c = ctx_;
  if (c->failed)
    return;
  gb_err e;
  char *copy = malloc(len + 1);
  if (!copy || GB_GROW(c->fields, c->cap_fields, c->n_fields + 1, 8, "CSV fields", &e) != 0) {
    free(copy);
    fatal(c, GB_ERR_RUNTIME, "out of memory");
    return;
  }
  memcpy(copy, data, len);
  copy[len] = '\0';
  c->fields[c->n_fields++] = copy;
}

static void drop_fields(parse_ctx *c) {
  for (size_t i = 0; i < c->n_fields; i++)
    free(c->fields[i]);
  c->n_fields = 0;
}

static bool header_ok(parse_ctx *c) {
  char **f = c->fields;
  size_t n = c->n_fields;
  if (c->fmt == GB_EVAL_STEAM200K)
    return (n == 3 || (n == 4 && f[3][0] == '\0')) && strcasecmp(f[0], "user-id") == 0 &&
           strcasecmp(f[1], "game-title") == 0 && strcasecmp(f[2], "value") == 0;
  c->header_fields = n;
  return (n == 2 || (n == 3 && strcasecmp(f[2], "weight") == 0)) && strcasecmp(f[0], "user") == 0 &&
         strcasecmp(f[1], "item") == 0;
}

static void check_header(parse_ctx *c, size_t line) {
  if (header_ok(c)) {
    c->have_header = true;
    return;
  }
  char msg[GB_ERR_MSG_MAX];
  snprintf(msg, sizeof msg, "%s:%zu: not a %s header: expected '%s'", c->name, line,
           gb_eval_format_name(c->fmt),
           c->fmt == GB_EVAL_STEAM200K ? "user-id,game-title,value," : "user,item[,weight]");
  fatal(c, GB_ERR_INPUT, msg);
}

/* A weight cell: a finite decimal number >= 0 ("C" locale). */
static bool parse_weight(parse_ctx *c, const char *text, double *out) {
  char *end = NULL;
  errno = 0;
  double v = strtod_l(text, &end, c->c_locale);
  if (end == text || *end != '\0' || !isfinite(v) || v < 0)
    return false;
  *out = v;
  return true;
}

static void add_row(parse_ctx *c, size_t line) {
  char **f = c->fields;
  size_t n = c->n_fields;
  bool steam = c->fmt == GB_EVAL_STEAM200K;
  if (steam ? n != 3 && n != 4 : n != c->header_fields) {
    bad_row(c, line, "expected %s fields, found %zu",
            steam                   ? "3 or 4"
            : c->header_fields == 2 ? "2"
                                    : "3",
            n);
    return;
  }
  double w = 1.0;
  if (!f[0][0] || !f[1][0]) {
    bad_row(c, line, "empty %s", !f[0][0] ? "user" : "item");
    return;
  }
  if (n >= 3 && (steam || c->header_fields == 3) && !parse_weight(c, f[2], &w)) {
    bad_row(c, line, "%s '%.64s' is not a number >= 0", steam ? "value" : "weight", f[2]);
    return;
  }
  int64_t u = intern(&c->log->users, f[0], strlen(f[0]), c->err);
  int64_t i = u < 0 ? -1 : intern(&c->log->items, f[1], strlen(f[1]), c->err);
  gb_err e;
  if (u < 0 || i < 0 ||
      GB_GROW(c->triples, c->cap_triples, c->n_triples + 1, 4096, "interactions", &e) != 0) {
    fatal(c, GB_ERR_RUNTIME, "out of memory");
    return;
  }
  c->triples[c->n_triples++] =
      (gb_interaction){.user = (uint32_t)u, .item = (uint32_t)i, .weight = w};
  c->log->rows++;
}

static void on_record(int terminator, void *ctx_) {
  (void)terminator;
  parse_ctx *c = ctx_;
  size_t line = c->record_start ? c->record_start : c->line;
  c->record_start = 0;
  if (!c->failed) {
    if (!c->have_header)
      check_header(c, line);
    else
      add_row(c, line);
  }
  drop_fields(c);
}

static bool blank_line(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (s[i] != '\r' && s[i] != '\n')
      return false;
  return true;
}

/* A quoting error ends the row it is in: counted (or fatal in the header), and the parser
 * starts afresh on the next line. */
static void quoting_error(parse_ctx *c, struct csv_parser *p, int opts) {
  size_t line = c->record_start ? c->record_start : c->line;
  if (!c->have_header) {
    char msg[GB_ERR_MSG_MAX];
    snprintf(msg, sizeof msg, "%s:%zu: malformed quoting in the header", c->name, line);
    fatal(c, GB_ERR_INPUT, msg);
  } else {
    bad_row(c, line,
            "malformed quoting (a quote inside an unquoted field, or text after a "
            "closing quote)");
  }
  drop_fields(c);
  csv_free(p);
  csv_init(p, (unsigned char)opts);
  c->record_start = 0;
}

/* Feeds the text one line at a time, so that every callback knows the line it is on. */
static int feed_lines(parse_ctx *c, const char *text, size_t len) {
  const int opts = CSV_STRICT | CSV_STRICT_FINI;
  struct csv_parser p;
  if (csv_init(&p, (unsigned char)opts) != 0)
    return gb_err_set(c->err, GB_ERR_RUNTIME, "%s: cannot start the CSV parser", c->name);
  size_t pos = 0;
  while (pos < len && !c->failed) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
    c->line++;
    if (c->record_start == 0 && !blank_line(text + pos, n))
      c->record_start = c->line;
    if (csv_parse(&p, text + pos, n, on_field, on_record, c) != n) {
      if (csv_error(&p) != CSV_EPARSE)
        fatal(c, GB_ERR_RUNTIME, "out of memory in the CSV parser");
      else
        quoting_error(c, &p, opts);
    }
    pos += n;
  }
  if (!c->failed && csv_fini(&p, on_field, on_record, c) != 0) {
    if (c->have_header)
      bad_row(c, c->record_start ? c->record_start : c->line,
              "quoted field not closed before the end of the file");
    else
      fatal(c, GB_ERR_INPUT, "quoted field not closed in the header");
  }
  drop_fields(c);
  csv_free(&p);
  return c->failed ? -1 : 0;
}

/* The checks after the parse: a header and at least one usable row. */
static int check_usable(parse_ctx *c) {
  const gb_eval_log *log = c->log;
  if (!c->have_header)
    return gb_err_set(c->err, GB_ERR_INPUT, "%s: empty file (no header line)", c->name);
  if (log->rows > 0)
    return 0;
  if (log->malformed == 0)
    return gb_err_set(c->err, GB_ERR_INPUT, "%s: no rows after the header", c->name);
  return gb_err_set(c->err, GB_ERR_INPUT,
                    "%s: no usable row (%zu malformed; first at line %zu: %s)", c->name,
                    log->malformed, log->bad[0].line, log->bad[0].reason);
}

static const char UTF8_BOM[] = "\xEF\xBB\xBF";

int gb_eval_log_parse(const char *name, const char *text, size_t len, gb_eval_format fmt,
                      gb_eval_log **out, gb_err *err) {
  gb_eval_log *log = calloc(1, sizeof *log);
  if (!log)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", name);
  parse_ctx c = {.name = name, .fmt = fmt, .log = log, .err = err};
  c.c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
  int rc = -1;
  if (c.c_locale == (locale_t)0) {
    gb_err_set(err, GB_ERR_RUNTIME, "%s: cannot create the C locale: %s", name, strerror(errno));
    goto out;
  }
  if (len >= 3 && memcmp(text, UTF8_BOM, 3) == 0) {
    text += 3;
    len -= 3;
  }
  if (feed_lines(&c, text, len) != 0 || check_usable(&c) != 0)
    goto out;
  rc = gb_interactions_new(c.triples, c.n_triples, log->users.count, log->items.count, &log->matrix,
                           err);
out:
  if (c.c_locale != (locale_t)0)
    freelocale(c.c_locale);
  free(c.fields);
  free(c.triples);
  if (rc != 0) {
    gb_eval_log_free(log);
    return -1;
  }
  *out = log;
  return 0;
}

int gb_eval_log_read(const char *path, gb_eval_format fmt, gb_eval_log **out, gb_err *err) {
  size_t len = 0;
  char *text = gb_afile_read_all(path, &len, err);
  if (!text)
    return -1;
  int rc = gb_eval_log_parse(path, text, len, fmt, out, err);
  free(text);
  return rc;
}

void gb_eval_log_free(gb_eval_log *log) {
  if (!log)
    return;
  names_free(&log->users);
  names_free(&log->items);
  gb_interactions_free(log->matrix);
  free(log);
}

size_t gb_eval_log_rows(const gb_eval_log *log) { return log->rows; }

size_t gb_eval_log_malformed(const gb_eval_log *log) { return log->malformed; }

const gb_eval_bad_row *gb_eval_log_bad(const gb_eval_log *log, size_t i) {
  GB_ASSERT(i < log->malformed && i < GB_EVAL_LOG_REPORTED);
  return &log->bad[i];
}

const gb_interactions *gb_eval_log_matrix(const gb_eval_log *log) { return log->matrix; }

const char *gb_eval_log_user(const gb_eval_log *log, uint32_t u) {
  GB_ASSERT(u < log->users.count);
  return log->users.text + log->users.off[u];
}

const char *gb_eval_log_item(const gb_eval_log *log, uint32_t i) {
  GB_ASSERT(i < log->items.count);
  return log->items.text + log->items.off[i];
}
