#include "gb_ranker.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_model_als.h"
#include "gb_model_ease.h"
#include "gb_model_itemknn.h"
#include "gb_model_popularity.h"
#include "gb_model_rp3beta.h"

/* ---- the tables ---------------------------------------------------------------------------- */

static const char *const WEIGHTS[] = {"binary", "raw", "log", NULL};
static const char *const SIMILARITIES[] = {"cosine", "jaccard", "bm25", NULL};

#define WEIGHT_PARAM(def_, doc_)                                                                   \
  {                                                                                                \
    .name = "weight", .kind = GB_RANKER_CHOICE, .def = (def_), .max = 2, .choices = WEIGHTS,       \
    .doc = (doc_)                                                                                  \
  }

static const gb_ranker_param POPULARITY[] = {
    WEIGHT_PARAM(0, "how a cell counts (binary: its users)"),
};

/* The grids are small on purpose: each point is a fit on the validation split. Their values
 * bracket what the Steam log preferred (docs/benchmarks.md, offline evaluation). */
enum { COSINE = 1u << 0, JACCARD = 1u << 1, BM25 = 1u << 2 };

static const gb_ranker_param ITEMKNN[] = {
    {.name = "similarity",
     .kind = GB_RANKER_CHOICE,
     .max = 2,
     .choices = SIMILARITIES,
     .doc = "co-usage similarity (bm25: implicit's BM25Recommender)"},
    {.name = "k",
     .kind = GB_RANKER_INT,
     .def = 100,
     .max = 1e9,
     .doc = "neighbours kept per item (0: all)",
     .n_grid = 4,
     .grid = {50, 100, 200, 0}},
    {.name = "shrink",
     .kind = GB_RANKER_REAL,
     .max = 1e9,
     .doc = "added to the similarity's denominator",
     .n_grid = 3,
     .grid = {0, 2, 10},
     .when = "similarity",
     .when_mask = COSINE | JACCARD},
    {.name = "k1",
     .kind = GB_RANKER_REAL,
     .def = 1.2,
     .max = 1e9,
     .doc = "term-frequency saturation",
     .n_grid = 2,
     .grid = {0.5, 1.2},
     .when = "similarity",
     .when_mask = BM25},
    {.name = "b",
     .kind = GB_RANKER_REAL,
     .def = 0.75,
     .max = 1,
     .doc = "length normalisation",
     .n_grid = 3,
     .grid = {0.25, 0.5, 0.75},
     .when = "similarity",
     .when_mask = BM25},
    {.name = "weight",
     .kind = GB_RANKER_CHOICE,
     .max = 2,
     .choices = WEIGHTS,
     .doc = "how cells and histories are read",
     .n_grid = 3,
     .grid = {0, 1, 2},
     .when = "similarity",
     .when_mask = COSINE | BM25},
};

static const gb_ranker_param RP3BETA[] = {
    {.name = "alpha",
     .kind = GB_RANKER_REAL,
     .def = 0.75,
     .min = 1e-6,
     .max = 10,
     .doc = "exponent of the transition probabilities",
     .n_grid = 3,
     .grid = {0.5, 0.75, 1}},
    {.name = "beta",
     .kind = GB_RANKER_REAL,
     .def = 0.3,
     .max = 5,
     .doc = "exponent of the destination's popularity divisor",
     .n_grid = 4,
     .grid = {0, 0.15, 0.3, 0.45}},
    {.name = "k",
     .kind = GB_RANKER_INT,
     .def = 100,
     .max = 1e9,
     .doc = "neighbours kept per item (0: all)",
     .n_grid = 4,
     .grid = {50, 100, 200, 0}},
    WEIGHT_PARAM(0, "how cells are read"),
};

