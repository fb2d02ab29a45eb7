#include "gb_idmap.h"

#include <stdbool.h>
#include <stdlib.h>

#include "gb_grow.h"
#include "gb_rng.h"

/* Two ways to find an id's slot, chosen per id:
 * - direct: ids below direct_cap index an array of slots. Platforms number their users densely
 *   (database sequences; the simulator numbers players 1..N), and then a lookup is one load in
 *   an array of 4 bytes per id: a tenth of the hash table's size, so it mostly stays in cache.
 * - hashed: every other id, in an open-addressing table.
 * The direct range grows (by doubling, moving the hashed ids it comes to cover) only while it
 * stays dense enough: at most DIRECT_PER_ID array entries per id seen, plus DIRECT_MIN. Sparse
 * ids (hashes, UUID halves) never grow it and cost what the table costs. */
enum {
  DIRECT_MIN = 1024, /* entries (4 KiB) the direct range may always have */
  DIRECT_PER_ID = 8, /* 8 entries x 4 bytes = the 32 bytes per id of the table at load 1/2 */
  TABLE_MIN = 64     /* buckets of the smallest table */
};
/* No slot (a direct entry or a table bucket); also what lookups return for "none". */
static const uint32_t EMPTY = UINT32_MAX;
/* Ids from here on are always hashed: the direct range never needs more than 2^31 entries. */
static const uint64_t DIRECT_ID_LIMIT = (uint64_t)1 << 31;

/* A bucket holds the id and its slot together: a lookup touches one cache line, not one in a
 * key array and another in a slot array. */
typedef struct cell {
  uint64_t key;  /* valid where slot != EMPTY */
  uint32_t slot; /* slot of key, or EMPTY */
} cell;

struct gb_idmap {
  uint32_t *direct;  /* [direct_cap]: slot of id, or EMPTY; ids below direct_cap are never hashed */
  size_t direct_cap; /* 0 or a power of two */
  cell *table;       /* NULL until the first hashed id */
  size_t mask;       /* table size - 1 */
  size_t n_hashed;   /* ids in the table */
  size_t expected;   /* sizing hint for the table */
  uint64_t *ids;     /* dense: id of each slot */
  size_t count, ids_cap;
};

static size_t bucket(const gb_idmap *m, uint64_t id) {
  return (size_t)gb_hash3(0, id, 0) & m->mask;
}

static cell *alloc_cells(size_t size) {
  cell *t = malloc(size * sizeof *t);
  for (size_t i = 0; t && i < size; i++)
    t[i] = (cell){.key = 0, .slot = EMPTY};
  return t;
}

int gb_idmap_new(size_t expected, gb_idmap **out, gb_err *err) {
  gb_idmap *m = calloc(1, sizeof *m);
  if (!m)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for an id map of %zu", expected);
  m->expected = expected;
  *out = m;
  return 0;
}

void gb_idmap_free(gb_idmap *m) {
  if (!m)
    return;
  free(m->direct);
  free(m->table);
  free(m->ids);
  free(m);
}

/* Puts (id, slot) in a table of mask + 1 buckets that has room. */
static void place(cell *t, size_t mask, uint64_t id, uint32_t slot) {
  size_t b = (size_t)gb_hash3(0, id, 0) & mask;
  while (t[b].slot != EMPTY)
    b = (b + 1) & mask;
  t[b] = (cell){.key = id, .slot = slot};
}

/* Rebuilds the table with size buckets, leaving out the ids the direct range covers: a rehash
 * into a new table, not an array's growth (the old one is read while the new one fills). The hot
 * path's rule all the same: out of memory stops the program. */
static void rebuild_table(gb_idmap *m, size_t size) {
  cell *t = alloc_cells(size);
  if (!t)
    GB_FATAL("id map: out of memory for a table of %zu ids", size);
  size_t n = 0;
  for (size_t i = 0; m->table && i <= m->mask; i++) {
    const cell *c = &m->table[i];
    if (c->slot == EMPTY || c->key < m->direct_cap)
      continue;
    place(t, size - 1, c->key, c->slot);
    n++;
  }
  free(m->table);
  m->table = t;
  m->mask = size - 1;
  m->n_hashed = n;
}

