#include "gb_store_catalog.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_csv.h"
#include "gb_grow.h"
#include "gb_interval.h"
#include "gb_rng.h"
#include "gb_store_sampler.h"

struct gb_store_catalog {
  uint32_t n_apps;
  unsigned n_genres;
  gb_store_app *apps;
  uint32_t *rank; /* popularity rank per app, 1-based */
  char **titles;  /* NULL for a generated catalogue */
  char genre_names[GB_STORE_GENRES_MAX][GB_STORE_GENRE_NAME_MAX + 1];
  double genre_share[GB_STORE_GENRES_MAX];
  /* Sampling by popularity: over all apps, and over the apps of each genre. */
  gb_store_sampler *all;
  gb_store_sampler *genre_sampler[GB_STORE_GENRES_MAX];
};

/* Steam's top-level store genres, with the share of titles that carry each (rounded from the
 * real catalogue, ../shared/data/steam-catalog.csv), for generated catalogues. */
static const struct {
  const char *name;
  double share;
} GENERATED_GENRES[] = {
    {"Indie", 0.70},        {"Action", 0.44},     {"Casual", 0.38}, {"Adventure", 0.37},
    {"Strategy", 0.19},     {"Simulation", 0.19}, {"RPG", 0.16},    {"Early Access", 0.11},
    {"Free to Play", 0.06}, {"Sports", 0.05},     {"Racing", 0.04}, {"Massively Multiplayer", 0.03},
};
enum { N_GENERATED_GENRES = sizeof GENERATED_GENRES / sizeof GENERATED_GENRES[0] };

/* Salts of the per-app draws: one independent hash per attribute. */
enum { SALT_GENRE = 1, SALT_PRICE = 2, SALT_RELEASE = 3, SALT_QUALITY = 4, SALT_ORDER = 5 };

static double app_unit(uint64_t seed, uint32_t ordinal, unsigned salt) {
  return gb_unit(gb_hash3(seed ^ UINT64_C(0x53746f7265), ordinal, salt));
}

/* List prices as Steam prices them (cents) and the share of apps at each; free-to-play first. */
static uint32_t draw_price(double u) {
  static const uint32_t price[] = {0, 99, 499, 999, 1499, 1999, 2999, 3999, 5999};
  static const double cum[] = {0.10, 0.22, 0.42, 0.62, 0.75, 0.86, 0.93, 0.97, 1.0};
  for (size_t i = 0; i < sizeof price / sizeof price[0]; i++)
    if (u < cum[i])
      return price[i];
  return price[sizeof price / sizeof price[0] - 1];
}

/* Quality: a logistic of a standard normal draw (most apps middling, a few excellent). */
static double draw_quality(uint64_t seed, uint32_t ordinal) {
  double u1 = app_unit(seed, ordinal, SALT_QUALITY);
  double u2 = app_unit(seed, ordinal, SALT_QUALITY + 100);
  double z = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
  return 1.0 / (1.0 + exp(-z));
}

/* Releases over the ten years before the start, more of them recent (the store grows). */
static int64_t draw_release(double u, int64_t start_ms) {
  const double ten_years_ms = 10.0 * 365.25 * 86400e3;
  return start_ms - (int64_t)(ten_years_ms * (1.0 - sqrt(u)));
}

static int alloc_apps(gb_store_catalog *c, uint32_t n, gb_err *err) {
  c->n_apps = n;
  c->apps = calloc(n, sizeof *c->apps);
  c->rank = calloc(n, sizeof *c->rank);
  if (!c->apps || !c->rank)
    return gb_err_set(err, GB_ERR_RUNTIME, "store catalogue: out of memory (%u apps)", n);
  return 0;
}

typedef struct order_key {
  uint64_t key;
  uint32_t ordinal;
} order_key;

static int cmp_order(const void *a, const void *b) {
  const order_key *x = a, *y = b;
  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->ordinal < y->ordinal ? -1 : x->ordinal > y->ordinal;
}

