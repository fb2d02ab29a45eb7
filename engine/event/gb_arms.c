#include "gb_arms.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_rng.h"

/* Salts keep the hash draws for different purposes independent. */
#define SALT_ARM 0x41524dULL /* "ARM" */

typedef struct arm {
  char *name;
  char *algorithm;
  double weight;
  bool has_params;
  double params[GB_ARM_PARAMS_MAX];
  double cumulative; /* upper bound of this arm's share of [0, 1) */
} arm;

struct gb_arms {
  arm *arms;
  size_t n;
  uint64_t seed;
};

static int check_specs(const gb_arm_spec *specs, size_t n, double *total, gb_err *err) {
  if (n == 0 || n > GB_ARMS_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "arms: need 1 to %d arms, got %zu", GB_ARMS_MAX, n);
  *total = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(specs[i].weight > 0))
      return gb_err_set(err, GB_ERR_INPUT, "arms: arm '%s' has weight %g (must be > 0)",
                        specs[i].name, specs[i].weight);
    *total += specs[i].weight;
  }
  /* an infinite sum makes every share 0 but the last arm's, which the top forces to 1 */
  if (!isfinite(*total))
    return gb_err_set(err, GB_ERR_INPUT, "arms: the weights' sum overflows (%g)", *total);
  return 0;
}

int gb_arms_new(const gb_arm_spec *specs, size_t n, uint64_t seed, gb_arms **out, gb_err *err) {
  double total;
  if (check_specs(specs, n, &total, err) != 0)
    return -1;
  gb_arms *a = calloc(1, sizeof *a);
  if (a)
    a->arms = calloc(n, sizeof *a->arms);
  if (!a || !a->arms) {
    free(a);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the arms");
  }
  a->n = n;
  a->seed = seed;
  double acc = 0;
  for (size_t i = 0; i < n; i++) {
    acc += specs[i].weight / total;
    a->arms[i] = (arm){.name = strdup(specs[i].name),
                       .algorithm = strdup(specs[i].algorithm),
                       .weight = specs[i].weight,
                       .has_params = specs[i].has_params,
                       .cumulative = acc};
    memcpy(a->arms[i].params, specs[i].params, sizeof a->arms[i].params);
    if (!a->arms[i].name || !a->arms[i].algorithm) {
      gb_arms_free(a);
      return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the arms");
    }
  }
  a->arms[n - 1].cumulative = 1.0; /* no rounding gap at the top */
  *out = a;
  return 0;
}

void gb_arms_free(gb_arms *a) {
  if (!a)
    return;
  for (size_t i = 0; i < a->n; i++) {
    free(a->arms[i].name);
    free(a->arms[i].algorithm);
  }
  free(a->arms);
  free(a);
}

size_t gb_arms_count(const gb_arms *a) { return a->n; }

const char *gb_arms_name(const gb_arms *a, size_t i) { return a->arms[i].name; }

bool gb_arms_params(const gb_arms *a, size_t i, double out[GB_ARM_PARAMS_MAX]) {
  memcpy(out, a->arms[i].params, sizeof a->arms[i].params);
  return a->arms[i].has_params;
}

const char *gb_arms_algorithm(const gb_arms *a, size_t i) { return a->arms[i].algorithm; }

double gb_arms_weight(const gb_arms *a, size_t i) { return a->arms[i].weight; }

uint16_t gb_arms_of(const gb_arms *a, uint64_t player_id) {
  double u = gb_unit(gb_hash3(a->seed, player_id, SALT_ARM));
  for (size_t i = 0; i < a->n; i++)
    if (u < a->arms[i].cumulative)
      return (uint16_t)i;
  return (uint16_t)(a->n - 1);
}
