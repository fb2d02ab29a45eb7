/* ease: the store's EASE (Steck 2019, gb_model_ease.h) — an app × app weight matrix in closed
 * form, refitted at each own boundary (a sim day by default) on every (player, app) purchase and
 * play of the arm's players; a visit's slate is the apps whose weights from what the player owns
 * sum highest (above 0), then popularity (gb_slate_batch, gb_slate_int.h). Store only: it gives
 * no props.
 *
 * The fit inverts an apps × apps matrix: O(apps^3) flops and 8 apps^2 bytes, about a second at
 * 3,000 apps on one core; catalogues beyond EASE_APPS_MAX apps are refused (use als or
 * itemknn). */
#include "gb_slate_int.h"

enum { P_EPOCH, P_LAMBDA, P_MIN_USERS };
enum { EASE_APPS_MAX = 5000 }; /* 5000^3 flops: several seconds per refit, 200 MB */

/* gb_ranker's names, defaults and ranges (test_slate checks that they agree). */
static const gb_algo_param params[] = {
    {"epoch", GB_ALGO_PARAM_DURATION, 86400000, 1000, 30 * 86400000.0, NULL,
     "sim time between refits (the nightly job)"},
    {"lambda", GB_ALGO_PARAM_NUMBER, 100, 1e-6, 1e9, NULL, "L2 regularisation of the weights"},
    {"min_users", GB_ALGO_PARAM_INTEGER, 3, 1, 1e9, NULL,
     "apps with fewer players stay out of the model"},
};

static int ease_slate_init(const gb_algo_env *env, const gb_algo_params *p,
                           const gb_slate_env *store, void **state, gb_err *err) {
  if (store->apps > EASE_APPS_MAX)
    return gb_err_set(err, GB_ERR_INPUT,
                      "algorithm 'ease': the store's %u apps are more than %d (its refit inverts "
                      "an apps x apps matrix, O(apps^3)); use als or itemknn",
                      store->apps, EASE_APPS_MAX);
  gb_ranker_config cfg;
  if (gb_ranker_config_init(&cfg, "ease", err) != 0 ||
      gb_ranker_config_set_value(&cfg, (size_t)gb_ranker_param_index(cfg.info, "lambda"),
                                 p->v[P_LAMBDA], err) != 0 ||
      gb_ranker_config_set_value(&cfg, (size_t)gb_ranker_param_index(cfg.info, "min_users"),
                                 p->v[P_MIN_USERS], err) != 0)
    return -1;
  return gb_slate_batch_init(env, store, (int64_t)p->v[P_EPOCH], &cfg, true, state, err);
}

static const gb_slate_ops ease_slate = {
    .init = ease_slate_init,
    .rank = gb_slate_batch_rank,
    .observe = gb_slate_batch_observe,
    .epoch = gb_slate_batch_epoch,
    .free = gb_slate_batch_free,
};

const gb_algo_ops gb_algo_ease = {
    .name = "ease",
    .summary = "EASE on the players' purchases and plays, refitted each epoch (at most 5000 apps)",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .learns = true,
    .slate = &ease_slate,
};
