/* gb_callgrind: a callgrind.out reader (the format: valgrind's docs, "Callgrind Format
 * Specification"), line by line, keeping per function only what gb_callgrind.h promises. */
#include "gb_callgrind.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gb_afile.h"
#include "gb_grow.h"
#include "gb_rng.h"

enum {
  FIRST_FUNCTIONS = 1024,
  MAX_POSITIONS = 2,    /* "positions: instr line" at most */
  MAX_NAME_ID = 1 << 24 /* compressed name ids: callgrind numbers them from 0, densely */
};

typedef struct function {
  char *name; /* normalised */
  gb_callgrind_fn c;
} function;

struct gb_callgrind {
  function *fns;
  size_t n_fns, fns_cap;
  uint32_t *slots; /* open addressing over fns by name hash: index + 1, 0 = empty */
  size_t n_slots;
  uint64_t total;
  bool has_total;
  char *creator; /* "callgrind-3.19.0", or NULL */
};

/* What the reader holds between lines. */
typedef struct reader {
  gb_callgrind *cg;
  const char *name; /* for errors */
  size_t line;
  const char *text, *text_end; /* the line being read, for errors */
  gb_err *err;
  int positions; /* position columns before the costs */
  int ir_column; /* index of Ir among the events; -1 until "events:" */
  uint32_t *ids; /* compressed function name id -> index + 1 */
  size_t ids_cap;
  size_t fn;              /* the current function (fn=), SIZE_MAX before any */
  size_t callee;          /* the target of the next calls= (cfn=) */
  bool call_pending;      /* the next cost line is a call's inclusive cost */
  uint64_t pending_calls; /* its count */
  bool position_pending;  /* the next line is a jump's position: no cost */
  uint64_t summary;
  bool has_summary;
} reader;

enum { QUOTED_MAX = 80 /* of the line quoted in an error */ };

static int fail(reader *r, const char *reason) {
  int len = r->text ? (int)(r->text_end - r->text) : 0;
  return gb_err_set(r->err, GB_ERR_INPUT, "%s:%zu: %s%s%.*s%s", r->name, r->line, reason,
                    len ? ": '" : "", len > QUOTED_MAX ? QUOTED_MAX : len, r->text,
                    len > QUOTED_MAX ? "...'"
                    : len            ? "'"
                                     : "");
}

/* ---- names */

static bool ident_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* The length of name's normalised form: up to a recursion suffix ('), and for a C identifier
 * up to a compiler's suffix (".lto_priv.0", ".part.0", ".cold": a dot after the identifier). */
static size_t normalised_length(const char *name, size_t len) {
  const char *tick = memchr(name, '\'', len);
  if (tick)
    len = (size_t)(tick - name);
  size_t i = 0;
  while (i < len && ident_char(name[i]))
    i++;
  if (i > 0 && i < len && name[i] == '.' && !isdigit((unsigned char)name[0]))
    return i;
  return len;
}

static size_t find_slot(const gb_callgrind *cg, const char *name, size_t len, bool *found) {
  size_t mask = cg->n_slots - 1;
  size_t i = (size_t)gb_hash_bytes(name, len, 0) & mask;
  for (;; i = (i + 1) & mask) {
    uint32_t s = cg->slots[i];
    if (s == 0) {
      *found = false;
      return i;
    }
    const char *other = cg->fns[s - 1].name;
    if (strlen(other) == len && memcmp(other, name, len) == 0) {
      *found = true;
      return i;
    }
  }
}

/* Doubles the hash table when it is half full. */
static int rehash(gb_callgrind *cg, gb_err *err) {
  if (cg->n_slots != 0 && cg->n_fns * 2 < cg->n_slots)
    return 0;
  size_t n = cg->n_slots ? cg->n_slots * 2 : FIRST_FUNCTIONS * 2;
  uint32_t *slots = calloc(n, sizeof *slots);
  if (!slots)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for %zu function slots", n);
  free(cg->slots);
  cg->slots = slots;
  cg->n_slots = n;
  for (size_t k = 0; k < cg->n_fns; k++) {
    bool found;
    size_t i = find_slot(cg, cg->fns[k].name, strlen(cg->fns[k].name), &found);
    cg->slots[i] = (uint32_t)(k + 1);
  }
  return 0;
}

