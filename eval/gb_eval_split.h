/* gb_eval_split: the seeded per-user hold-out of offline evaluation.
 *
 * Given a users × items matrix and the users to evaluate, each evaluated user with n items has
 * h(n) of them held out, chosen at random, and keeps the rest; every other user keeps all their
 * items. The kept cells form the training matrix (same users, items and weights; the held-out
 * cells are gone), the held-out items the user's test set. With
 *
 *     h(n) = round(holdout n) (halves up), at least 1 and at most n - 1,
 *
 * a user with 5 items and holdout 0.2 gives 1 item to the test set and keeps 4: every evaluated
 * user keeps at least one training item (they need n >= 2).
 *
 * The choice: user u's items are shuffled by a partial Fisher-Yates shuffle drawing from
 * gb_rng_seed(seed, u) (common/gb_rng.h), in the matrix's item order, and the first h(n) are held
 * out. So the same matrix and seed give the same split on every machine, whatever the other
 * users, and a user's split does not change when others are added. The validation split of
 * offline evaluation is this split again over the training matrix with another seed.
 *
 * Memory: the training matrix plus the held-out items. A split is immutable; threads may share
 * it. */
#ifndef GB_EVAL_SPLIT_H
#define GB_EVAL_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_interactions.h"

/* h(n) above for holdout in (0, 1) and n >= 2; 0 for n < 2. */
size_t gb_eval_split_held(size_t n, double holdout);

/* The users of m with at least min_items items, ascending, into a new array *users (caller
 * frees) of *n. Returns 0, or -1 with GB_ERR_RUNTIME when out of memory. */
int gb_eval_split_users_with(const gb_interactions *m, size_t min_items, uint32_t **users,
                             size_t *n, gb_err *err);

typedef struct gb_eval_split gb_eval_split;

/* Splits m for users[0..n) (ascending, distinct, each with >= 2 items) into *out. Returns 0,
 * or -1 with an error: GB_ERR_INPUT for holdout outside (0, 1), users out of order or out of
 * range, or a user with fewer than 2 items (naming it); GB_ERR_RUNTIME when out of memory. */
int gb_eval_split_new(const gb_interactions *m, const uint32_t *users, size_t n, double holdout,
                      uint64_t seed, gb_eval_split **out, gb_err *err);

/* Frees s; NULL is a no-op. */
void gb_eval_split_free(gb_eval_split *s);

/* The training matrix (owned by s). */
const gb_interactions *gb_eval_split_train(const gb_eval_split *s);

/* Number of evaluated users; the i-th (< that) and its held-out items (ascending; owned by s). */
size_t gb_eval_split_count(const gb_eval_split *s);
uint32_t gb_eval_split_user(const gb_eval_split *s, size_t i);
size_t gb_eval_split_test(const gb_eval_split *s, size_t i, const uint32_t **items);

#endif
