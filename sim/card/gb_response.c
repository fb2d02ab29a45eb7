#include "gb_response.h"

#include <math.h>

gb_response_params gb_response_defaults(void) {
  /* b0 = -1.5: an average prop (no affinity, matched skill, no reward) is used ~18 % of the time;
   * affinity and skill dominate (as in the prop logs this models), rewards matter relative to the
   * balance, and each recent prop costs as much as a third of the affinity bonus (spam fatigue). */
  return (gb_response_params){.b0 = -1.5,
                              .b_aff = 2.0,
                              .b_skill = 2.0,
                              .b_reward = 1.0,
                              .b_fatigue = 0.3,
                              .discard_share = 0.5};
}

double gb_response_use_probability(const gb_response_params *p, const gb_response_input *in) {
  double logit = p->b0 + p->b_aff * in->affinity + p->b_skill * (in->skill - in->difficulty) +
                 p->b_reward * log(1.0 + (double)in->reward_coins / ((double)in->balance + 100.0)) -
                 p->b_fatigue * in->recent_props;
  return 1.0 / (1.0 + exp(-logit));
}
