/* gb_store_outcomes: what each arm's slates were worth beyond the visit — the store's ranking
 * metrics against the held-out future, coverage and novelty.
 *
 * The simulator records every slate a player saw (arm, sim time, apps in rank order) and every
 * app a player bought. At the end, each slate is scored against the apps its player went on to
 * buy after it until the end of the run (its held-out future F, distinct apps): recall@k =
 * |slate ∩ F| / |F| and NDCG@k = DCG / IDCG with binary relevance (DCG = Σ over hits at place
 * j (0-based) of 1 / log2(j + 2); IDCG the same for min(k, |F|) hits at the top). A slate whose
 * player bought nothing afterwards has no F and is not scored ("evaluable" slates count those
 * that are). Coverage is the share of the catalogue an arm ever showed; novelty the mean
 * self-information −log2(popularity share) of the apps it showed (higher: less popular apps).
 *
 * Sums are fixed point (units of 1e-9) so that totals do not depend on how players are split
 * across instances. Not thread-safe: one per simulator instance. */
#ifndef GB_STORE_OUTCOMES_H
#define GB_STORE_OUTCOMES_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_store_catalog.h"

/* One arm's sums (add them up across instances, field by field). */
typedef struct gb_store_ranking {
  uint64_t slates;             /* slates recorded */
  uint64_t shown;              /* apps shown (places filled) */
  uint64_t novelty_e9;         /* Σ −log2(popularity share) over the apps shown */
  uint64_t evaluable;          /* slates with a non-empty held-out future */
  uint64_t hits;               /* slate apps bought afterwards */
  uint64_t ndcg_e9, recall_e9; /* Σ over evaluable slates */
} gb_store_ranking;

typedef struct gb_store_outcomes gb_store_outcomes;

/* For n_arms arms over catalog (borrowed: it must outlive the handle). Returns 0, or -1 with
 * GB_ERR_RUNTIME when out of memory. */
int gb_store_outcomes_new(const gb_store_catalog *catalog, size_t n_arms, gb_store_outcomes **out,
                          gb_err *err);
void gb_store_outcomes_free(gb_store_outcomes *o);

/* A slate player (the instance's own index) of arm saw at ts: apps[0 .. n) best first. Stops the
 * program when out of memory (the simulator's hot path). */
void gb_store_outcomes_slate(gb_store_outcomes *o, uint32_t player, size_t arm, int64_t ts,
                             const uint32_t *apps, unsigned n);

/* The player bought app at ts. */
void gb_store_outcomes_purchase(gb_store_outcomes *o, uint32_t player, int64_t ts, uint32_t app);

/* Adds arm's sums into *acc, scoring the slates against every purchase recorded so far. */
void gb_store_outcomes_ranking(gb_store_outcomes *o, size_t arm, gb_store_ranking *acc);

/* ORs the apps arm showed into bits (one bit per app ordinal, (apps + 63) / 64 words). */
void gb_store_outcomes_shown(const gb_store_outcomes *o, size_t arm, uint64_t *bits);

/* The metrics of summed sums: NDCG@k and recall@k means over evaluable slates, novelty in bits
 * per app shown; 0 when there is nothing to average. */
double gb_store_ranking_ndcg(const gb_store_ranking *r);
double gb_store_ranking_recall(const gb_store_ranking *r);
double gb_store_ranking_novelty(const gb_store_ranking *r);

#endif
