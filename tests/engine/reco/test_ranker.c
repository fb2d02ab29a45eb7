/* gb_ranker: the registry's names, parameter checks and text form (errors name the algorithm
 * and the parameter), and fit/score through the registry equal to the model called directly. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_model_ease.h"
#include "gb_ranker.h"

Test(ranker, the_registry_lists_every_model) {
  cr_assert_eq(gb_ranker_count(), 5);
  const char *names[] = {"popularity", "itemknn", "rp3beta", "ease", "als"};
  for (size_t i = 0; i < 5; i++) {
    cr_assert_str_eq(gb_ranker_at(i)->name, names[i]);
    cr_assert_eq(gb_ranker_find(names[i]), gb_ranker_at(i));
    cr_assert_not_null(strstr(gb_ranker_names(), names[i]));
  }
  cr_assert_null(gb_ranker_find("EASE"), "names are exact");
}

Test(ranker, defaults_and_given_values) {
  gb_ranker_config c;
  cr_assert_eq(gb_ranker_config_init(&c, "ease", NULL), 0);
  cr_assert_eq(gb_ranker_config_get(&c, "lambda"), 100);
  cr_assert_eq(gb_ranker_config_get(&c, "min_users"), 3);
  cr_assert_eq(c.given, 0);
  cr_assert_eq(gb_ranker_config_set(&c, "lambda", "250.5", NULL), 0);
  cr_assert_eq(gb_ranker_config_get(&c, "lambda"), 250.5);
  cr_assert_eq(c.given, 1u << gb_ranker_param_index(c.info, "lambda"));
  cr_assert_eq(gb_ranker_config_init(&c, "itemknn", NULL), 0);
  cr_assert_eq(gb_ranker_config_set(&c, "similarity", "bm25", NULL), 0);
  cr_assert_eq(gb_ranker_config_get(&c, "similarity"), 2, "a choice's value is its index");
}

static void expect_error(gb_ranker_config *c, const char *key, const char *text, const char *msg) {
  gb_ranker_config before = *c;
  gb_err err = {0};
  cr_assert_eq(gb_ranker_config_set(c, key, text, &err), -1, "%s=%s", key, text);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, msg);
  cr_assert_eq(memcmp(&before, c, sizeof before), 0, "unchanged on error");
}

Test(ranker, bad_values_name_the_algorithm_and_the_parameter) {
  gb_ranker_config c;
  gb_err err = {0};
  cr_assert_eq(gb_ranker_config_init(&c, "eas", &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg,
                   "unknown algorithm 'eas' (known: popularity, itemknn, rp3beta, ease, als)");
  cr_assert_eq(gb_ranker_config_init(&c, "ease", NULL), 0);
  expect_error(&c, "lamda", "1",
               "ease: unknown parameter 'lamda' (known: lambda, min_users, dropout)");
  expect_error(&c, "lambda", "0", "ease: lambda: 0 is outside [1e-06, 1e+09]");
  expect_error(&c, "lambda", "1e400", "ease: lambda: '1e400' is not a number");
  expect_error(&c, "lambda", "12abc", "ease: lambda: '12abc' is not a number");
  expect_error(&c, "min_users", "2.5", "ease: min_users: '2.5' is not an integer");
  cr_assert_eq(gb_ranker_config_init(&c, "itemknn", NULL), 0);
  expect_error(&c, "similarity", "euclid",
               "itemknn: similarity: unknown value 'euclid' (known: cosine, jaccard, bm25)");
  cr_assert_eq(gb_ranker_config_set_value(&c, 1, -1, &err), -1);
  cr_assert_str_eq(err.msg, "itemknn: k: -1 is outside [0, 1e+09]");
}

Test(ranker, text_form_round_trips) {
  gb_ranker_config c, back;
  gb_err err = {0};
  cr_assert_eq(gb_ranker_config_parse(&c, "itemknn:similarity=bm25:k=50:b=0.5", &err), 0, "%s",
               err.msg);
  char text[GB_RANKER_SPEC_MAX];
  gb_ranker_config_format(&c, text, sizeof text);
  /* every parameter that applies to bm25, none that does not (shrink) */
  cr_assert_str_eq(text, "itemknn:similarity=bm25:k=50:k1=1.2:b=0.5:weight=binary");
  cr_assert_eq(gb_ranker_config_parse(&back, text, &err), 0, "%s", err.msg);
  cr_assert_eq(memcmp(back.v, c.v, sizeof c.v), 0);
  cr_assert_eq(gb_ranker_config_parse(&c, "als", NULL), 0);
  gb_ranker_config_format(&c, text, sizeof text);
  cr_assert_str_eq(text, "als:factors=64:reg=100:alpha=10:iterations=8:cg_steps=3:weight=log");
  char small[8];
  cr_assert_eq(gb_ranker_config_format(&c, small, sizeof small), 7);
  cr_assert_str_eq(small, "als:fac");
}