/* Popularity ranks are a random permutation of the apps (a hash sort), weights log-normal. */
static int assign_popularity(gb_store_catalog *c, const gb_store_catalog_params *p, gb_err *err) {
  order_key *keys = malloc((size_t)c->n_apps * sizeof *keys);
  if (!keys)
    return gb_err_set(err, GB_ERR_RUNTIME, "store catalogue: out of memory");
  for (uint32_t i = 0; i < c->n_apps; i++)
    keys[i] = (order_key){gb_hash3(p->seed, i, SALT_ORDER), i};
  qsort(keys, c->n_apps, sizeof *keys, cmp_order);
  double total = 0;
  for (uint32_t r = 0; r < c->n_apps; r++) {
    gb_store_app *a = &c->apps[keys[r].ordinal];
    c->rank[keys[r].ordinal] = r + 1;
    /* The normal quantiles of the ranks (not random draws): the spread is the same in every
     * catalogue of that size. */
    double z = gb_interval_normal_quantile(1.0 - ((double)r + 0.5) / (double)c->n_apps);
    a->popularity = exp(p->popularity_sigma * z);
    total += a->popularity;
  }
  free(keys);
  for (uint32_t i = 0; i < c->n_apps; i++)
    c->apps[i].popularity /= total;
  return 0;
}

/* The sampler over the apps whose genres include `genre` (all apps when genre < 0), in
 * popularity order (by_rank: ordinals, most popular first); w and id are scratch of n_apps. */
static int build_sampler(const gb_store_catalog *c, const uint32_t *by_rank, int genre, double *w,
                         uint32_t *id, gb_store_sampler **out) {
  uint32_t n = 0;
  for (uint32_t r = 0; r < c->n_apps; r++) {
    const gb_store_app *a = &c->apps[by_rank[r]];
    if (genre < 0 || (a->genres >> genre & 1)) {
      w[n] = a->popularity;
      id[n++] = by_rank[r];
    }
  }
  return n == 0 ? 0 : gb_store_sampler_new(w, id, n, out);
}

static int build_sampling(gb_store_catalog *c, gb_err *err) {
  size_t n = c->n_apps ? c->n_apps : 1;
  uint32_t *by_rank = malloc(n * sizeof *by_rank), *id = malloc(n * sizeof *id);
  double *w = malloc(n * sizeof *w);
  int rc = by_rank && id && w ? 0 : -1;
  if (rc == 0) {
    for (uint32_t i = 0; i < c->n_apps; i++)
      by_rank[c->rank[i] - 1] = i;
    rc = build_sampler(c, by_rank, -1, w, id, &c->all);
  }
  for (unsigned g = 0; rc == 0 && g < c->n_genres; g++) {
    double share = 0;
    for (uint32_t i = 0; i < c->n_apps; i++)
      if (c->apps[i].genres & (1u << g))
        share += c->apps[i].popularity;
    c->genre_share[g] = share;
    rc = build_sampler(c, by_rank, (int)g, w, id, &c->genre_sampler[g]);
  }
  free(by_rank);
  free(id);
  free(w);
  if (rc != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "store catalogue: out of memory");
  return 0;
}

static int check_params(const gb_store_catalog_params *p, bool generating, gb_err *err) {
  if (generating && (p->apps < 1 || p->apps > GB_STORE_APPS_MAX))
    return gb_err_set(err, GB_ERR_INPUT, "apps: %u is outside 1 .. %d", p->apps, GB_STORE_APPS_MAX);
  if (!(p->popularity_sigma >= 0 && p->popularity_sigma <= 6))
    return gb_err_set(err, GB_ERR_INPUT, "popularity_sigma: %g is outside 0 .. 6",
                      p->popularity_sigma);
  return 0;
}

/* Price, release date and quality: the attributes no CSV column gives. */
static void draw_attributes(gb_store_catalog *c, const gb_store_catalog_params *p) {
  for (uint32_t i = 0; i < c->n_apps; i++) {
    gb_store_app *a = &c->apps[i];
    a->price_cents = draw_price(app_unit(p->seed, i, SALT_PRICE));
    a->release_ms = draw_release(app_unit(p->seed, i, SALT_RELEASE), p->start_ms);
    a->quality = draw_quality(p->seed, i);
  }
}

static int finish(gb_store_catalog *c, const gb_store_catalog_params *p, gb_err *err) {
  draw_attributes(c, p);
  if (assign_popularity(c, p, err) != 0)
    return -1;
  return build_sampling(c, err);
}