/* The index of the function named name[0..len) (normalised here), added if new; -1 with err
 * when out of memory. */
static int intern(gb_callgrind *cg, const char *name, size_t len, size_t *index, gb_err *err) {
  len = normalised_length(name, len);
  if (rehash(cg, err) != 0)
    return -1;
  bool found;
  size_t i = find_slot(cg, name, len, &found);
  if (found) {
    *index = cg->slots[i] - 1;
    return 0;
  }
  if (GB_GROW(cg->fns, cg->fns_cap, cg->n_fns + 1, FIRST_FUNCTIONS, "functions", err) != 0)
    return -1;
  char *copy = strndup(name, len);
  if (!copy)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a function name");
  cg->fns[cg->n_fns] = (function){.name = copy};
  cg->slots[i] = (uint32_t)(cg->n_fns + 1);
  *index = cg->n_fns++;
  return 0;
}

/* A name specification: "(id) name" defines id, "(id)" refers to it, "name" is uncompressed. */
static int read_name(reader *r, const char *s, const char *end, size_t *index) {
  while (s < end && *s == ' ')
    s++;
  if (s < end && *s == '(') {
    char *after;
    errno = 0;
    unsigned long id = strtoul(s + 1, &after, 10);
    if (after == s + 1 || after >= end || *after != ')' || errno != 0 || id >= MAX_NAME_ID)
      return fail(r, "malformed name id");
    s = after + 1;
    while (s < end && *s == ' ')
      s++;
    if (s == end) { /* a reference */
      if (id >= r->ids_cap || r->ids[id] == 0)
        return fail(r, "name id used before it is defined");
      *index = r->ids[id] - 1;
      return 0;
    }
    if (GB_GROW(r->ids, r->ids_cap, id + 1, 1024, "name ids", r->err) != 0 ||
        intern(r->cg, s, (size_t)(end - s), index, r->err) != 0)
      return -1;
    r->ids[id] = (uint32_t)(*index + 1);
    return 0;
  }
  if (s == end)
    return fail(r, "empty function name");
  return intern(r->cg, s, (size_t)(end - s), index, r->err);
}

/* ---- numbers */

/* The unsigned decimal number at *s (skipping spaces), moving *s past it; false when none. */
static bool read_u64(const char **s, const char *end, uint64_t *out) {
  const char *p = *s;
  while (p < end && *p == ' ')
    p++;
  if (p == end || !isdigit((unsigned char)*p))
    return false;
  uint64_t v = 0;
  for (; p < end && isdigit((unsigned char)*p); p++) {
    unsigned d = (unsigned)(*p - '0');
    if (v > (UINT64_MAX - d) / 10)
      return false;
    v = v * 10 + d;
  }
  *s = p;
  *out = v;
  return true;
}

/* Skips one position token ("12", "+3", "-1", "*", "0x4f2a"): false when none. */
static bool skip_position(const char **s, const char *end) {
  const char *p = *s;
  while (p < end && *p == ' ')
    p++;
  const char *start = p;
  while (p < end && *p != ' ')
    p++;
  *s = p;
  return p > start;
}

/* The Ir of a cost line (0 when its columns stop before Ir's). */
static int cost_ir(reader *r, const char *s, const char *end, uint64_t *ir) {
  for (int i = 0; i < r->positions; i++)
    if (!skip_position(&s, end))
      return fail(r, "cost line without its position");
  *ir = 0;
  for (int i = 0; i <= r->ir_column; i++) {
    uint64_t v;
    while (s < end && *s == ' ')
      s++;
    if (s == end)
      return 0; /* trailing zero columns may be left out */
    if (!read_u64(&s, end, &v))
      return fail(r, "malformed cost");
    if (i == r->ir_column)
      *ir = v;
  }
  return 0;
}