static const gb_ranker_param EASE[] = {
    {.name = "lambda",
     .kind = GB_RANKER_REAL,
     .def = 100,
     .min = 1e-6,
     .max = 1e9,
     .doc = "L2 regularisation of B",
     .n_grid = 4,
     .grid = {50, 100, 200, 400}},
    {.name = "min_users",
     .kind = GB_RANKER_INT,
     .def = 3,
     .min = 1,
     .max = 1e9,
     .doc = "items with fewer training users stay out of the model (a smaller inverse)"},
    {.name = "dropout",
     .kind = GB_RANKER_REAL,
     .max = 0.95,
     .doc = "EDLAE's emphasis (Steck 2020): item i's regularisation is lambda + dropout / (1 - "
            "dropout) G(i, i); 0: plain EASE",
     .n_grid = 3,
     .grid = {0, 0.1, 0.25}},
};

static const gb_ranker_param ALS[] = {
    {.name = "factors",
     .kind = GB_RANKER_INT,
     .def = 64,
     .min = 1,
     .max = 4096,
     .doc = "latent factors per user and item"},
    {.name = "reg",
     .kind = GB_RANKER_REAL,
     .def = 100,
     .min = 1e-9,
     .max = 1e9,
     .doc = "L2 regularisation of the factors",
     .n_grid = 4,
     .grid = {30, 100, 300, 1000}},
    {.name = "alpha",
     .kind = GB_RANKER_REAL,
     .def = 10,
     .max = 1e6,
     .doc = "confidence slope: c = 1 + alpha t(weight)",
     .n_grid = 3,
     .grid = {3, 10, 30}},
    /* 8: on the Steam log, 10 gained 0.0014 NDCG@10 (inside the interval) for a quarter more
     * fit time, past the 1 s target with OpenBLAS's generic kernels. */
    {.name = "iterations",
     .kind = GB_RANKER_INT,
     .def = 8,
     .min = 1,
     .max = 1000,
     .doc = "alternations (users, then items)"},
    {.name = "cg_steps",
     .kind = GB_RANKER_INT,
     .def = 3,
     .max = 100,
     .doc = "conjugate-gradient steps per row (0: exact Cholesky solves)"},
    WEIGHT_PARAM(2, "how a cell's weight enters its confidence"),
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define INFO(name_, doc_, table_)                                                                  \
  { .name = (name_), .doc = (doc_), .n_params = N_OF(table_), .params = (table_) }

/* ---- the adapters: a value array into each model's own parameters ------------------------- */

typedef struct ranker_ops {
  gb_ranker_info info;
  int (*fit)(const double *v, const gb_interactions *x, uint64_t seed, void **out, gb_err *err);
  int (*score)(const void *m, const uint32_t *items, const double *w, size_t n, double *scores,
               gb_err *err);
  uint32_t (*items)(const void *m);
  void (*free)(void *m);
} ranker_ops;

static int fit_popularity(const double *v, const gb_interactions *x, uint64_t seed, void **out,
                          gb_err *err) {
  (void)seed;
  gb_model_popularity_params p = {.weight = (gb_weighting)v[0]};
  gb_model_popularity *m = NULL;
  int rc = gb_model_popularity_new(x, &p, &m, err);
  *out = m;
  return rc;
}

static int score_popularity(const void *m, const uint32_t *items, const double *w, size_t n,
                            double *scores, gb_err *err) {
  (void)err;
  gb_model_popularity_score(m, items, w, n, scores);
  return 0;
}

static uint32_t items_popularity(const void *m) { return gb_model_popularity_items(m); }
static void free_popularity(void *m) { gb_model_popularity_free(m); }

static int fit_itemknn(const double *v, const gb_interactions *x, uint64_t seed, void **out,
                       gb_err *err) {
  (void)seed;
  gb_model_itemknn_params p = {.similarity = (gb_itemknn_similarity)v[0],
                               .k = (uint32_t)v[1],
                               .shrink = v[2],
                               .k1 = v[3],
                               .b = v[4],
                               .weight = (gb_weighting)v[5]};
  gb_model_itemknn *m = NULL;
  int rc = gb_model_itemknn_new(x, &p, &m, err);
  *out = m;
  return rc;
}

static int score_itemknn(const void *m, const uint32_t *items, const double *w, size_t n,
                         double *scores, gb_err *err) {
  (void)err;
  gb_model_itemknn_score(m, items, w, n, scores);
  return 0;
}

static uint32_t items_itemknn(const void *m) { return gb_model_itemknn_items(m); }
static void free_itemknn(void *m) { gb_model_itemknn_free(m); }

static int fit_rp3beta(const double *v, const gb_interactions *x, uint64_t seed, void **out,
                       gb_err *err) {
  (void)seed;
  gb_model_rp3beta_params p = {
      .alpha = v[0], .beta = v[1], .k = (uint32_t)v[2], .weight = (gb_weighting)v[3]};
  gb_model_rp3beta *m = NULL;
  int rc = gb_model_rp3beta_new(x, &p, &m, err);
  *out = m;
  return rc;
}

static int score_rp3beta(const void *m, const uint32_t *items, const double *w, size_t n,
                         double *scores, gb_err *err) {
  (void)err;
  gb_model_rp3beta_score(m, items, w, n, scores);
  return 0;
}

static uint32_t items_rp3beta(const void *m) { return gb_model_rp3beta_items(m); }
static void free_rp3beta(void *m) { gb_model_rp3beta_free(m); }

static int fit_ease(const double *v, const gb_interactions *x, uint64_t seed, void **out,
                    gb_err *err) {
  (void)seed;
  gb_model_ease_params p = {.lambda = v[0], .min_users = (uint32_t)v[1], .dropout = v[2]};
  gb_model_ease *m = NULL;
  int rc = gb_model_ease_new(x, &p, &m, err);
  *out = m;
  return rc;
}

static int score_ease(const void *m, const uint32_t *items, const double *w, size_t n,
                      double *scores, gb_err *err) {
  (void)err;
  gb_model_ease_score(m, items, w, n, scores);
  return 0;
}

static uint32_t items_ease(const void *m) { return gb_model_ease_items(m); }
static void free_ease(void *m) { gb_model_ease_free(m); }

static int fit_als(const double *v, const gb_interactions *x, uint64_t seed, void **out,
                   gb_err *err) {
  gb_model_als_params p = {.factors = (uint32_t)v[0],
                           .reg = v[1],
                           .alpha = v[2],
                           .iterations = (uint32_t)v[3],
                           .cg_steps = (uint32_t)v[4],
                           .weight = (gb_weighting)v[5],
                           .seed = seed};
  gb_model_als *m = NULL;
  int rc = gb_model_als_new(x, &p, &m, err);
  *out = m;
  return rc;
}

static int score_als(const void *m, const uint32_t *items, const double *w, size_t n,
                     double *scores, gb_err *err) {
  return gb_model_als_score(m, items, w, n, scores, err);
}

static uint32_t items_als(const void *m) { return gb_model_als_items(m); }
static void free_als(void *m) { gb_model_als_free(m); }

static const ranker_ops RANKERS[] = {
    {INFO("popularity", "the most used items, the same list for every user", POPULARITY),
     fit_popularity, score_popularity, items_popularity, free_popularity},
    {INFO("itemknn", "item-based nearest neighbours on co-usage", ITEMKNN), fit_itemknn,
     score_itemknn, items_itemknn, free_itemknn},
    {INFO("rp3beta", "three-step random walks, popularity re-ranked (Paudel et al. 2017)", RP3BETA),
     fit_rp3beta, score_rp3beta, items_rp3beta, free_rp3beta},
    {INFO("ease", "closed-form shallow autoencoder (Steck 2019), LAPACK inverse", EASE), fit_ease,
     score_ease, items_ease, free_ease},
    {INFO("als", "implicit matrix factorisation (Hu, Koren & Volinsky 2008)", ALS), fit_als,
     score_als, items_als, free_als},
};

/* ---- names and configurations --------------------------------------------------------------- */

size_t gb_ranker_count(void) { return N_OF(RANKERS); }

const gb_ranker_info *gb_ranker_at(size_t i) {
  GB_ASSERT(i < N_OF(RANKERS));
  return &RANKERS[i].info;
}

const char *gb_ranker_names(void) { return "popularity, itemknn, rp3beta, ease, als"; }

static const ranker_ops *ops_of(const gb_ranker_info *info) {
  for (size_t i = 0; i < N_OF(RANKERS); i++)
    if (&RANKERS[i].info == info)
      return &RANKERS[i];
  GB_FATAL("gb_ranker: %s is not a registered model", info ? info->name : "(null)");
}

const gb_ranker_info *gb_ranker_find(const char *name) {
  for (size_t i = 0; i < N_OF(RANKERS); i++)
    if (strcmp(RANKERS[i].info.name, name) == 0)
      return &RANKERS[i].info;
  return NULL;
}

int gb_ranker_param_index(const gb_ranker_info *info, const char *name) {
  for (size_t p = 0; p < info->n_params; p++)
    if (strcmp(info->params[p].name, name) == 0)
      return (int)p;
  return -1;
}

bool gb_ranker_param_applies(const gb_ranker_config *c, size_t p) {
  GB_ASSERT(p < c->info->n_params);
  const gb_ranker_param *d = &c->info->params[p];
  if (!d->when)
    return true;
  int on = gb_ranker_param_index(c->info, d->when);
  GB_ASSERT(on >= 0 && c->info->params[on].kind == GB_RANKER_CHOICE);
  return (d->when_mask >> (unsigned)c->v[on] & 1u) != 0;
}

int gb_ranker_config_init(gb_ranker_config *c, const char *name, gb_err *err) {
  const gb_ranker_info *info = gb_ranker_find(name);
  if (!info)
    return gb_err_set(err, GB_ERR_INPUT, "unknown algorithm '%s' (known: %s)", name,
                      gb_ranker_names());
  GB_ASSERT(info->n_params <= GB_RANKER_MAX_PARAMS);
  *c = (gb_ranker_config){.info = info};
  for (size_t p = 0; p < info->n_params; p++)
    c->v[p] = info->params[p].def;
  return 0;
}

/* "cosine, jaccard, bm25" into buf. */
static void list_choices(const gb_ranker_param *p, char *buf, size_t cap) {
  size_t n = 0;
  buf[0] = '\0';
  for (size_t i = 0; p->choices[i] && n < cap; i++) {
    int w = snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", p->choices[i]);
    n += w > 0 ? (size_t)w : 0;
  }
}

static void list_params(const gb_ranker_info *info, char *buf, size_t cap) {
  size_t n = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < info->n_params && n < cap; i++) {
    int w = snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", info->params[i].name);
    n += w > 0 ? (size_t)w : 0;
  }
  if (info->n_params == 0)
    snprintf(buf, cap, "none");
}