int gb_store_catalog_generate(const gb_store_catalog_params *params, gb_store_catalog **out,
                              gb_err *err) {
  if (check_params(params, true, err) != 0)
    return -1;
  gb_store_catalog *c = calloc(1, sizeof *c);
  if (!c)
    return gb_err_set(err, GB_ERR_RUNTIME, "store catalogue: out of memory");
  if (alloc_apps(c, params->apps, err) != 0)
    goto fail;
  c->n_genres = N_GENERATED_GENRES;
  for (unsigned g = 0; g < N_GENERATED_GENRES; g++)
    snprintf(c->genre_names[g], sizeof c->genre_names[g], "%s", GENERATED_GENRES[g].name);
  for (uint32_t i = 0; i < c->n_apps; i++) {
    uint32_t mask = 0;
    for (unsigned g = 0; g < N_GENERATED_GENRES; g++)
      if (app_unit(params->seed, i, SALT_GENRE + 16 * (g + 1)) < GENERATED_GENRES[g].share)
        mask |= 1u << g;
    if (!mask) /* every app has a genre: the most common one */
      mask = 1u;
    c->apps[i].genres = mask;
  }
  if (finish(c, params, err) != 0)
    goto fail;
  *out = c;
  return 0;
fail:
  gb_store_catalog_free(c);
  return -1;
}

/* ---- Loading a CSV ----------------------------------------------------------------------- */

enum { SKIPPED_REPORTED = 5 };

typedef struct load_ctx {
  gb_store_catalog *c;
  const char *path;
  size_t n_cols, col_title, col_genres;
  char **titles;
  uint32_t *genre_masks;
  size_t n, cap_titles, cap_masks;
  size_t skipped;
  char *report;
  size_t report_cap, report_len;
  gb_err *err;
} load_ctx;

static void note_skipped(load_ctx *l, size_t line, const char *what) {
  if (l->skipped++ >= SKIPPED_REPORTED || !l->report || l->report_len + 1 >= l->report_cap)
    return;
  int w = snprintf(l->report + l->report_len, l->report_cap - l->report_len, "%s%s:%zu: %s",
                   l->report_len ? "\n" : "", l->path, line, what);
  if (w > 0)
    l->report_len +=
        (size_t)w < l->report_cap - l->report_len ? (size_t)w : l->report_cap - l->report_len - 1;
}

static int find_col(const char *const *f, size_t n, const char *name, size_t *col) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(f[i], name) == 0) {
      *col = i;
      return 0;
    }
  return -1;
}

static unsigned genre_index(gb_store_catalog *c, const char *name, size_t len) {
  if (len > GB_STORE_GENRE_NAME_MAX)
    len = GB_STORE_GENRE_NAME_MAX;
  for (unsigned g = 0; g < c->n_genres; g++)
    if (strlen(c->genre_names[g]) == len && memcmp(c->genre_names[g], name, len) == 0)
      return g;
  if (c->n_genres == GB_STORE_GENRES_MAX)
    return GB_STORE_GENRES_MAX;
  memcpy(c->genre_names[c->n_genres], name, len);
  c->genre_names[c->n_genres][len] = '\0';
  return c->n_genres++;
}

static uint32_t parse_genres(gb_store_catalog *c, const char *s) {
  uint32_t mask = 0;
  while (*s) {
    const char *end = strchr(s, ';');
    size_t len = end ? (size_t)(end - s) : strlen(s);
    while (len > 0 && (*s == ' ')) {
      s++;
      len--;
    }
    while (len > 0 && s[len - 1] == ' ')
      len--;
    if (len > 0) {
      unsigned g = genre_index(c, s, len);
      if (g < GB_STORE_GENRES_MAX)
        mask |= 1u << g;
    }
    if (!end)
      break;
    s = end + 1;
  }
  return mask;
}

static int on_catalog_record(void *ctx, size_t line, const char *const *f, size_t n) {
  load_ctx *l = ctx;
  if (l->n_cols == 0) { /* the header */
    if (find_col(f, n, "title", &l->col_title) != 0 ||
        find_col(f, n, "genres", &l->col_genres) != 0)
      return gb_err_set(l->err, GB_ERR_INPUT,
                        "%s:%zu: the header must name the columns 'title' and 'genres'", l->path,
                        line);
    l->n_cols = n;
    return 0;
  }
  if (n != l->n_cols) {
    char what[96];
    snprintf(what, sizeof what, "%zu fields, the header has %zu", n, l->n_cols);
    note_skipped(l, line, what);
    return 0;
  }
  if (!f[l->col_title][0]) {
    note_skipped(l, line, "no title");
    return 0;
  }
  if (l->n >= GB_STORE_APPS_MAX)
    return gb_err_set(l->err, GB_ERR_INPUT, "%s:%zu: more than %d apps", l->path, line,
                      GB_STORE_APPS_MAX);
  gb_err grow_err;
  if (GB_GROW(l->titles, l->cap_titles, l->n + 1, 1024, "store titles", &grow_err) != 0 ||
      GB_GROW(l->genre_masks, l->cap_masks, l->n + 1, 1024, "store genres", &grow_err) != 0)
    return gb_err_set(l->err, GB_ERR_RUNTIME, "%s: %s", l->path, grow_err.msg);
  l->titles[l->n] = strdup(f[l->col_title]);
  if (!l->titles[l->n])
    return gb_err_set(l->err, GB_ERR_RUNTIME, "%s: out of memory", l->path);
  l->genre_masks[l->n++] = parse_genres(l->c, f[l->col_genres]);
  return 0;
}

