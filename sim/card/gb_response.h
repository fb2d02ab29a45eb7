/* gb_response: the simulator's ground truth — the probability that a player uses a prop.
 *
 *   p_use = sigmoid(b0 + b_aff * affinity + b_skill * (skill - difficulty)
 *                   + b_reward * ln(1 + reward / (balance + 100)) - b_fatigue * recent_props)
 *
 * affinity is 1 when the challenge's game is the player's favourite game, 0.6 when it is its
 * second favourite, 0.5 when the challenge names no game, 0.2 otherwise; skill is the player's
 * skill (0..1) in the challenge's game (the mean of its skills when it names none); recent_props
 * counts the props the player received in the last 24 sim hours (the simulator remembers 8).
 * docs/simulator.md gives the coefficients' reasons; tests pin hand-computed cases. Because the
 * simulator can score every candidate of a decision, it knows the best achievable choice (the
 * oracle) and each algorithm's regret. */
#ifndef GB_RESPONSE_H
#define GB_RESPONSE_H

#include <stdint.h>

typedef struct gb_response_params {
  double b0, b_aff, b_skill, b_reward, b_fatigue;
  double discard_share; /* of the props not used: the share discarded (the rest expire) */
} gb_response_params;

/* The documented defaults. */
gb_response_params gb_response_defaults(void);

typedef struct gb_response_input {
  double affinity;   /* 0..1 as above */
  double skill;      /* 0..1 */
  double difficulty; /* 0..1 */
  int64_t reward_coins;
  int64_t balance;
  int recent_props;
} gb_response_input;

/* The use probability in (0, 1). */
double gb_response_use_probability(const gb_response_params *p, const gb_response_input *in);

#endif
