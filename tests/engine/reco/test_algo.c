/* The recommender's algorithm registry and parameter tables (engine/reco/gb_algo.c): names,
 * lookups, the tables' consistency, parameter checks by kind, defaults and epochs. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb_algo.h"
#include "gb_test_algo.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static const char *const expected_names[] = {"none",     "random", "popularity", "egreedy",
                                             "thompson", "linucb", "lints",      "itemknn",
                                             "ease",     "als"};

Test(algo, registry_lists_every_algorithm_in_order) {
  size_t n = 0;
  const gb_algo_ops *const *reg = gb_algo_registry(&n);
  cr_assert_eq(n, N_OF(expected_names));
  char joined[256] = "";
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    cr_assert_str_eq(reg[i]->name, expected_names[i], "registry[%zu]", i);
    len += (size_t)snprintf(joined + len, sizeof joined - len, "%s%s", i ? ", " : "", reg[i]->name);
  }
  /* the list the error messages show is the registry's, in its order */
  cr_assert_str_eq(gb_algo_names(), joined);
}

Test(algo, find_returns_the_registered_table_and_nothing_else) {
  size_t n = 0;
  const gb_algo_ops *const *reg = gb_algo_registry(&n);
  for (size_t i = 0; i < n; i++)
    cr_assert_eq(gb_algo_find(reg[i]->name), reg[i], "%s", reg[i]->name);
  const char *unknown[] = {"", "Random", "random ", "thompso", "thompsonn", "oracle", "ucb"};
  for (size_t i = 0; i < N_OF(unknown); i++)
    cr_assert_null(gb_algo_find(unknown[i]), "'%s' found", unknown[i]);
}

Test(algo, every_table_is_complete_and_consistent) {
  size_t n = 0;
  const gb_algo_ops *const *reg = gb_algo_registry(&n);
  for (size_t a = 0; a < n; a++) {
    const gb_algo_ops *o = reg[a];
    cr_assert(o->summary && *o->summary, "%s: no summary", o->name);
    cr_assert(o->choose || o->slate, "%s: serves no platform", o->name);
    if (o->choose) {
      cr_assert(o->init && o->free, "%s: a function is missing", o->name);
      cr_assert_eq(o->learns, o->observe != NULL, "%s: learns but observes nothing", o->name);
      cr_assert_eq(o->learns, o->epoch != NULL, "%s: learns without epochs", o->name);
    } else { /* store only: no card half at all */
      cr_assert(!o->init && !o->observe && !o->epoch && !o->fit, "%s: a card function", o->name);
    }
    if (o->slate) { /* the store half learns when the algorithm does */
      const gb_slate_ops *so = o->slate;
      cr_assert(so->init && so->rank && so->free, "%s: a store function is missing", o->name);
      cr_assert_eq(o->learns, so->observe != NULL, "%s: store observe", o->name);
      cr_assert_eq(o->learns, so->epoch != NULL, "%s: store epoch", o->name);
    }
    cr_assert_leq(o->n_params, GB_ALGO_PARAMS_MAX, "%s", o->name);
    cr_assert_eq(o->n_params == 0, o->params == NULL, "%s", o->name);
    /* a learner changes only at its epochs: the parameter that sets them comes first */
    cr_assert_eq(gb_algo_param_index(o, "epoch"), o->learns ? 0 : -1, "%s", o->name);
    for (size_t i = 0; i < o->n_params; i++) {
      const gb_algo_param *p = &o->params[i];
      cr_assert(p->name && *p->name && p->doc && *p->doc, "%s: parameter %zu", o->name, i);
      cr_assert_eq(gb_algo_param_index(o, p->name), (int)i, "%s.%s: named twice", o->name, p->name);
      cr_assert_eq(p->choices != NULL, p->kind == GB_ALGO_PARAM_CHOICE, "%s.%s", o->name, p->name);
      if (p->kind != GB_ALGO_PARAM_CHOICE)
        cr_assert(p->min <= p->def && p->def <= p->max, "%s.%s: default %g outside [%g, %g]",
                  o->name, p->name, p->def, p->min, p->max);
      gb_err err = {0};
      cr_assert_eq(gb_algo_param_check(p, p->def, p->name, &err), 0, "%s.%s: %s", o->name, p->name,
                   err.msg);
    }
  }
}

