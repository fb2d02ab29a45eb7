/* gb_store_realism: the distances and summaries on hand-computed values, and the real log's
 * reader (quoted titles, a stray fourth column, a bad row skipped). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "gb_store_realism.h"

Test(store_realism, ks_distance) {
  double a[] = {1, 2, 3, 4}, b[] = {1, 1, 2, 5};
  /* F_a: 1/4, 2/4, 3/4, 1; F_b: 2/4, 3/4, 3/4, 3/4 (at 4), 1 at 5. Largest gap 1/4. */
  cr_assert_float_eq(gb_store_ks(a, 4, b, 4), 0.25, 1e-12);
  cr_assert_float_eq(gb_store_ks(a, 4, a, 4), 0.0, 0);
  double c[] = {10, 11};
  cr_assert_float_eq(gb_store_ks(a, 4, c, 2), 1.0, 1e-12);
}

Test(store_realism, concentration) {
  double equal[] = {5, 5, 5, 5};
  cr_assert_float_eq(gb_store_gini(equal, 4), 0.0, 1e-12);
  double one[] = {10, 0, 0, 0};
  cr_assert_float_eq(gb_store_gini(one, 4), 0.75, 1e-12);
  double desc[] = {6, 2, 1, 1};
  cr_assert_float_eq(gb_store_top_share(desc, 4, 0.01), 0.6, 1e-12); /* at least one title */
  cr_assert_float_eq(gb_store_top_share(desc, 4, 0.5), 0.8, 1e-12);
  /* Lorenz from the top: desc (0, .6, .8, .9, 1) vs equal (0, .25, .5, .75, 1): gap .35 at 1/4. */
  cr_assert_float_eq(gb_store_lorenz_gap(desc, 4, equal, 4), 0.35, 1e-12);
  double two[] = {1, 1};
  cr_assert_float_eq(gb_store_lorenz_gap(equal, 4, two, 2), 0.0, 1e-12);
}

Test(store_realism, reads_the_real_log) {
  gb_store_realism *r;
  gb_err err = {0};
  cr_assert_eq(gb_store_realism_new(&r, &err), 0);
  size_t skipped = 0;
  cr_assert_eq(gb_store_realism_load_real(r, GB_TEST_FIXTURES "/steam/plays.csv", &skipped, &err),
               0, "%s", err.msg);
  cr_assert_eq(skipped, 1);
  gb_store_realism_row rows[GB_STORE_REALISM_ROWS_MAX];
  size_t n = gb_store_realism_rows(r, rows, GB_STORE_REALISM_ROWS_MAX);
  cr_assert(n > 10);
  /* Real side: 3 users (2, 1, 2 games), 3 titles, 5 plays (Dota 2: 3). */
  cr_assert_str_eq(rows[0].statistic, "players");
  cr_assert_float_eq(rows[0].target, 3, 0);
  cr_assert_str_eq(rows[1].statistic, "titles_played");
  cr_assert_float_eq(rows[1].target, 3, 0);
  cr_assert_str_eq(rows[6].statistic, "plays_top1pct_share");
  cr_assert_float_eq(rows[6].target, 3.0 / 5.0, 1e-12);
  gb_store_realism_free(r);
}

/* The defaults' calibration (docs/simulator.md): every distance to the real Steam log within
 * 0.05. Runs where ../shared/data is present (CI has it); the suite passes without it. */
Test(store_realism, defaults_are_calibrated_against_the_real_log) {
  const char *real = GB_SOURCE_DIR "/../shared/data/steam-200k-plays.csv";
  if (access(real, R_OK) != 0)
    cr_skip_test("%s is absent", real);
  gb_err err = {0};
  gb_store_model m = gb_store_model_defaults();
  gb_store_catalog_params cp = {.seed = 42,
                                .apps = m.apps,
                                .popularity_sigma = m.popularity_sigma,
                                .start_ms = 1767225600000LL};
  gb_store_catalog *cat;
  cr_assert_eq(gb_store_catalog_generate(&cp, &cat, &err), 0, "%s", err.msg);
  /* As many players as the log has users; their libraries at the start of a one-day run. */
  gb_store_sim_config cfg = {.seed = 42,
                             .players = 9418,
                             .start_ms = cp.start_ms,
                             .duration_ms = 86400000LL,
                             .n_producers = 1,
                             .catalog = cat,
                             .model = &m};
  gb_store_sim *s;
  cr_assert_eq(gb_store_sim_new(&cfg, &s, &err), 0, "%s", err.msg);
  gb_event ev;
  while (gb_store_sim_next(s, INT64_MAX, &ev) == GB_STORE_SIM_EVENT)
    ;
  gb_store_realism *r;
  cr_assert_eq(gb_store_realism_new(&r, &err), 0);
  cr_assert_eq(gb_store_realism_add(r, s, &err), 0);
  cr_assert_eq(gb_store_realism_load_real(r, real, NULL, &err), 0, "%s", err.msg);
  gb_store_realism_row rows[GB_STORE_REALISM_ROWS_MAX];
  size_t n = gb_store_realism_rows(r, rows, GB_STORE_REALISM_ROWS_MAX);
  size_t distances = 0;
  for (size_t i = 0; i < n; i++)
    if (strstr(rows[i].statistic, "_ks")) {
      distances++;
      cr_expect(rows[i].value <= 0.05, "%s = %g > 0.05", rows[i].statistic, rows[i].value);
    }
  cr_assert_eq(distances, 3);
  gb_store_realism_free(r);
  gb_store_sim_free(s);
  gb_store_catalog_free(cat);
}
