#include "gb_decision_log.h"

#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"

/* First capacities: a shard decides for about a third of its events (every game_end) and hears
 * back on about one decision in ten. */
enum { FIRST_DECISIONS = 1024, FIRST_OUTCOMES = 256 };

typedef struct outcome_rec {
  uint64_t decision_id;
  uint8_t outcome; /* gb_decision_outcome */
} outcome_rec;

struct gb_decision_log {
  gb_decision_entry *entries;
  size_t n, cap;
  outcome_rec *outcomes;
  size_t n_outcomes, cap_outcomes;
  gb_reco_targets *targets; /* of the logging arms' decisions */
  uint32_t *cands;          /* every decision's candidates, back to back */
  size_t n_cands, cap_cands;
  size_t n_targets, cap_targets;
};

static const char *const outcome_names[GB_OUTCOME__COUNT] = {
    [GB_OUTCOME_NONE] = "none",           [GB_OUTCOME_SHOWN] = "shown",
    [GB_OUTCOME_EXPIRED] = "expired",     [GB_OUTCOME_DISCARDED] = "discarded",
    [GB_OUTCOME_USED] = "used",           [GB_OUTCOME_FAILED] = "failed",
    [GB_OUTCOME_COMPLETED] = "completed",
};

const char *gb_decision_outcome_name(gb_decision_outcome o) {
  return (unsigned)o < GB_OUTCOME__COUNT ? outcome_names[o] : "unknown";
}

int gb_decision_outcome_parse(const char *name, gb_decision_outcome *out) {
  for (int o = 0; o < GB_OUTCOME__COUNT; o++)
    if (strcmp(name, outcome_names[o]) == 0) {
      *out = (gb_decision_outcome)o;
      return 0;
    }
  return -1;
}

gb_decision_outcome gb_decision_outcome_of(gb_event_type type) {
  switch (type) {
  case GB_EV_PROP_SHOWN:
    return GB_OUTCOME_SHOWN;
  case GB_EV_PROP_USED:
    return GB_OUTCOME_USED;
  case GB_EV_PROP_DISCARDED:
    return GB_OUTCOME_DISCARDED;
  case GB_EV_PROP_EXPIRED:
    return GB_OUTCOME_EXPIRED;
  default:
    return GB_OUTCOME_NONE;
  }
}

int gb_decision_log_new(size_t expected_decisions, gb_decision_log **out, gb_err *err) {
  gb_decision_log *l = calloc(1, sizeof *l);
  if (!l)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the decision log");
  if (GB_GROW(l->entries, l->cap, expected_decisions, FIRST_DECISIONS, "logged decisions", err) !=
      0) {
    gb_decision_log_free(l);
    return -1;
  }
  *out = l;
  return 0;
}

void gb_decision_log_free(gb_decision_log *l) {
  if (!l)
    return;
  free(l->entries);
  free(l->outcomes);
  free(l->targets);
  free(l->cands);
  free(l);
}

void gb_decision_log_add(gb_decision_log *l, const gb_decision *d, const gb_feature_vec *features,
                         const gb_reco_targets *targets) {
  GB_GROW_OR_DIE(l->entries, l->cap, l->n + 1, FIRST_DECISIONS, "logged decisions");
  int32_t t = -1;
  if (targets && targets->n > 0) {
    GB_GROW_OR_DIE(l->targets, l->cap_targets, l->n_targets + 1, FIRST_OUTCOMES,
                   "logged target choices");
    l->targets[l->n_targets] = *targets;
    t = (int32_t)l->n_targets++;
  }
  l->entries[l->n++] = (gb_decision_entry){.decision_id = d->decision_id,
                                           .player_id = d->player_id,
                                           .prop_id = d->prop_id,
                                           .ts = d->ts,
                                           .propensity = d->propensity,
                                           .n_eligible = d->n_eligible,
                                           .chosen = d->chosen,
                                           .arm = d->arm,
                                           .targets = t,
                                           .n_candidates = d->n_candidates,
                                           .candidates_at = (uint32_t)l->n_cands,
                                           .features = *features};
  if (d->n_candidates == 0)
    return; /* no room to make: memcpy to a still NULL array is undefined, even for 0 bytes */
  GB_GROW_OR_DIE(l->cands, l->cap_cands, l->n_cands + d->n_candidates, 4096, "logged candidates");
  memcpy(l->cands + l->n_cands, d->candidates, d->n_candidates * sizeof *l->cands);
  l->n_cands += d->n_candidates;
}

const uint32_t *gb_decision_log_candidates(const gb_decision_log *l, const gb_decision_entry *e,
                                           size_t *n) {
  *n = e->n_candidates;
  return l->cands ? l->cands + e->candidates_at : NULL;
}

const gb_reco_targets *gb_decision_log_targets(const gb_decision_log *l,
                                               const gb_decision_entry *e) {
  return e->targets >= 0 && (size_t)e->targets < l->n_targets ? &l->targets[e->targets] : NULL;
}

