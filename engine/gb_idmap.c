#include "gb_idmap.h"

#include <stdlib.h>

#include "gb_rng.h"

/* A bucket holds the id and its slot together: a lookup touches one cache line, not one in a
 * key array and another in a slot array (the engine looks a player up on every event, and with
 * 10^5 players the table is far larger than the caches). */
typedef struct cell {
  uint64_t key;  /* valid where slot != EMPTY */
  uint32_t slot; /* slot of key, or EMPTY */
} cell;

struct gb_idmap {
  cell *table;
  size_t mask;   /* table size - 1 */
  uint64_t *ids; /* dense: id of each slot */
  size_t count, ids_cap;
};

enum { EMPTY = UINT32_MAX };

static size_t bucket(const gb_idmap *m, uint64_t id) {
  return (size_t)gb_hash3(0, id, 0) & m->mask;
}

static int alloc_table(gb_idmap *m, size_t size) {
  m->table = malloc(size * sizeof *m->table);
  if (!m->table)
    return -1;
  for (size_t i = 0; i < size; i++)
    m->table[i] = (cell){.key = 0, .slot = EMPTY};
  m->mask = size - 1;
  return 0;
}

int gb_idmap_new(size_t expected, gb_idmap **out, gb_err *err) {
  gb_idmap *m = calloc(1, sizeof *m);
  size_t size = 64;
  while (size < expected * 2) /* keep the load factor at or below 1/2 */
    size *= 2;
  if (!m || alloc_table(m, size) != 0) {
    gb_idmap_free(m);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for an id map of %zu", expected);
  }
  *out = m;
  return 0;
}

void gb_idmap_free(gb_idmap *m) {
  if (!m)
    return;
  free(m->table);
  free(m->ids);
  free(m);
}

static int grow(gb_idmap *m) {
  cell *old = m->table;
  size_t old_size = m->mask + 1;
  if (alloc_table(m, old_size * 2) != 0) {
    m->table = old;
    m->mask = old_size - 1;
    return -1;
  }
  for (size_t i = 0; i < old_size; i++) {
    if (old[i].slot == EMPTY)
      continue;
    size_t b = bucket(m, old[i].key);
    while (m->table[b].slot != EMPTY)
      b = (b + 1) & m->mask;
    m->table[b] = old[i];
  }
  free(old);
  return 0;
}

void gb_idmap_prefetch(const gb_idmap *m, uint64_t id) {
  __builtin_prefetch(&m->table[bucket(m, id)]);
}

uint32_t gb_idmap_find(const gb_idmap *m, uint64_t id) {
  for (size_t b = bucket(m, id);; b = (b + 1) & m->mask) {
    if (m->table[b].slot == EMPTY)
      return UINT32_MAX;
    if (m->table[b].key == id)
      return m->table[b].slot;
  }
}

uint32_t gb_idmap_slot(gb_idmap *m, uint64_t id, int *is_new) {
  size_t b = bucket(m, id);
  for (; m->table[b].slot != EMPTY; b = (b + 1) & m->mask) {
    if (m->table[b].key == id) {
      if (is_new)
        *is_new = 0;
      return m->table[b].slot;
    }
  }
  if ((m->count + 1) * 2 > m->mask + 1) {
    if (grow(m) != 0)
      return UINT32_MAX;
    return gb_idmap_slot(m, id, is_new);
  }
  if (m->count == m->ids_cap) {
    size_t cap = m->ids_cap ? m->ids_cap * 2 : 64;
    uint64_t *ids = realloc(m->ids, cap * sizeof *ids);
    if (!ids)
      return UINT32_MAX;
    m->ids = ids;
    m->ids_cap = cap;
  }
  uint32_t slot = (uint32_t)m->count++;
  m->ids[slot] = id;
  m->table[b] = (cell){.key = id, .slot = slot};
  if (is_new)
    *is_new = 1;
  return slot;
}

size_t gb_idmap_count(const gb_idmap *m) { return m->count; }

uint64_t gb_idmap_id_at(const gb_idmap *m, uint32_t slot) { return m->ids[slot]; }
