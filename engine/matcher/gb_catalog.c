/* gb_catalog: storage, attribute dictionary and hot-update queue. Parsing and compiling the
 * YAML/JSON text of definitions lives in gb_matcher_compile.c. */
#include "gb_catalog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_afile.h"
#include "gb_grow.h"
#include "gb_matcher_defs.h"
#include "gb_rng.h"

/* Open-addressing map from strings to uint32 (attribute names -> ids, definition ids ->
 * ordinals). Entries are never removed: ids and ordinals are never reused. */
typedef struct smap_entry {
  uint64_t hash; /* of the key (the caller's hash function) */
  char *key;     /* NUL-terminated copy */
  uint32_t len;
  uint32_t value;
} smap_entry;

typedef struct gb_smap {
  smap_entry *e; /* [cap], n used, in insertion order */
  uint32_t n;
  size_t cap;
  uint32_t *slots; /* entry index + 1; 0 = empty */
  size_t n_slots;
} gb_smap;

/* A queued hot update: an upsert (def) or a delete (id). */
typedef struct gb_change {
  int64_t effective_ms;
  gb_def *def;
  char *id;
} gb_change;

struct gb_catalog {
  gb_def **defs; /* by ordinal */
  size_t n_defs, cap_defs, n_active;
  gb_smap attrs; /* attribute name -> id */
  gb_smap ids;   /* definition id -> ordinal */
  gb_change *pending;
  size_t n_pending, cap_pending;
  uint32_t *log; /* ordinal changed by each applied change */
  size_t n_log, cap_log;
};

/* Seed of value hashes (any fixed value: the index only needs the same one everywhere). */
enum { VALUE_HASH_SEED = 0x76616c /* "val" */ };

uint64_t gb_value_hash_str(const char *s, size_t len) {
  return gb_hash_bytes(s, len, VALUE_HASH_SEED);
}

/* ---- open-addressing string -> uint32 map (attribute names, definition ids) ---- */

static void smap_free(gb_smap *m) {
  for (uint32_t i = 0; i < m->n; i++)
    free(m->e[i].key);
  free(m->e);
  free(m->slots);
  memset(m, 0, sizeof *m);
}

static uint32_t smap_probe(const gb_smap *m, const char *key, size_t len, uint64_t h) {
  size_t mask = m->n_slots - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    uint32_t s = m->slots[i];
    if (s == 0)
      return UINT32_MAX;
    s--;
    const smap_entry *e = &m->e[s];
    if (e->hash == h && e->len == len && gb_bytes_equal(e->key, key, len))
      return s;
  }
}

static int smap_find(const gb_smap *m, const char *key, size_t len, uint64_t h, uint32_t *value) {
  if (m->n == 0)
    return -1;
  uint32_t s = smap_probe(m, key, len, h);
  if (s == UINT32_MAX)
    return -1;
  *value = m->e[s].value;
  return 0;
}

static void smap_place(gb_smap *m, uint32_t entry) {
  size_t mask = m->n_slots - 1;
  size_t i = m->e[entry].hash & mask;
  while (m->slots[i] != 0)
    i = (i + 1) & mask;
  m->slots[i] = entry + 1;
}

/* Inserts key -> value (key must be absent). Returns 0 or -1 (out of memory). */
static int smap_add(gb_smap *m, const char *key, size_t len, uint64_t h, uint32_t value) {
  if (GB_GROW(m->e, m->cap, (size_t)m->n + 1, 16, "map entries", NULL) != 0)
    return -1;
  /* Keep the load factor at most 1/2 so that probes stay short (a rehash into a new table). */
  if ((size_t)(m->n + 1) * 2 > m->n_slots) {
    size_t n_slots = m->n_slots ? m->n_slots * 2 : 32;
    while ((size_t)(m->n + 1) * 2 > n_slots)
      n_slots *= 2;
    uint32_t *slots = calloc(n_slots, sizeof *slots);
    if (!slots)
      return -1;
    free(m->slots);
    m->slots = slots;
    m->n_slots = n_slots;
    for (uint32_t i = 0; i < m->n; i++)
      smap_place(m, i);
  }
  char *copy = malloc(len + 1);
  if (!copy)
    return -1;
  memcpy(copy, key, len);
  copy[len] = '\0';
  m->e[m->n] = (smap_entry){.hash = h, .key = copy, .len = (uint32_t)len, .value = value};
  smap_place(m, m->n);
  m->n++;
  return 0;
}

/* ---- catalogue ---- */

int gb_catalog_new(gb_catalog **out, gb_err *err) {
  gb_catalog *c = calloc(1, sizeof *c);
  if (!c)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a catalogue");
  *out = c;
  return 0;
}