int gb_store_catalog_load(const char *path, const gb_store_catalog_params *params,
                          gb_store_catalog **out, size_t *skipped, char *skipped_report,
                          size_t report_cap, gb_err *err) {
  if (check_params(params, false, err) != 0)
    return -1;
  gb_store_catalog *c = calloc(1, sizeof *c);
  if (!c)
    return gb_err_set(err, GB_ERR_RUNTIME, "store catalogue: out of memory");
  if (skipped_report && report_cap > 0)
    skipped_report[0] = '\0';
  load_ctx l = {
      .c = c, .path = path, .report = skipped_report, .report_cap = report_cap, .err = err};
  int rc = gb_csv_records_read(path, on_catalog_record, &l, err);
  c->titles = l.titles;
  c->n_apps = (uint32_t)l.n;
  if (rc == 0 && l.n_cols == 0)
    rc = gb_err_set(err, GB_ERR_INPUT, "%s: empty file (no header line)", path);
  else if (rc == 0 && l.n == 0)
    rc = gb_err_set(err, GB_ERR_INPUT, "%s: no usable row (%zu skipped)", path, l.skipped);
  if (rc == 0) {
    uint32_t n = c->n_apps;
    rc = alloc_apps(c, n, err);
    /* Every app has a genre: those the file gives none get the catalogue's first. */
    if (rc == 0 && c->n_genres == 0)
      snprintf(c->genre_names[c->n_genres++], GB_STORE_GENRE_NAME_MAX + 1, "%s", "Other");
    for (uint32_t i = 0; rc == 0 && i < n; i++)
      c->apps[i].genres = l.genre_masks[i] ? l.genre_masks[i] : 1u;
  }
  if (rc == 0)
    rc = finish(c, params, err);
  free(l.genre_masks);
  if (rc != 0) {
    gb_store_catalog_free(c);
    return -1;
  }
  if (skipped)
    *skipped = l.skipped;
  *out = c;
  return 0;
}

void gb_store_catalog_free(gb_store_catalog *c) {
  if (!c)
    return;
  if (c->titles)
    for (uint32_t i = 0; i < c->n_apps; i++)
      free(c->titles[i]);
  free(c->titles);
  for (unsigned g = 0; g < GB_STORE_GENRES_MAX; g++) {
    gb_store_sampler_free(c->genre_sampler[g]);
  }
  free(c->apps);
  free(c->rank);
  gb_store_sampler_free(c->all);
  free(c);
}

uint32_t gb_store_catalog_apps(const gb_store_catalog *c) { return c->n_apps; }

unsigned gb_store_catalog_genres(const gb_store_catalog *c) { return c->n_genres; }

const gb_store_app *gb_store_catalog_app(const gb_store_catalog *c, uint32_t ordinal) {
  return &c->apps[ordinal];
}

const char *gb_store_catalog_title(const gb_store_catalog *c, uint32_t ordinal) {
  if (c->titles)
    return c->titles[ordinal];
  return NULL;
}

const char *gb_store_catalog_genre_name(const gb_store_catalog *c, unsigned g) {
  return c->genre_names[g];
}

double gb_store_catalog_genre_share(const gb_store_catalog *c, unsigned g) {
  return c->genre_share[g];
}

uint32_t gb_store_catalog_sample(const gb_store_catalog *c, int genre, double u) {
  if (genre < 0)
    return gb_store_sampler_draw(c->all, u);
  unsigned g = (unsigned)genre;
  return gb_store_sampler_draw(c->genre_sampler[g], u);
}

uint32_t gb_store_catalog_rank(const gb_store_catalog *c, uint32_t ordinal) {
  return c->rank[ordinal];
}