Test(algo, every_algorithm_starts_with_its_defaults_and_free_null_is_a_no_op) {
  size_t n = 0;
  const gb_algo_ops *const *reg = gb_algo_registry(&n);
  for (size_t a = 0; a < n; a++) {
    if (!reg[a]->choose)
      continue; /* store only: test_slate starts its store half */
    gbt_algo *g = gbt_algo_new(reg[a]->name, 7, 3, NULL);
    const uint32_t cands[] = {4, 9};
    gb_algo_choice c = gbt_algo_choose(g, 1, 0, NULL, cands, 2);
    cr_assert(reg[a] == gb_algo_find("none") ? c.index == GB_ALGO_NO_PROP : c.index < 2, "%s",
              reg[a]->name);
    gbt_algo_free(g);
    reg[a]->free(NULL);
  }
}

Test(algo, param_index_and_defaults) {
  const gb_algo_ops *eg = gb_algo_find("egreedy");
  cr_assert_eq(gb_algo_param_index(eg, "epoch"), 0);
  cr_assert_eq(gb_algo_param_index(eg, "epsilon"), 1);
  cr_assert_eq(gb_algo_param_index(eg, "prior_strength"), 2);
  cr_assert_eq(gb_algo_param_index(eg, "prior_mean"), 3);
  cr_assert_eq(gb_algo_param_index(eg, "eps"), -1);
  cr_assert_eq(gb_algo_param_index(eg, ""), -1);
  cr_assert_eq(gb_algo_param_index(gb_algo_find("random"), "epoch"), -1);
  gb_algo_params p;
  memset(&p, 0xff, sizeof p);
  gb_algo_params_defaults(eg, &p);
  const double want[GB_ALGO_PARAMS_MAX] = {60000, 0.1, 1, 0.5};
  for (int i = 0; i < GB_ALGO_PARAMS_MAX; i++)
    cr_assert_eq(p.v[i], want[i], "v[%d] = %g", i, p.v[i]);
  gb_algo_params_defaults(gb_algo_find("itemknn"), &p);
  /* similarity 0: cosine */
  const double knn[GB_ALGO_PARAMS_MAX] = {86400000, 0, 20, 0.1, 10, 0.5};
  for (int i = 0; i < GB_ALGO_PARAMS_MAX; i++)
    cr_assert_eq(p.v[i], knn[i], "v[%d] = %g", i, p.v[i]);
  gb_algo_params_defaults(gb_algo_find("none"), &p);
  for (int i = 0; i < GB_ALGO_PARAMS_MAX; i++)
    cr_assert_eq(p.v[i], 0);
}

/* param's check of value: 0, or -1 with an input error holding `says`. */
static void check(const gb_algo_param *param, double value, const char *says) {
  gb_err err = {0};
  int rc = gb_algo_param_check(param, value, "arms[1].params.x", &err);
  if (!says) {
    cr_assert_eq(rc, 0, "%s = %.17g rejected: %s", param->name, value, err.msg);
    return;
  }
  cr_assert_eq(rc, -1, "%s = %.17g accepted", param->name, value);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, says), "'%s' lacks '%s'", err.msg, says);
  cr_assert(strstr(err.msg, "key 'arms[1].params.x'"), "the key is not named: %s", err.msg);
}

static const gb_algo_param *param(const char *algo, const char *name) {
  const gb_algo_ops *o = gb_algo_find(algo);
  int i = gb_algo_param_index(o, name);
  cr_assert_geq(i, 0, "%s.%s", algo, name);
  return &o->params[i];
}

Test(algo, number_params_take_their_closed_range) {
  const gb_algo_param *eps = param("egreedy", "epsilon");
  cr_assert_eq(eps->kind, GB_ALGO_PARAM_NUMBER);
  check(eps, 0, NULL);
  check(eps, 1, NULL);
  check(eps, 0.25, NULL);
  check(eps, -0.001, "-0.001 is out of range [0, 1]");
  check(eps, 1.5, "1.5 is out of range [0, 1]");
  check(eps, NAN, "out of range");
  check(eps, INFINITY, "out of range");
  const gb_algo_param *a = param("thompson", "prior_a");
  check(a, 1e-3, NULL);
  check(a, 0, "0 is out of range [0.001, 1e+06]");
}

