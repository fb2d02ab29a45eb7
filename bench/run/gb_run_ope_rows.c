/* The off-policy evaluation of a run: the logging arm's decisions (gb_reco's target choices,
 * logged by the shards), joined with the simulators' ground truth of each decision
 * (gb_sim_truth), as the rows gb_ope reads — one set of rows per target arm. */
#include "gb_run_int.h"

#include <stdlib.h>
#include <string.h>

#include "gb_algo.h"
#include "gb_decision_log.h"

/* The first arm whose algorithm logs with exact propensities and has at least one target: the
 * log of off-policy evaluation (SIZE_MAX when none). */
size_t gb_run_ope_logging_arm(const gb_arms *arms) {
  size_t n = gb_arms_count(arms);
  for (size_t a = 0; a < n; a++) {
    const gb_algo_ops *ops = gb_algo_find(gb_arms_algorithm(arms, a));
    if (!ops || !ops->logging)
      continue;
    for (size_t t = 0; t < n; t++)
      if (gb_reco_is_target(arms, a, t))
        return a;
  }
  return SIZE_MAX;
}

static uint32_t index_in(const gb_sim_truth_entry *e, uint32_t ordinal) {
  for (uint32_t i = 0; i < e->n; i++)
    if (e->candidates[i] == ordinal)
      return i;
  return GB_OPE_NO_PROP;
}

/* The truth log of every simulator thread, merged. */
static int merge_truth(gb_run_state *rs, gb_sim_truth **out, gb_err *err) {
  const gb_sim_truth **logs = calloc(rs->n_producers, sizeof *logs);
  if (!logs)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  for (unsigned i = 0; i < rs->n_producers; i++)
    logs[i] = gb_sim_truth_log(rs->producers[i].sim);
  int rc = gb_sim_truth_merge(logs, rs->n_producers, out, err);
  free(logs);
  return rc;
}

/* Room for the rows: every logged decision may give one row per target. */
static int alloc_rows(gb_run_merged *m, size_t n_targets, size_t n_decisions, gb_err *err) {
  m->ope_rows = calloc(n_targets * (n_decisions ? n_decisions : 1), sizeof *m->ope_rows);
  m->ope_truth =
      calloc((n_decisions ? n_decisions : 1) * GB_DECISION_CANDIDATES_MAX, sizeof *m->ope_truth);
  m->ope_targets = calloc(n_targets, sizeof *m->ope_targets);
  if (!m->ope_rows || !m->ope_truth || !m->ope_targets)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the off-policy evaluation");
  return 0;
}

/* One row of target k for decision e (its truth te, its outcome and its targets tg). */
static bool make_row(const gb_decision_entry *e, const gb_sim_truth_entry *te, const double *p,
                     gb_decision_outcome outcome, const gb_reco_targets *tg, size_t k,
                     gb_ope_row *row) {
  uint32_t logged = e->chosen == GB_NO_PROP ? GB_OPE_NO_PROP : index_in(te, e->chosen);
  uint32_t target = tg->chosen[k] == GB_NO_PROP ? GB_OPE_NO_PROP : index_in(te, tg->chosen[k]);
  /* a choice beyond the candidates the answer carried cannot be scored: left out */
  if ((e->chosen != GB_NO_PROP && logged == GB_OPE_NO_PROP) ||
      (tg->chosen[k] != GB_NO_PROP && target == GB_OPE_NO_PROP))
    return false;
  *row = (gb_ope_row){.n = te->n,
                      .candidates = te->candidates,
                      .truth = p,
                      .logged = logged,
                      .propensity = e->propensity,
                      .reward = logged != GB_OPE_NO_PROP && outcome >= GB_OUTCOME_USED ? 1 : 0,
                      .target = target,
                      .target_prob = tg->propensity[k],
                      .x = e->features.x};
  return true;
}

int gb_run_ope_collect(gb_run_state *rs, gb_run_merged *m, gb_run_totals *t, gb_err *err) {
  const gb_arms *arms = rs->ctx.arms;
  size_t logging = gb_run_ope_logging_arm(arms);
  /* the card platform's props only: the store's slates are not evaluated off-policy (yet) */
  if (logging == SIZE_MAX || rs->n_shards == 0 || !(rs->ctx.w->sim.platforms & GB_PLATFORMS_CARD))
    return 0;
  size_t n_arms = gb_arms_count(arms), n_targets = 0;
  uint16_t target_arm[GB_RECO_TARGETS_MAX];
  for (size_t a = 0; a < n_arms && n_targets < GB_RECO_TARGETS_MAX; a++)
    if (gb_reco_is_target(arms, logging, a))
      target_arm[n_targets++] = (uint16_t)a;
  if (merge_truth(rs, &m->truth, err) != 0 ||
      alloc_rows(m, n_targets, t->n_decision_rows, err) != 0)
    return -1;
  size_t *n_rows = calloc(n_targets, sizeof *n_rows);
  if (!n_rows)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  double *p = m->ope_truth;
  for (size_t i = 0; i < t->n_decision_rows; i++) {
    const gb_decision_row *r = &t->decision_rows[i];
    gb_sim_truth_entry te;
    const gb_decision_log *log =
        gb_pipeline_decision_log(gb_shard_pipeline(rs->shards[r->log].shard));
    const gb_reco_targets *tg = gb_decision_log_targets(log, r->entry);
    /* the decisions whose truth is exact: the player plays on, so the look is certain */
    if (r->entry->arm != logging || !tg ||
        !gb_sim_truth_find(m->truth, r->entry->decision_id, &te) || !te.next_round)
      continue;
    for (uint32_t c = 0; c < te.n; c++)
      p[c] = gb_sim_truth_p(&te, c);
    for (size_t k = 0; k < tg->n; k++)
      for (size_t j = 0; j < n_targets; j++)
        if (target_arm[j] == tg->arm[k] &&
            make_row(r->entry, &te, p, r->outcome, tg, k,
                     &m->ope_rows[j * t->n_decision_rows + n_rows[j]]))
          n_rows[j]++;
    p += te.n;
  }
  for (size_t j = 0; j < n_targets; j++)
    m->ope_targets[j] = (gb_run_ope_target){.arm = gb_arms_name(arms, target_arm[j]),
                                            .algorithm = gb_arms_algorithm(arms, target_arm[j]),
                                            .rows = &m->ope_rows[j * t->n_decision_rows],
                                            .n_rows = n_rows[j]};
  free(n_rows);
  t->ope_targets = m->ope_targets;
  t->n_ope_targets = n_targets;
  return 0;
}
