/* none: the control arm — never gives a prop, so that the props' effect can be measured against
 * players who get none. */
#include "gb_algo_int.h"

static int none_init(const gb_algo_env *env, const gb_algo_params *p, void **state, gb_err *err) {
  (void)env, (void)p, (void)err;
  *state = NULL;
  return 0;
}

static gb_algo_choice none_choose(const void *state, const gb_algo_decision *d) {
  (void)state, (void)d;
  return (gb_algo_choice){GB_ALGO_NO_PROP, 1.0};
}

static void none_free(void *state) { (void)state; }

const gb_algo_ops gb_algo_none = {
    .name = "none",
    .summary = "control: never gives a prop",
    .init = none_init,
    .choose = none_choose,
    .free = none_free,
};
