#include "gb_sim_truth.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"

/* First capacities: a short run's decisions of one arm fit without regrowth. */
enum { FIRST_RECORDS = 1024, FIRST_CANDIDATES = 8192 };

typedef struct record {
  uint64_t decision_id;
  uint32_t off; /* of its first candidate in the pools */
  uint16_t arm;
  uint8_t n;
  bool next_round;
} record;

_Static_assert(sizeof(record) == 16, "record: 16 bytes, as the header says");

struct gb_sim_truth {
  record *recs;
  size_t n_recs, cap_recs;
  uint32_t *cand, *p_e9; /* the pools, appended together */
  size_t n_cand, cap_cand, cap_p;
  bool sorted; /* by decision_id, without duplicates: made by gb_sim_truth_merge */
};

int gb_sim_truth_new(size_t expected_decisions, gb_sim_truth **out, gb_err *err) {
  *out = NULL;
  gb_sim_truth *t = calloc(1, sizeof *t);
  if (!t)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the ground-truth log");
  if (expected_decisions > 0 && GB_GROW(t->recs, t->cap_recs, expected_decisions,
                                        expected_decisions, "ground-truth decisions", err) != 0) {
    free(t);
    return -1;
  }
  *out = t;
  return 0;
}

void gb_sim_truth_free(gb_sim_truth *t) {
  if (!t)
    return;
  free(t->recs);
  free(t->cand);
  free(t->p_e9);
  free(t);
}

static uint32_t fixed_point(double p) {
  double c = p > 0 ? (p < 1 ? p : 1) : 0; /* NaN becomes 0 */
  return (uint32_t)llround(c * GB_SIM_TRUTH_SCALE);
}

void gb_sim_truth_add(gb_sim_truth *t, uint64_t decision_id, uint16_t arm, bool next_round,
                      const uint32_t *candidates, const double *p, size_t n) {
  GB_ASSERT(n <= UINT8_MAX && t->n_cand + n <= UINT32_MAX);
  GB_GROW_OR_DIE(t->recs, t->cap_recs, t->n_recs + 1, FIRST_RECORDS, "ground-truth decisions");
  GB_GROW_OR_DIE(t->cand, t->cap_cand, t->n_cand + n, FIRST_CANDIDATES, "ground-truth candidates");
  GB_GROW_OR_DIE(t->p_e9, t->cap_p, t->n_cand + n, FIRST_CANDIDATES, "ground-truth probabilities");
  t->recs[t->n_recs++] = (record){.decision_id = decision_id,
                                  .off = (uint32_t)t->n_cand,
                                  .arm = arm,
                                  .n = (uint8_t)n,
                                  .next_round = next_round};
  for (size_t i = 0; i < n; i++) {
    t->cand[t->n_cand + i] = candidates[i];
    t->p_e9[t->n_cand + i] = fixed_point(p[i]);
  }
  t->n_cand += n;
  t->sorted = false;
}

size_t gb_sim_truth_count(const gb_sim_truth *t) { return t->n_recs; }

static gb_sim_truth_entry entry_of(const gb_sim_truth *t, const record *r) {
  /* (the pools are NULL while no candidate was added: no offset on a null pointer) */
  return (gb_sim_truth_entry){.decision_id = r->decision_id,
                              .arm = r->arm,
                              .next_round = r->next_round,
                              .n = r->n,
                              .candidates = r->n ? t->cand + r->off : NULL,
                              .p_e9 = r->n ? t->p_e9 + r->off : NULL};
}

gb_sim_truth_entry gb_sim_truth_at(const gb_sim_truth *t, size_t i) {
  GB_ASSERT(i < t->n_recs);
  return entry_of(t, &t->recs[i]);
}

double gb_sim_truth_p(const gb_sim_truth_entry *e, size_t i) {
  return e->p_e9[i] / GB_SIM_TRUTH_SCALE;
}

