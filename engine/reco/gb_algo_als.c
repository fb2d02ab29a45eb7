/* als: the store's implicit matrix factorisation (Hu, Koren & Volinsky 2008, gb_model_als.h),
 * refitted at each own boundary (a sim day by default) on every (player, app) purchase and play
 * of the arm's players (a cell's weight: 1 for either, 2 for both, read as log(1 + w)); a visit's
 * slate is the apps with the highest x · y_app, x the player's factors solved from the apps it
 * owns (fold-in), then popularity for a player who owns nothing (gb_slate_batch,
 * gb_slate_int.h). Store only: it gives no props.
 *
 * Cost: a refit is O(iterations (cells factors cg_steps + (players + apps) factors^2 cg_steps))
 * with gb_ranker's 3 conjugate-gradient steps; a visit O(owned factors^2 + factors^3 + apps
 * factors) (the fold-in allocates its scratch). */
#include "gb_slate_int.h"

enum { P_EPOCH, P_FACTORS, P_REG, P_ALPHA, P_ITERATIONS };

/* gb_ranker's names, defaults and ranges (test_slate checks that they agree). */
static const gb_algo_param params[] = {
    {"epoch", GB_ALGO_PARAM_DURATION, 86400000, 1000, 30 * 86400000.0, NULL,
     "sim time between refits (the nightly job)"},
    {"factors", GB_ALGO_PARAM_INTEGER, 64, 1, 4096, NULL, "latent factors per player and app"},
    {"reg", GB_ALGO_PARAM_NUMBER, 100, 1e-9, 1e9, NULL, "L2 regularisation of the factors"},
    {"alpha", GB_ALGO_PARAM_NUMBER, 10, 0, 1e6, NULL,
     "confidence slope: c = 1 + alpha log(1 + weight)"},
    {"iterations", GB_ALGO_PARAM_INTEGER, 8, 1, 1000, NULL,
     "alternations (players, then apps) per refit"},
};

static int als_slate_init(const gb_algo_env *env, const gb_algo_params *p,
                          const gb_slate_env *store, void **state, gb_err *err) {
  static const char *const names[] = {"factors", "reg", "alpha", "iterations"};
  gb_ranker_config cfg;
  if (gb_ranker_config_init(&cfg, "als", err) != 0)
    return -1;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (gb_ranker_config_set_value(&cfg, (size_t)gb_ranker_param_index(cfg.info, names[i]),
                                   p->v[P_FACTORS + i], err) != 0)
      return -1;
  return gb_slate_batch_init(env, store, (int64_t)p->v[P_EPOCH], &cfg, false, state, err);
}

static const gb_slate_ops als_slate = {
    .init = als_slate_init,
    .rank = gb_slate_batch_rank,
    .observe = gb_slate_batch_observe,
    .epoch = gb_slate_batch_epoch,
    .free = gb_slate_batch_free,
};

const gb_algo_ops gb_algo_als = {
    .name = "als",
    .summary = "implicit ALS on the players' purchases and plays, refitted each epoch",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .learns = true,
    .slate = &als_slate,
};