/* "cosine or jaccard": the values of d->when that d applies to. */
static void list_when(const gb_ranker_config *c, const gb_ranker_param *d, char *buf, size_t cap) {
  const gb_ranker_param *on = &c->info->params[gb_ranker_param_index(c->info, d->when)];
  size_t n = 0, count = 0;
  buf[0] = '\0';
  for (size_t i = 0; on->choices[i] && n < cap; i++) {
    if (!(d->when_mask >> i & 1u))
      continue;
    int w = snprintf(buf + n, cap - n, "%s%s", count++ ? " or " : "", on->choices[i]);
    n += w > 0 ? (size_t)w : 0;
  }
}

int gb_ranker_config_set_value(gb_ranker_config *c, size_t p, double v, gb_err *err) {
  GB_ASSERT(p < c->info->n_params);
  const gb_ranker_param *d = &c->info->params[p];
  if (!isfinite(v) || v < d->min || v > d->max)
    return gb_err_set(err, GB_ERR_INPUT, "%s: %s: %g is outside [%g, %g]", c->info->name, d->name,
                      v, d->min, d->max);
  if (d->kind != GB_RANKER_REAL && v != floor(v))
    return gb_err_set(err, GB_ERR_INPUT, "%s: %s: %g is not an integer", c->info->name, d->name, v);
  c->v[p] = v;
  c->given |= UINT32_C(1) << p;
  return 0;
}