/* ---- lines */

static bool starts(const char *s, const char *end, const char *prefix, const char **rest) {
  size_t n = strlen(prefix);
  if ((size_t)(end - s) < n || memcmp(s, prefix, n) != 0)
    return false;
  *rest = s + n;
  return true;
}

/* "events: Ir Dr ..." -> the column of Ir. */
static int read_events(reader *r, const char *s, const char *end) {
  int column = 0;
  while (s < end) {
    while (s < end && *s == ' ')
      s++;
    const char *word = s;
    while (s < end && *s != ' ')
      s++;
    if (s > word) {
      if (s - word == 2 && memcmp(word, "Ir", 2) == 0) {
        r->ir_column = column;
        return 0;
      }
      column++;
    }
  }
  return fail(r, "the profile has no Ir event (instructions): record it with --tool=callgrind");
}

static int read_positions(reader *r, const char *s, const char *end) {
  int n = 0;
  while (s < end) {
    while (s < end && *s == ' ')
      s++;
    const char *word = s;
    while (s < end && *s != ' ')
      s++;
    n += s > word;
  }
  if (n < 1 || n > MAX_POSITIONS)
    return fail(r, "unsupported positions line");
  r->positions = n;
  return 0;
}

/* "summary: N ..." or "totals: N ...": the Ir column. */
static int read_total(reader *r, const char *s, const char *end, uint64_t *out) {
  if (r->ir_column < 0)
    return fail(r, "totals before the events line");
  uint64_t v = 0;
  for (int i = 0; i <= r->ir_column; i++)
    if (!read_u64(&s, end, &v))
      return fail(r, "malformed totals");
  *out = v;
  return 0;
}

/* A cost line: the current function's own cost, or the pending call's inclusive cost. */
static int read_cost(reader *r, const char *s, const char *end) {
  if (r->position_pending) {
    r->position_pending = false;
    return 0;
  }
  if (r->fn == SIZE_MAX)
    return fail(r, "cost line before any fn= line");
  if (r->ir_column < 0)
    return fail(r, "cost line before the events line");
  uint64_t ir;
  if (cost_ir(r, s, end, &ir) != 0)
    return -1;
  function *f = &r->cg->fns[r->fn];
  if (!r->call_pending) {
    f->c.self += ir;
    return 0;
  }
  r->call_pending = false;
  if (r->callee == r->fn)
    return 0; /* recursion: already in the self count */
  f->c.inclusive += ir;
  r->cg->fns[r->callee].c.calls += r->pending_calls;
  return 0;
}

static int read_line(reader *r, const char *s, const char *end) {
  const char *rest;
  if (s == end || *s == '#')
    return 0;
  if (r->call_pending && !(isdigit((unsigned char)*s) || *s == '+' || *s == '-' || *s == '*'))
    return fail(r, "calls= line without its cost line");
  if (isdigit((unsigned char)*s) || *s == '+' || *s == '-' || *s == '*')
    return read_cost(r, s, end);
  if (starts(s, end, "fn=", &rest))
    return read_name(r, rest, end, &r->fn);
  if (starts(s, end, "cfn=", &rest) || starts(s, end, "cfni=", &rest))
    return read_name(r, rest, end, &r->callee);
  if (starts(s, end, "calls=", &rest)) {
    if (r->fn == SIZE_MAX || r->callee == SIZE_MAX)
      return fail(r, "calls= line before its fn= and cfn= lines");
    if (!read_u64(&rest, end, &r->pending_calls))
      return fail(r, "malformed calls= count");
    r->call_pending = true;
    return 0;
  }
  if (starts(s, end, "jump=", &rest) || starts(s, end, "jcnd=", &rest)) {
    r->position_pending = true; /* its source position follows on a line of its own */
    return 0;
  }
  if (starts(s, end, "events:", &rest))
    return read_events(r, rest, end);
  if (starts(s, end, "positions:", &rest))
    return read_positions(r, rest, end);
  if (starts(s, end, "summary:", &rest)) {
    r->has_summary = true;
    return read_total(r, rest, end, &r->summary);
  }
  if (starts(s, end, "creator:", &rest) && !r->cg->creator) {
    while (rest < end && *rest == ' ')
      rest++;
    r->cg->creator = strndup(rest, (size_t)(end - rest));
    return r->cg->creator ? 0 : gb_err_set(r->err, GB_ERR_RUNTIME, "out of memory");
  }
  if (starts(s, end, "totals:", &rest)) {
    r->cg->has_total = true;
    return read_total(r, rest, end, &r->cg->total);
  }
  /* ob= fl= fi= fe= cob= cfi= cfl= (objects and files), version:, creator:, cmd:, part:,
   * desc:, pid:, thread:, event: — nothing here depends on them. A file name's compression
   * ids are its own namespace, apart from functions'. */
  return 0;
}