Test(algo, integer_params_take_whole_numbers_in_range) {
  const gb_algo_param *k = param("itemknn", "neighbours");
  cr_assert_eq(k->kind, GB_ALGO_PARAM_INTEGER);
  check(k, 1, NULL);
  check(k, 100, NULL);
  check(k, 0, "0 is out of range [1, 100]");
  check(k, 101, "101 is out of range [1, 100]");
  check(k, 2.5, "2.5 is not a whole number");
}

Test(algo, duration_params_are_whole_ms_in_range) {
  const gb_algo_param *e = param("popularity", "epoch");
  cr_assert_eq(e->kind, GB_ALGO_PARAM_DURATION);
  check(e, 1000, NULL);
  check(e, 7 * 86400000.0, NULL);
  check(e, 999, "999 is out of range [1000, 6.048e+08] ms");
  check(e, 7 * 86400000.0 + 1, "out of range [1000, 6.048e+08] ms");
  check(e, 1500.5, "1500.5 is not a whole number of ms");
  check(param("popularity", "window"), 30 * 86400000.0, NULL);
  check(param("itemknn", "epoch"), 30 * 86400000.0, NULL);
  check(param("thompson", "epoch"), 30 * 86400000.0, "out of range");
}

Test(algo, choice_params_take_an_index_and_a_name) {
  const gb_algo_param *sim = param("itemknn", "similarity");
  cr_assert_eq(sim->kind, GB_ALGO_PARAM_CHOICE);
  check(sim, 0, NULL);
  check(sim, 1, NULL);
  check(sim, 2, "must be one of cosine|jaccard");
  check(sim, -1, "must be one of cosine|jaccard");
  check(sim, 0.5, "must be one of cosine|jaccard");
  check(sim, NAN, "must be one of cosine|jaccard");
  cr_assert_eq(gb_algo_param_choice(sim, "cosine"), 0);
  cr_assert_eq(gb_algo_param_choice(sim, "jaccard"), 1);
  const char *bad[] = {"", "cos", "cosinex", "Cosine", "cosine|jaccard", "jaccar", "|"};
  for (size_t i = 0; i < N_OF(bad); i++)
    cr_assert_eq(gb_algo_param_choice(sim, bad[i]), -1, "'%s'", bad[i]);
  const gb_algo_param *seg = param("thompson", "segment");
  cr_assert_eq(gb_algo_param_choice(seg, "none"), 0);
  cr_assert_eq(gb_algo_param_choice(seg, "platform"), 1);
  cr_assert_eq(gb_algo_param_choice(seg, "country"), 2);
  check(seg, 2, NULL);
  check(seg, 3, "must be one of none|platform|country");
  /* a parameter of another kind has no choices */
  cr_assert_eq(gb_algo_param_choice(param("egreedy", "epsilon"), "0.1"), -1);
}

Test(algo, epoch_ms_is_the_epoch_parameter_of_a_learner) {
  size_t n = 0;
  const gb_algo_ops *const *reg = gb_algo_registry(&n);
  for (size_t a = 0; a < n; a++) {
    gb_algo_params p;
    gb_algo_params_defaults(reg[a], &p);
    bool daily = strcmp(reg[a]->name, "itemknn") == 0 || strcmp(reg[a]->name, "ease") == 0 ||
                 strcmp(reg[a]->name, "als") == 0;
    int64_t want = !reg[a]->learns ? 0
                   : daily         ? 86400000 /* a sim day */
                                   : 60000;           /* a sim minute */
    cr_assert_eq(gb_algo_epoch_ms(reg[a], &p), want, "%s", reg[a]->name);
    p.v[0] = 300000;
    cr_assert_eq(gb_algo_epoch_ms(reg[a], &p), reg[a]->learns ? 300000 : 0, "%s", reg[a]->name);
  }
}

Test(algo, keys_put_the_tag_above_56_bits_of_the_algorithms_own_index) {
  cr_assert_eq(gb_algo_key(0, 0), 0);
  cr_assert_eq(gb_algo_key(3, 5), (UINT64_C(3) << 56) | 5);
  cr_assert_eq(gb_algo_key(1, UINT64_MAX), (UINT64_C(1) << 56) | ((UINT64_C(1) << 56) - 1));
  cr_assert_eq(gb_algo_key(0xfe, UINT64_C(1) << 56), UINT64_C(0xfe) << 56, "bit 56 is dropped");
}