/* A choice's name into its index. */
static int parse_choice(const gb_ranker_config *c, const gb_ranker_param *d, const char *text,
                        double *out, gb_err *err) {
  for (size_t i = 0; d->choices[i]; i++) {
    if (strcmp(d->choices[i], text) == 0) {
      *out = (double)i;
      return 0;
    }
  }
  char known[256];
  list_choices(d, known, sizeof known);
  return gb_err_set(err, GB_ERR_INPUT, "%s: %s: unknown value '%s' (known: %s)", c->info->name,
                    d->name, text, known);
}

int gb_ranker_config_set(gb_ranker_config *c, const char *key, const char *text, gb_err *err) {
  int p = gb_ranker_param_index(c->info, key);
  if (p < 0) {
    char known[256];
    list_params(c->info, known, sizeof known);
    return gb_err_set(err, GB_ERR_INPUT, "%s: unknown parameter '%s' (known: %s)", c->info->name,
                      key, known);
  }
  const gb_ranker_param *d = &c->info->params[p];
  double v;
  if (d->kind == GB_RANKER_CHOICE) {
    if (parse_choice(c, d, text, &v, err) != 0)
      return -1;
  } else {
    char *end = NULL;
    errno = 0;
    v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE)
      return gb_err_set(err, GB_ERR_INPUT, "%s: %s: '%s' is not a number", c->info->name, d->name,
                        text);
    if (d->kind == GB_RANKER_INT && v != floor(v))
      return gb_err_set(err, GB_ERR_INPUT, "%s: %s: '%s' is not an integer", c->info->name, d->name,
                        text);
  }
  return gb_ranker_config_set_value(c, (size_t)p, v, err);
}

