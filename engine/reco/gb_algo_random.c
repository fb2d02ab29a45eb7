/* random: a uniform choice among the eligible challenges — the baseline every lift is measured
 * against, and the logging policy of off-policy evaluation (propensity 1/n); in the store, a
 * uniform slate of the apps the player does not own. */
#include <stdlib.h>

#include "gb_slate_int.h"

/* The salt of the releases before the algorithm interface: "CHO". */
#define SALT_CHOICE 0x43484fULL

typedef struct random_state {
  uint64_t seed;
  uint64_t salt;
} random_state;

static int random_init(const gb_algo_env *env, const gb_algo_params *p, void **state, gb_err *err) {
  (void)p;
  random_state *s = malloc(sizeof *s);
  if (!s)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the random algorithm");
  /* Salted with the arm, so that two random arms draw independently (one is then a fair target
   * of off-policy evaluation on the other's log); arm 0's salt is the releases' before the
   * algorithm interface ("CHO"), so the default workload's decisions are unchanged. */
  *s = (random_state){env->seed, SALT_CHOICE ^ (uint64_t)env->arm << 48};
  *state = s;
  return 0;
}

static gb_algo_choice random_choose(const void *state, const gb_algo_decision *d) {
  const random_state *s = state;
  double u = gb_unit(gb_hash3(s->seed, d->decision_id, s->salt));
  size_t index = (size_t)(u * (double)d->n_candidates);
  return (gb_algo_choice){index, 1.0 / (double)d->n_candidates};
}

static void random_free(void *state) { free(state); }

/* ---- the store half: a uniform slate of apps not owned ----------------------------------------
 */

typedef struct random_store {
  uint64_t seed;
  uint16_t arm;
  uint32_t apps, k;
} random_store;

static int random_slate_init(const gb_algo_env *env, const gb_algo_params *p,
                             const gb_slate_env *store, void **state, gb_err *err) {
  (void)p;
  random_store *s = malloc(sizeof *s);
  if (!s)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the random store half");
  *s = (random_store){env->seed, env->arm, store->apps, store->k};
  *state = s;
  return 0;
}

/* Place j: the floor(u_j (N - j))-th app neither owned nor placed (N the apps not owned; u_j
 * the PICK draw of place j): uniform without replacement. Every app not owned is at place j
 * with probability 1/N, the propensity (the marginal of the place, whatever came before). */
static void random_slate_rank(const void *state, const gb_slate_request *req, gb_slate *out) {
  const random_store *s = state;
  uint32_t free_apps = s->apps - gb_slate_owned_in(req, s->apps);
  uint32_t n = free_apps < s->k ? free_apps : s->k;
  uint32_t placed[GB_SLATE_MAX];
  size_t n_placed = 0;
  out->n = 0;
  for (uint32_t j = 0; j < n; j++) {
    uint32_t app = gb_slate_pick_uniform(s->seed, req, s->arm, j, free_apps - j, placed, &n_placed);
    gb_slate_put(out, app, 1.0 / (double)free_apps);
  }
}

static const gb_slate_ops random_slate = {
    .init = random_slate_init,
    .rank = random_slate_rank,
    .free = random_free,
};

const gb_algo_ops gb_algo_random = {
    .name = "random",
    .summary = "uniform among the eligible challenges (the baseline, and OPE's logging policy)",
    .logging = true,
    .init = random_init,
    .choose = random_choose,
    .free = random_free,
    .slate = &random_slate,
};