void gb_catalog_free(gb_catalog *c) {
  if (!c)
    return;
  for (size_t i = 0; i < c->n_defs; i++)
    free(c->defs[i]);
  free(c->defs);
  for (size_t i = 0; i < c->n_pending; i++) {
    free(c->pending[i].def);
    free(c->pending[i].id);
  }
  free(c->pending);
  free(c->log);
  smap_free(&c->attrs);
  smap_free(&c->ids);
  free(c);
}

size_t gb_catalog_size(const gb_catalog *c) { return c->n_defs; }

size_t gb_catalog_active(const gb_catalog *c) { return c->n_active; }

const gb_challenge *gb_catalog_at(const gb_catalog *c, size_t ordinal) {
  return &c->defs[ordinal]->pub;
}

const gb_def *gb_catalog_def(const gb_catalog *c, size_t ordinal) { return c->defs[ordinal]; }

int gb_catalog_find(const gb_catalog *c, const char *id, size_t *ordinal) {
  size_t len = strlen(id);
  uint32_t ord;
  if (smap_find(&c->ids, id, len, gb_attrs_key_hash(id, len), &ord) != 0)
    return -1;
  if (!c->defs[ord]->pub.active)
    return -1;
  *ordinal = ord;
  return 0;
}

uint32_t gb_catalog_n_attrs(const gb_catalog *c) { return c->attrs.n; }

int gb_catalog_attr_id(const gb_catalog *c, const char *key, size_t len, uint64_t hash,
                       uint32_t *id) {
  return smap_find(&c->attrs, key, len, hash, id);
}

const char *gb_catalog_attr_name(const gb_catalog *c, uint32_t id) { return c->attrs.e[id].key; }

int gb_catalog_intern_attr(gb_catalog *c, const char *key, size_t len, uint32_t *id) {
  uint64_t h = gb_attrs_key_hash(key, len);
  if (smap_find(&c->attrs, key, len, h, id) == 0)
    return 0;
  *id = c->attrs.n;
  return smap_add(&c->attrs, key, len, h, *id);
}

uint64_t gb_catalog_generation(const gb_catalog *c) { return c->n_log; }

uint32_t gb_catalog_change(const gb_catalog *c, uint64_t g) { return c->log[g]; }

size_t gb_catalog_pending(const gb_catalog *c) { return c->n_pending; }

/* Makes room for one more logged change. Called before the catalogue changes, so that a
 * change is never applied without being logged (matchers would miss it). */
static int log_reserve(gb_catalog *c) {
  return GB_GROW(c->log, c->cap_log, c->n_log + 1, 64, "logged changes", NULL);
}

static void log_change(gb_catalog *c, uint32_t ordinal) { c->log[c->n_log++] = ordinal; }

int gb_catalog_has_id(const gb_catalog *c, const char *id, uint32_t *ordinal) {
  size_t len = strlen(id);
  return smap_find(&c->ids, id, len, gb_attrs_key_hash(id, len), ordinal);
}

int gb_catalog_put(gb_catalog *c, gb_def *d, bool log) {
  uint32_t ord;
  if (log && log_reserve(c) != 0)
    return -1;
  if (gb_catalog_has_id(c, d->pub.id, &ord) == 0) {
    gb_def *old = c->defs[ord];
    if (!old->pub.active)
      c->n_active++;
    d->pub.ordinal = ord;
    c->defs[ord] = d;
    free(old);
    if (log)
      log_change(c, ord);
    return 0;
  }
  if (c->n_defs >= UINT32_MAX - 1 ||
      GB_GROW(c->defs, c->cap_defs, c->n_defs + 1, 64, "definitions", NULL) != 0)
    return -1;
  ord = (uint32_t)c->n_defs;
  size_t len = strlen(d->pub.id);
  if (smap_add(&c->ids, d->pub.id, len, gb_attrs_key_hash(d->pub.id, len), ord) != 0)
    return -1;
  d->pub.ordinal = ord;
  c->defs[c->n_defs++] = d;
  c->n_active++;
  if (log)
    log_change(c, ord);
  return 0;
}

/* Queues a change keeping the queue sorted by (effective time, arrival). */
static int enqueue(gb_catalog *c, gb_change ch, gb_err *err) {
  if (GB_GROW(c->pending, c->cap_pending, c->n_pending + 1, 16, "queued catalogue changes", err) !=
      0)
    return -1;
  size_t lo = 0, hi = c->n_pending;
  while (lo < hi) { /* first position whose effective time is later than ch's */
    size_t mid = lo + (hi - lo) / 2;
    if (c->pending[mid].effective_ms <= ch.effective_ms)
      lo = mid + 1;
    else
      hi = mid;
  }
  memmove(&c->pending[lo + 1], &c->pending[lo], (c->n_pending - lo) * sizeof ch);
  c->pending[lo] = ch;
  c->n_pending++;
  return 0;
}