/* One "key=value" item of a spec. */
static int parse_item(gb_ranker_config *c, const char *spec, char *item, gb_err *err) {
  char *eq = strchr(item, '=');
  if (!eq || eq == item)
    return gb_err_set(err, GB_ERR_INPUT, "'%s': '%s' is not key=value", spec, item);
  *eq = '\0';
  int p = gb_ranker_param_index(c->info, item);
  if (p >= 0 && (c->given >> p & 1u))
    return gb_err_set(err, GB_ERR_INPUT, "'%s': %s given twice", spec, item);
  if (gb_ranker_config_set(c, item, eq + 1, err) != 0)
    return gb_err_prefix(err, "'%s': ", spec);
  return 0;
}

int gb_ranker_config_parse(gb_ranker_config *c, const char *spec, gb_err *err) {
  char buf[GB_RANKER_SPEC_MAX];
  if (strlen(spec) >= sizeof buf)
    return gb_err_set(err, GB_ERR_INPUT, "'%.32s...': longer than %d characters", spec,
                      GB_RANKER_SPEC_MAX - 1);
  snprintf(buf, sizeof buf, "%s", spec);
  char *save = NULL, *name = strtok_r(buf, ":", &save);
  if (!name || spec[0] == ':')
    return gb_err_set(err, GB_ERR_INPUT, "'%s': no algorithm name", spec);
  gb_ranker_config cfg;
  if (gb_ranker_config_init(&cfg, name, err) != 0)
    return -1;
  for (char *item = strtok_r(NULL, ":", &save); item; item = strtok_r(NULL, ":", &save))
    if (parse_item(&cfg, spec, item, err) != 0)
      return -1;
  for (size_t p = 0; p < cfg.info->n_params; p++) {
    const gb_ranker_param *d = &cfg.info->params[p];
    if ((cfg.given >> p & 1u) && !gb_ranker_param_applies(&cfg, p)) {
      char values[256];
      list_when(&cfg, d, values, sizeof values);
      return gb_err_set(err, GB_ERR_INPUT, "'%s': %s applies only when %s is %s", spec, d->name,
                        d->when, values);
    }
  }
  *c = cfg;
  return 0;
}

