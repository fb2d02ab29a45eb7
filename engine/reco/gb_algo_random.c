/* random: a uniform choice among the eligible challenges — the baseline every lift is measured
 * against, and the logging policy of off-policy evaluation (propensity 1/n). */
#include <stdlib.h>

#include "gb_algo_int.h"

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

const gb_algo_ops gb_algo_random = {
    .name = "random",
    .summary = "uniform among the eligible challenges (the baseline, and OPE's logging policy)",
    .logging = true,
    .init = random_init,
    .choose = random_choose,
    .free = random_free,
};