void gb_decision_log_outcome(gb_decision_log *l, uint64_t decision_id, gb_decision_outcome o) {
  if (decision_id == 0 || o == GB_OUTCOME_NONE || (unsigned)o >= GB_OUTCOME__COUNT)
    return;
  GB_GROW_OR_DIE(l->outcomes, l->cap_outcomes, l->n_outcomes + 1, FIRST_OUTCOMES,
                 "logged outcomes");
  l->outcomes[l->n_outcomes++] = (outcome_rec){.decision_id = decision_id, .outcome = (uint8_t)o};
}

const gb_decision_entry *gb_decision_log_entries(const gb_decision_log *l, size_t *n) {
  *n = l->n;
  return l->entries;
}

size_t gb_decision_log_outcomes(const gb_decision_log *l) { return l->n_outcomes; }

size_t gb_decision_log_memory(const gb_decision_log *l) {
  return sizeof *l + l->cap * sizeof *l->entries + l->cap_outcomes * sizeof *l->outcomes;
}

/* ---- the join */

/* By decision_id, then log index, then place in the log: a total order, so that qsort (which
 * is not stable) gives the same rows every time. */
static int by_decision(const void *pa, const void *pb) {
  const gb_decision_row *a = pa, *b = pb;
  uint64_t ia = a->entry->decision_id, ib = b->entry->decision_id;
  if (ia != ib)
    return ia < ib ? -1 : 1;
  if (a->log != b->log)
    return a->log < b->log ? -1 : 1;
  return a->entry < b->entry ? -1 : a->entry > b->entry; /* the same log's array */
}

static int by_outcome_decision(const void *pa, const void *pb) {
  const outcome_rec *a = pa, *b = pb;
  if (a->decision_id != b->decision_id)
    return a->decision_id < b->decision_id ? -1 : 1;
  return (a->outcome > b->outcome) - (a->outcome < b->outcome);
}

/* Every decision of every log into *out (NULL when there are none), sorted, duplicates after
 * the first dropped; *n their count. 0, or -1 when out of memory. */
static int sorted_rows(const gb_decision_log *const *logs, size_t n_logs, gb_decision_row **out,
                       size_t *n, gb_err *err) {
  size_t total = 0;
  for (size_t i = 0; i < n_logs; i++)
    total += logs[i]->n;
  *out = NULL;
  *n = 0;
  if (total == 0)
    return 0;
  gb_decision_row *rows = malloc(total * sizeof *rows);
  if (!rows)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory joining %zu logged decisions", total);
  size_t k = 0;
  for (size_t i = 0; i < n_logs; i++)
    for (size_t j = 0; j < logs[i]->n; j++)
      rows[k++] = (gb_decision_row){.entry = &logs[i]->entries[j], .log = (uint32_t)i};
  qsort(rows, total, sizeof *rows, by_decision);
  size_t kept = 0;
  for (size_t i = 0; i < total; i++)
    if (kept == 0 || rows[kept - 1].entry->decision_id != rows[i].entry->decision_id)
      rows[kept++] = rows[i];
  *out = rows;
  *n = kept;
  return 0;
}

/* Every outcome record of every log into *out (NULL when there are none), sorted by
 * decision_id; *n their count. 0, or -1 when out of memory. */
static int sorted_outcomes(const gb_decision_log *const *logs, size_t n_logs, outcome_rec **out,
                           size_t *n, gb_err *err) {
  size_t total = 0;
  for (size_t i = 0; i < n_logs; i++)
    total += logs[i]->n_outcomes;
  *out = NULL;
  *n = 0;
  if (total == 0)
    return 0;
  outcome_rec *all = malloc(total * sizeof *all);
  if (!all)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory joining %zu logged outcomes", total);
  size_t k = 0;
  for (size_t i = 0; i < n_logs; i++) {
    if (logs[i]->n_outcomes == 0)
      continue; /* its array may not exist yet */
    memcpy(all + k, logs[i]->outcomes, logs[i]->n_outcomes * sizeof *all);
    k += logs[i]->n_outcomes;
  }
  qsort(all, total, sizeof *all, by_outcome_decision);
  *out = all;
  *n = total;
  return 0;
}

/* Both sorted by decision_id: one walk gives each row the strongest of its records. */
static void apply_outcomes(gb_decision_row *rows, size_t n_rows, const outcome_rec *outs,
                           size_t n_outs) {
  size_t j = 0;
  for (size_t i = 0; i < n_rows; i++) {
    uint64_t id = rows[i].entry->decision_id;
    rows[i].outcome = GB_OUTCOME_NONE;
    while (j < n_outs && outs[j].decision_id < id)
      j++;
    for (; j < n_outs && outs[j].decision_id == id; j++)
      if (outs[j].outcome > rows[i].outcome)
        rows[i].outcome = (gb_decision_outcome)outs[j].outcome;
  }
}

int gb_decision_log_join(const gb_decision_log *const *logs, size_t n_logs, gb_decision_row **rows,
                         size_t *n_rows, gb_err *err) {
  gb_decision_row *r;
  outcome_rec *outs;
  size_t n, n_outs;
  if (sorted_rows(logs, n_logs, &r, &n, err) != 0)
    return -1;
  if (sorted_outcomes(logs, n_logs, &outs, &n_outs, err) != 0) {
    free(r);
    return -1;
  }
  apply_outcomes(r, n, outs, n_outs);
  free(outs);
  *rows = r;
  *n_rows = n;
  return 0;
}
