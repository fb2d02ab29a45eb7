/* gb_store_catalog: generation (deterministic, heavy-tailed popularity, genres), CSV loading
 * (quoted commas, malformed rows skipped with their lines, fatal only when none is usable), and
 * popularity sampling. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gb_interval.h"
#include "gb_store_catalog.h"

static gb_store_catalog_params params(uint32_t apps) {
  return (gb_store_catalog_params){
      .seed = 7, .apps = apps, .popularity_sigma = 2.0, .start_ms = 1767225600000LL};
}

Test(store_catalog, generated_is_deterministic_with_lognormal_popularity) {
  gb_err err = {0};
  gb_store_catalog *a, *b;
  gb_store_catalog_params p = params(1000);
  cr_assert_eq(gb_store_catalog_generate(&p, &a, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_store_catalog_generate(&p, &b, &err), 0, "%s", err.msg);
  cr_assert_eq(gb_store_catalog_apps(a), 1000);
  double total = 0, h1 = 0;
  for (uint32_t i = 0; i < 1000; i++) {
    const gb_store_app *x = gb_store_catalog_app(a, i), *y = gb_store_catalog_app(b, i);
    cr_assert(memcmp(x, y, sizeof *x) == 0, "app %u differs between two builds", i);
    cr_assert_neq(x->genres, 0u);
    cr_assert(x->quality > 0 && x->quality < 1);
    cr_assert(x->release_ms < p.start_ms);
    total += x->popularity;
    if (gb_store_catalog_rank(a, i) == 1)
      h1 = x->popularity;
  }
  cr_assert_float_eq(total, 1.0, 1e-9);
  /* Log-normal over ranks: rank r weighs exp(2 z(1 - (r - 1/2) / 1000)), normalised. */
  double norm = 0;
  for (int r = 1; r <= 1000; r++)
    norm += exp(2.0 * gb_interval_normal_quantile(1.0 - (r - 0.5) / 1000.0));
  cr_assert_float_eq(h1, exp(2.0 * gb_interval_normal_quantile(0.9995)) / norm, 1e-12);
  gb_store_catalog_free(a);
  gb_store_catalog_free(b);
}

Test(store_catalog, sampling_follows_popularity) {
  gb_err err = {0};
  gb_store_catalog *c;
  gb_store_catalog_params p = params(50);
  cr_assert_eq(gb_store_catalog_generate(&p, &c, &err), 0, "%s", err.msg);
  /* The inverse CDF on a fine grid: each app's share of the grid is its popularity. */
  enum { GRID = 200000 };
  static unsigned hits[50];
  for (int i = 0; i < GRID; i++)
    hits[gb_store_catalog_sample(c, -1, (i + 0.5) / GRID)]++;
  for (uint32_t a = 0; a < 50; a++)
    cr_assert_float_eq(hits[a] / (double)GRID, gb_store_catalog_app(c, a)->popularity, 2e-5,
                       "app %u", a);
  /* Within a genre, only its apps come out. */
  for (int i = 0; i < 1000; i++) {
    uint32_t a = gb_store_catalog_sample(c, 1, i / 1000.0);
    cr_assert(gb_store_catalog_app(c, a)->genres & 2u);
  }
  gb_store_catalog_free(c);
}

Test(store_catalog, loads_csv_and_reports_bad_rows) {
  gb_err err = {0};
  gb_store_catalog *c;
  gb_store_catalog_params p = params(0);
  size_t skipped = 0;
  char report[512];
  cr_assert_eq(gb_store_catalog_load(GB_TEST_FIXTURES "/steam/catalog.csv", &p, &c, &skipped,
                                     report, sizeof report, &err),
               0, "%s", err.msg);
  cr_assert_eq(gb_store_catalog_apps(c), 3);
  cr_assert_eq(skipped, 2);
  cr_assert(strstr(report, "catalog.csv:4: 3 fields, the header has 6"), "%s", report);
  cr_assert(strstr(report, "catalog.csv:5: no title"), "%s", report);
  cr_assert_str_eq(gb_store_catalog_title(c, 1), "Puzzle, the Game");
  /* Genres in order of appearance: Action, Casual, Indie, Simulation ("; Casual" trimmed). */
  cr_assert_eq(gb_store_catalog_genres(c), 4);
  cr_assert_str_eq(gb_store_catalog_genre_name(c, 3), "Simulation");
  cr_assert_eq(gb_store_catalog_app(c, 1)->genres, 2u | 4u);
  cr_assert_eq(gb_store_catalog_app(c, 2)->genres, 8u | 2u);
  gb_store_catalog_free(c);
}

Test(store_catalog, no_usable_row_is_an_error) {
  gb_err err = {0};
  gb_store_catalog *c = NULL;
  gb_store_catalog_params p = params(0);
  const char *path = "/tmp/gb_test_store_catalog_bad.csv";
  FILE *f = fopen(path, "w");
  fputs("title,genres\n\"only one field\"\n", f);
  fclose(f);
  cr_assert_eq(gb_store_catalog_load(path, &p, &c, NULL, NULL, 0, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, "no usable row (1 skipped)"), "%s", err.msg);
  f = fopen(path, "w");
  fputs("name,kind\nx,y\n", f);
  fclose(f);
  cr_assert_eq(gb_store_catalog_load(path, &p, &c, NULL, NULL, 0, &err), -1);
  cr_assert(strstr(err.msg, ":1: the header must name the columns 'title' and 'genres'"), "%s",
            err.msg);
  remove(path);
}