size_t gb_sim_truth_memory(const gb_sim_truth *t) {
  return sizeof *t + t->cap_recs * sizeof *t->recs + t->cap_cand * sizeof *t->cand +
         t->cap_p * sizeof *t->p_e9;
}

/* ---- merging */

/* A record of one of the merged logs. */
typedef struct ref {
  uint64_t decision_id;
  size_t log, rec;
} ref;

static int by_id_then_log(const void *a, const void *b) {
  const ref *x = a, *y = b;
  if (x->decision_id != y->decision_id)
    return x->decision_id < y->decision_id ? -1 : 1;
  if (x->log != y->log)
    return x->log < y->log ? -1 : 1;
  return (x->rec > y->rec) - (x->rec < y->rec);
}

/* Every record of the logs, sorted; *n their count. NULL when out of memory. */
static ref *sorted_refs(const gb_sim_truth *const *logs, size_t n_logs, size_t *n) {
  *n = 0;
  for (size_t l = 0; l < n_logs; l++)
    *n += logs[l] ? logs[l]->n_recs : 0;
  ref *refs = malloc((*n ? *n : 1) * sizeof *refs);
  size_t k = 0;
  for (size_t l = 0; refs && l < n_logs; l++)
    for (size_t i = 0; logs[l] && i < logs[l]->n_recs; i++)
      refs[k++] = (ref){.decision_id = logs[l]->recs[i].decision_id, .log = l, .rec = i};
  if (refs)
    qsort(refs, *n, sizeof *refs, by_id_then_log);
  return refs;
}

int gb_sim_truth_merge(const gb_sim_truth *const *logs, size_t n_logs, gb_sim_truth **out,
                       gb_err *err) {
  *out = NULL;
  size_t n = 0, cands = 0;
  ref *refs = sorted_refs(logs, n_logs, &n);
  if (!refs)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory merging %zu ground-truth decisions", n);
  for (size_t i = 0; i < n; i++)
    if (i == 0 || refs[i].decision_id != refs[i - 1].decision_id)
      cands += logs[refs[i].log]->recs[refs[i].rec].n;
  gb_sim_truth *t = NULL;
  int rc = gb_sim_truth_new(n, &t, err);
  if (rc == 0 && cands > 0) {
    rc = GB_GROW(t->cand, t->cap_cand, cands, cands, "ground-truth candidates", err);
    if (rc == 0)
      rc = GB_GROW(t->p_e9, t->cap_p, cands, cands, "ground-truth probabilities", err);
  }
  for (size_t i = 0; rc == 0 && i < n; i++) {
    if (i > 0 && refs[i].decision_id == refs[i - 1].decision_id)
      continue; /* a duplicate: the lowest log's record came first */
    const gb_sim_truth *src = logs[refs[i].log];
    gb_sim_truth_entry e = entry_of(src, &src->recs[refs[i].rec]);
    record *r = &t->recs[t->n_recs++];
    *r = (record){.decision_id = e.decision_id,
                  .off = (uint32_t)t->n_cand,
                  .arm = e.arm,
                  .n = (uint8_t)e.n,
                  .next_round = e.next_round};
    if (e.n > 0) {
      memcpy(t->cand + t->n_cand, e.candidates, e.n * sizeof *t->cand);
      memcpy(t->p_e9 + t->n_cand, e.p_e9, e.n * sizeof *t->p_e9);
      t->n_cand += e.n;
    }
  }
  free(refs);
  if (rc != 0) {
    gb_sim_truth_free(t);
    return -1;
  }
  t->sorted = true;
  *out = t;
  return 0;
}

bool gb_sim_truth_find(const gb_sim_truth *t, uint64_t decision_id, gb_sim_truth_entry *out) {
  if (!t->sorted)
    GB_FATAL("gb_sim_truth_find on a log that gb_sim_truth_merge did not make");
  size_t lo = 0, hi = t->n_recs;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (t->recs[mid].decision_id < decision_id)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo == t->n_recs || t->recs[lo].decision_id != decision_id)
    return false;
  *out = entry_of(t, &t->recs[lo]);
  return true;
}
