/* gb_algo: the registry of the recommender's algorithms and their parameter tables. */
#include "gb_algo.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb_algo_int.h"

/* In the order --help and docs/algorithms.md list them: the control, the baseline, the
 * context-free learners, the contextual bandits, the batch model, the store's batch models. */
static const gb_algo_ops *const registry[] = {
    &gb_algo_none,   &gb_algo_random, &gb_algo_popularity, &gb_algo_egreedy, &gb_algo_thompson,
    &gb_algo_linucb, &gb_algo_lints,  &gb_algo_itemknn,    &gb_algo_ease,    &gb_algo_als,
};

const gb_algo_ops *const *gb_algo_registry(size_t *n) {
  *n = sizeof registry / sizeof registry[0];
  return registry;
}

const gb_algo_ops *gb_algo_find(const char *name) {
  for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
    if (strcmp(registry[i]->name, name) == 0)
      return registry[i];
  return NULL;
}

const char *gb_algo_names(void) {
  return "none, random, popularity, egreedy, thompson, linucb, lints, itemknn, ease, als";
}

int gb_algo_param_index(const gb_algo_ops *ops, const char *name) {
  for (size_t i = 0; i < ops->n_params; i++)
    if (strcmp(ops->params[i].name, name) == 0)
      return (int)i;
  return -1;
}

void gb_algo_params_defaults(const gb_algo_ops *ops, gb_algo_params *out) {
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < ops->n_params; i++)
    out->v[i] = ops->params[i].def;
}

static size_t count_choices(const char *choices) {
  size_t n = 1;
  for (const char *c = choices; *c; c++)
    n += *c == '|';
  return n;
}

int gb_algo_param_choice(const gb_algo_param *param, const char *name) {
  if (param->kind != GB_ALGO_PARAM_CHOICE)
    return -1;
  size_t len = strlen(name);
  int index = 0;
  for (const char *c = param->choices;; index++) {
    const char *end = strchr(c, '|');
    size_t n = end ? (size_t)(end - c) : strlen(c);
    if (n == len && strncmp(c, name, n) == 0)
      return index;
    if (!end)
      return -1;
    c = end + 1;
  }
}

int gb_algo_param_check(const gb_algo_param *param, double value, const char *key, gb_err *err) {
  if (param->kind == GB_ALGO_PARAM_CHOICE) {
    if (value >= 0 && value < (double)count_choices(param->choices) && value == floor(value))
      return 0;
    return gb_err_set(err, GB_ERR_INPUT, "key '%s': must be one of %s", key, param->choices);
  }
  if (!isfinite(value) || value < param->min || value > param->max)
    return gb_err_set(err, GB_ERR_INPUT, "key '%s': %g is out of range [%g, %g]%s", key, value,
                      param->min, param->max, param->kind == GB_ALGO_PARAM_DURATION ? " ms" : "");
  if (param->kind != GB_ALGO_PARAM_NUMBER && value != floor(value))
    return gb_err_set(err, GB_ERR_INPUT, "key '%s': %g is not a whole number%s", key, value,
                      param->kind == GB_ALGO_PARAM_DURATION ? " of ms" : "");
  return 0;
}

int64_t gb_algo_epoch_ms(const gb_algo_ops *ops, const gb_algo_params *p) {
  int i = gb_algo_param_index(ops, "epoch");
  return ops->learns && i >= 0 ? (int64_t)p->v[i] : 0;
}