static int parse(reader *r, const char *text, size_t len) {
  const char *p = text, *end = text + len;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *line_end = nl ? nl : end;
    const char *e = line_end;
    while (e > p && (e[-1] == '\r' || e[-1] == ' '))
      e--;
    r->line++;
    r->text = p;
    r->text_end = e;
    if (read_line(r, p, e) != 0)
      return -1;
    p = nl ? nl + 1 : end;
  }
  r->line++;
  r->text = NULL;
  if (r->call_pending)
    return fail(r, "calls= line without its cost line at the end");
  if (r->ir_column < 0)
    return fail(r, "no events line: not a callgrind profile");
  return 0;
}

int gb_callgrind_parse(const char *name, const char *text, size_t len, gb_callgrind **out,
                       gb_err *err) {
  gb_callgrind *cg = calloc(1, sizeof *cg);
  if (!cg)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  reader r = {.cg = cg,
              .name = name,
              .err = err,
              .positions = 1,
              .ir_column = -1,
              .fn = SIZE_MAX,
              .callee = SIZE_MAX};
  int rc = parse(&r, text, len);
  free(r.ids);
  if (rc != 0) {
    gb_callgrind_free(cg);
    return -1;
  }
  uint64_t self = 0;
  for (size_t i = 0; i < cg->n_fns; i++) {
    cg->fns[i].c.inclusive += cg->fns[i].c.self;
    self += cg->fns[i].c.self;
  }
  if (!cg->has_total)
    cg->total = r.has_summary ? r.summary : self;
  *out = cg;
  return 0;
}

int gb_callgrind_load(const char *path, gb_callgrind **out, gb_err *err) {
  size_t len;
  char *text = gb_afile_read_all(path, &len, err);
  if (!text)
    return -1;
  int rc = gb_callgrind_parse(path, text, len, out, err);
  free(text);
  return rc;
}

void gb_callgrind_free(gb_callgrind *cg) {
  if (!cg)
    return;
  for (size_t i = 0; i < cg->n_fns; i++)
    free(cg->fns[i].name);
  free(cg->fns);
  free(cg->slots);
  free(cg->creator);
  free(cg);
}

uint64_t gb_callgrind_total(const gb_callgrind *cg) { return cg->total; }

const char *gb_callgrind_creator(const gb_callgrind *cg) {
  return cg->creator ? cg->creator : "unknown";
}

bool gb_callgrind_function(const gb_callgrind *cg, const char *name, gb_callgrind_fn *out) {
  *out = (gb_callgrind_fn){0};
  if (cg->n_slots == 0)
    return false;
  bool found;
  size_t i = find_slot(cg, name, normalised_length(name, strlen(name)), &found);
  if (found)
    *out = cg->fns[cg->slots[i] - 1].c;
  return found;
}

size_t gb_callgrind_functions(const gb_callgrind *cg) { return cg->n_fns; }