size_t gb_ranker_config_format(const gb_ranker_config *c, char *buf, size_t cap) {
  GB_ASSERT(cap > 0);
  int n = snprintf(buf, cap, "%s", c->info->name);
  for (size_t p = 0; p < c->info->n_params && n >= 0 && (size_t)n < cap; p++) {
    const gb_ranker_param *d = &c->info->params[p];
    if (!gb_ranker_param_applies(c, p))
      continue;
    if (d->kind == GB_RANKER_CHOICE)
      n += snprintf(buf + n, cap - (size_t)n, ":%s=%s", d->name, d->choices[(size_t)c->v[p]]);
    else
      n += snprintf(buf + n, cap - (size_t)n, ":%s=%.10g", d->name, c->v[p]);
  }
  return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

double gb_ranker_config_get(const gb_ranker_config *c, const char *key) {
  int p = gb_ranker_param_index(c->info, key);
  GB_ASSERT(p >= 0);
  return c->v[p];
}

static void print_param(FILE *out, const gb_ranker_config *defaults, const gb_ranker_param *d) {
  char what[256], when[256] = "";
  if (d->kind == GB_RANKER_CHOICE) {
    list_choices(d, what, sizeof what);
    snprintf(what + strlen(what), sizeof what - strlen(what), " (default %s)",
             d->choices[(size_t)d->def]);
  } else {
    snprintf(what, sizeof what, "%s in [%g, %g] (default %g)",
             d->kind == GB_RANKER_INT ? "integer" : "number", d->min, d->max, d->def);
  }
  if (d->when) {
    char values[200];
    list_when(defaults, d, values, sizeof values);
    snprintf(when, sizeof when, "; %s %s only", d->when, values);
  }
  fprintf(out, "      %-11s %s: %s%s\n", d->name, what, d->doc, when);
}

void gb_ranker_print_help(FILE *out) {
  for (size_t i = 0; i < N_OF(RANKERS); i++) {
    const gb_ranker_info *info = &RANKERS[i].info;
    fprintf(out, "  %-11s %s\n", info->name, info->doc);
    gb_ranker_config defaults;
    gb_ranker_config_init(&defaults, info->name, NULL);
    for (size_t p = 0; p < info->n_params; p++)
      print_param(out, &defaults, &info->params[p]);
  }
}

/* ---- fitted rankers ------------------------------------------------------------------------ */

struct gb_ranker {
  gb_ranker_config config;
  const ranker_ops *ops;
  void *model;
};

int gb_ranker_fit(const gb_ranker_config *c, const gb_interactions *x, uint64_t seed,
                  gb_ranker **out, gb_err *err) {
  const ranker_ops *ops = ops_of(c->info);
  gb_ranker *r = calloc(1, sizeof *r);
  if (!r)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", c->info->name);
  r->config = *c;
  r->ops = ops;
  if (ops->fit(c->v, x, seed, &r->model, err) != 0) {
    free(r);
    return -1;
  }
  *out = r;
  return 0;
}

int gb_ranker_score(const gb_ranker *r, const uint32_t *items, const double *weights, size_t n,
                    double *scores, gb_err *err) {
  return r->ops->score(r->model, items, weights, n, scores, err);
}

uint32_t gb_ranker_items(const gb_ranker *r) { return r->ops->items(r->model); }

const gb_ranker_config *gb_ranker_config_of(const gb_ranker *r) { return &r->config; }

void gb_ranker_free(gb_ranker *r) {
  if (!r)
    return;
  r->ops->free(r->model);
  free(r);
}