/* Grows the direct range to cover id when it stays dense enough: true when it now does, false
 * when id is to be hashed. */
static bool grow_direct(gb_idmap *m, uint64_t id) {
  if (id >= DIRECT_ID_LIMIT)
    return false;
  size_t cap = m->direct_cap ? m->direct_cap : DIRECT_MIN;
  while (cap <= id) /* the capacity GB_GROW_OR_DIE will give, for the density check */
    cap *= 2;
  if (cap > DIRECT_MIN + DIRECT_PER_ID * (m->count + 1))
    return false;
  size_t old_cap = m->direct_cap;
  GB_GROW_OR_DIE(m->direct, m->direct_cap, (size_t)id + 1, DIRECT_MIN, "direct id slots");
  for (size_t i = old_cap; i < m->direct_cap; i++)
    m->direct[i] = EMPTY;
  if (m->n_hashed == 0)
    return true;
  /* hashed ids the range now covers move to it */
  for (size_t i = 0; i <= m->mask; i++)
    if (m->table[i].slot != EMPTY && m->table[i].key < m->direct_cap)
      m->direct[m->table[i].key] = m->table[i].slot;
  rebuild_table(m, m->mask + 1);
  return true;
}

void gb_idmap_prefetch(const gb_idmap *m, uint64_t id) {
  if (id < m->direct_cap)
    __builtin_prefetch(&m->direct[id]);
  else if (m->table)
    __builtin_prefetch(&m->table[bucket(m, id)]);
}

/* The bucket of id in the table, or the empty one that ends its probe sequence. */
static cell *find_cell(const gb_idmap *m, uint64_t id) {
  size_t b = bucket(m, id);
  while (m->table[b].slot != EMPTY && m->table[b].key != id)
    b = (b + 1) & m->mask;
  return &m->table[b];
}

uint32_t gb_idmap_find(const gb_idmap *m, uint64_t id) {
  if (id < m->direct_cap)
    return m->direct[id]; /* EMPTY: none */
  return m->table ? find_cell(m, id)->slot : UINT32_MAX;
}

/* Records id as the owner of the next slot. */
static void add_id(gb_idmap *m, uint64_t id) {
  GB_GROW_OR_DIE(m->ids, m->ids_cap, m->count + 1, 64, "ids");
  m->ids[m->count++] = id;
}

/* Hashes the new id id as the owner of slot. */
static void add_hashed(gb_idmap *m, uint64_t id, uint32_t slot) {
  if (!m->table || (m->n_hashed + 1) * 2 > m->mask + 1) { /* keep the load factor <= 1/2 */
    size_t size = m->table ? (m->mask + 1) * 2 : TABLE_MIN;
    /* The very first id hashed: the ids are sparse, size the table for all those expected. */
    while (m->count == 1 && size < m->expected * 2)
      size *= 2;
    rebuild_table(m, size);
  }
  place(m->table, m->mask, id, slot);
  m->n_hashed++;
}

uint32_t gb_idmap_slot(gb_idmap *m, uint64_t id, int *is_new) {
  uint32_t slot = gb_idmap_find(m, id);
  if (is_new)
    *is_new = slot == UINT32_MAX;
  if (slot != UINT32_MAX)
    return slot;
  if (m->count >= EMPTY)
    GB_FATAL("id map: more than %u ids in one shard", EMPTY - 1); /* slots are 32-bit */
  slot = (uint32_t)m->count;
  /* Hot path: a failed growth stops the program (gb_grow.h's rule), in the helpers. */
  bool direct = id < m->direct_cap || grow_direct(m, id);
  add_id(m, id);
  if (direct)
    m->direct[id] = slot;
  else
    add_hashed(m, id, slot);
  return slot;
}

size_t gb_idmap_count(const gb_idmap *m) { return m->count; }

uint64_t gb_idmap_id_at(const gb_idmap *m, uint32_t slot) { return m->ids[slot]; }