static void expect_parse_error(const char *spec, const char *msg) {
  gb_ranker_config c;
  gb_err err = {0};
  cr_assert_eq(gb_ranker_config_parse(&c, spec, &err), -1, "%s", spec);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, msg);
}

Test(ranker, bad_text_forms_are_named) {
  expect_parse_error("", "'': no algorithm name");
  expect_parse_error(":k=1", "':k=1': no algorithm name");
  expect_parse_error("knn", "unknown algorithm 'knn' (known: popularity, itemknn, rp3beta, ease, "
                            "als)");
  expect_parse_error("ease:lambda", "'ease:lambda': 'lambda' is not key=value");
  expect_parse_error("ease:lambda=1:lambda=2", "'ease:lambda=1:lambda=2': lambda given twice");
  expect_parse_error("ease:lambda=-3", "'ease:lambda=-3': ease: lambda: -3 is outside [1e-06, "
                                       "1e+09]");
  expect_parse_error("itemknn:k1=2", "'itemknn:k1=2': k1 applies only when similarity is bm25");
  expect_parse_error("itemknn:shrink=2:similarity=bm25",
                     "'itemknn:shrink=2:similarity=bm25': shrink applies only when similarity is "
                     "cosine or jaccard");
}

Test(ranker, applies_follows_the_choice) {
  gb_ranker_config c;
  cr_assert_eq(gb_ranker_config_parse(&c, "itemknn:similarity=jaccard", NULL), 0);
  const gb_ranker_info *info = c.info;
  cr_assert(gb_ranker_param_applies(&c, (size_t)gb_ranker_param_index(info, "shrink")));
  cr_assert_not(gb_ranker_param_applies(&c, (size_t)gb_ranker_param_index(info, "k1")));
  cr_assert_not(gb_ranker_param_applies(&c, (size_t)gb_ranker_param_index(info, "weight")));
  cr_assert(gb_ranker_param_applies(&c, (size_t)gb_ranker_param_index(info, "k")));
}

Test(ranker, fit_and_score_go_to_the_model) {
  gb_interaction t[] = {{0, 0, 1}, {0, 1, 1}, {1, 0, 1}};
  gb_interactions *x = NULL;
  cr_assert_eq(gb_interactions_new(t, 3, 2, 2, &x, NULL), 0);
  gb_ranker_config c;
  cr_assert_eq(gb_ranker_config_parse(&c, "ease:lambda=1:min_users=1", NULL), 0);
  gb_ranker *r = NULL;
  cr_assert_eq(gb_ranker_fit(&c, x, 1, &r, NULL), 0);
  cr_assert_eq(gb_ranker_items(r), 2);
  cr_assert_eq(gb_ranker_config_of(r)->v[0], 1);
  double s[2];
  cr_assert_eq(gb_ranker_score(r, (uint32_t[]){0}, NULL, 1, s, NULL), 0);
  cr_assert_float_eq(s[1], 1.0 / 3, 1e-14, "test_model_ease's two items by hand");
  gb_ranker_free(r);
  gb_ranker_free(NULL);
  /* every model, at its defaults, fits and scores through the registry */
  gb_err err = {0};
  for (size_t i = 0; i < gb_ranker_count(); i++) {
    gb_ranker_config d;
    cr_assert_eq(gb_ranker_config_init(&d, gb_ranker_at(i)->name, NULL), 0);
    r = NULL;
    cr_assert_eq(gb_ranker_fit(&d, x, 1, &r, &err), 0, "%s: %s", d.info->name, err.msg);
    cr_assert_eq(gb_ranker_items(r), 2, "%s", d.info->name);
    cr_assert_eq(gb_ranker_score(r, (uint32_t[]){1}, (double[]){2}, 1, s, &err), 0);
    gb_ranker_free(r);
  }
  gb_interactions_free(x);
}

Test(ranker, help_lists_models_and_parameters) {
  char *text = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&text, &len);
  cr_assert_not_null(out);
  gb_ranker_print_help(out);
  fclose(out);
  for (size_t i = 0; i < gb_ranker_count(); i++) {
    const gb_ranker_info *info = gb_ranker_at(i);
    cr_assert_not_null(strstr(text, info->name));
    for (size_t p = 0; p < info->n_params; p++)
      cr_assert_not_null(strstr(text, info->params[p].name), "%s", info->params[p].name);
  }
  cr_assert_not_null(strstr(text, "k1          number in [0, 1e+09] (default 1.2): "
                                  "term-frequency saturation; similarity bm25 only"));
  free(text);
}