int gb_catalog_upsert(gb_catalog *c, const char *text, size_t len, int64_t effective_ms,
                      gb_err *err) {
  gb_def *d = NULL;
  if (gb_matcher_compile_one(c, text, len, "challenge_upsert", &d, err) != 0)
    return -1;
  gb_change ch = {.effective_ms = effective_ms, .def = d};
  if (enqueue(c, ch, err) != 0) {
    free(d);
    return -1;
  }
  return 0;
}

int gb_catalog_delete(gb_catalog *c, const char *id, int64_t effective_ms, gb_err *err) {
  if (!id || !id[0])
    return gb_err_set(err, GB_ERR_INPUT, "challenge_delete: empty challenge id");
  gb_change ch = {.effective_ms = effective_ms, .id = strdup(id)};
  if (!ch.id)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory queueing a catalogue change");
  if (enqueue(c, ch, err) != 0) {
    free(ch.id);
    return -1;
  }
  return 0;
}

int gb_catalog_apply_event(gb_catalog *c, const gb_event *ev, gb_err *err) {
  int64_t at = ev->u.control.effective_ts ? ev->u.control.effective_ts : ev->ts;
  if (ev->type == GB_EV_CHALLENGE_UPSERT) {
    if (!ev->u.control.definition)
      return gb_err_set(err, GB_ERR_INPUT, "challenge_upsert event %llu: no definition",
                        (unsigned long long)ev->event_id);
    return gb_catalog_upsert(c, ev->u.control.definition, ev->u.control.definition_len, at, err);
  }
  if (ev->type == GB_EV_CHALLENGE_DELETE)
    return gb_catalog_delete(c, ev->u.control.challenge_id, at, err);
  return gb_err_set(err, GB_ERR_INPUT, "event %llu: %s is not a catalogue change",
                    (unsigned long long)ev->event_id, gb_event_type_name(ev->type));
}

static void apply_delete(gb_catalog *c, const char *id) {
  uint32_t ord;
  if (gb_catalog_has_id(c, id, &ord) != 0 || !c->defs[ord]->pub.active)
    return;                /* documented: deleting an inactive id does nothing */
  if (log_reserve(c) != 0) /* applied on the hot path: never dropped, never applied unlogged */
    GB_FATAL("catalogue: out of memory logging the delete of '%s'", id);
  c->defs[ord]->pub.active = false;
  c->n_active--;
  log_change(c, ord);
}

size_t gb_catalog_advance(gb_catalog *c, int64_t now_ms) {
  size_t n = 0;
  while (n < c->n_pending && c->pending[n].effective_ms <= now_ms) {
    gb_change *ch = &c->pending[n];
    if (ch->def) {
      /* Applied on the hot path (the pipeline advances the catalogue with each event's sim
       * time): a change without room is neither dropped nor half-applied: the program stops. */
      if (gb_catalog_put(c, ch->def, true) != 0)
        GB_FATAL("catalogue: no room for the upsert of '%s' (out of memory, or 2^32 definitions)",
                 ch->def->pub.id);
    } else {
      apply_delete(c, ch->id);
      free(ch->id);
    }
    n++;
  }
  if (n == 0)
    return 0; /* the usual case, every event: nothing due (and maybe no queue allocated) */
  memmove(c->pending, c->pending + n, (c->n_pending - n) * sizeof *c->pending);
  c->n_pending -= n;
  return n;
}

int gb_catalog_parse(const char *text, size_t len, const char *name, gb_catalog **out,
                     gb_err *err) {
  gb_catalog *c = NULL;
  if (gb_catalog_new(&c, err) != 0)
    return gb_err_prefix(err, "%s: ", name);
  if (gb_matcher_compile_catalog(c, text, len, name, err) != 0) {
    gb_catalog_free(c);
    return -1;
  }
  *out = c;
  return 0;
}

int gb_catalog_load(const char *path, gb_catalog **out, gb_err *err) {
  size_t n = 0;
  char *buf = gb_afile_read_max(path, GB_CATALOG_FILE_MAX, "a challenge catalogue", &n, err);
  if (!buf)
    return -1;
  int rc = gb_catalog_parse(buf, n, path, out, err);
  free(buf);
  return rc;
}
