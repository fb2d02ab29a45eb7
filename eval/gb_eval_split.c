#include "gb_eval_split.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_rng.h"

struct gb_eval_split {
  gb_interactions *train;
  size_t n_users;
  uint32_t *users;
  size_t *test_ptr; /* n_users + 1 */
  uint32_t *test;
};

size_t gb_eval_split_held(size_t n, double holdout) {
  if (n < 2)
    return 0;
  size_t h = (size_t)floor(holdout * (double)n + 0.5);
  if (h < 1)
    h = 1;
  return h > n - 1 ? n - 1 : h;
}

int gb_eval_split_users_with(const gb_interactions *m, size_t min_items, uint32_t **users,
                             size_t *n, gb_err *err) {
  uint32_t rows = gb_interactions_rows(m);
  uint32_t *out = malloc(((size_t)rows + 1) * sizeof *out);
  if (!out)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for %u users", rows);
  size_t k = 0;
  for (uint32_t u = 0; u < rows; u++) {
    const uint32_t *items;
    if (gb_interactions_row(m, u, &items, NULL) >= min_items)
      out[k++] = u;
  }
  *users = out;
  *n = k;
  return 0;
}

static int check_users(const gb_interactions *m, const uint32_t *users, size_t n, double holdout,
                       gb_err *err) {
  if (!(holdout > 0 && holdout < 1))
    return gb_err_set(err, GB_ERR_INPUT, "split: holdout %g is outside (0, 1)", holdout);
  for (size_t i = 0; i < n; i++) {
    const uint32_t *items;
    if (users[i] >= gb_interactions_rows(m) || (i > 0 && users[i] <= users[i - 1]))
      return gb_err_set(err, GB_ERR_INPUT, "split: user %u (position %zu) is out of order or range",
                        users[i], i);
    if (gb_interactions_row(m, users[i], &items, NULL) < 2)
      return gb_err_set(err, GB_ERR_INPUT, "split: user %u has fewer than 2 items", users[i]);
  }
  return 0;
}

/* Marks in held[0..n) the positions of user u's h held-out items (perm is scratch of n). */
static void choose(uint32_t u, size_t n, size_t h, uint64_t seed, size_t *perm, uint8_t *held) {
  gb_rng rng;
  gb_rng_seed(&rng, seed, u);
  for (size_t i = 0; i < n; i++) {
    perm[i] = i;
    held[i] = 0;
  }
  for (size_t i = 0; i < h; i++) {
    size_t j = i + (size_t)gb_rng_below(&rng, n - i);
    size_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
    held[perm[i]] = 1;
  }
}

/* Scratch of one split. */
typedef struct work {
  gb_interaction *kept;
  size_t n_kept;
  size_t *perm;
  uint8_t *held;
  size_t cap_test;
} work;

/* Appends row u's cells to w->kept, and to s->test those held out when u is evaluated. */
static int split_row(gb_eval_split *s, const gb_interactions *m, uint32_t u, bool evaluated,
                     double holdout, uint64_t seed, work *w, gb_err *err) {
  const uint32_t *items;
  const double *wt;
  size_t n = gb_interactions_row(m, u, &items, &wt);
  size_t at = s->test_ptr[s->n_users];
  if (evaluated) {
    size_t h = gb_eval_split_held(n, holdout);
    if (GB_GROW(s->test, w->cap_test, at + h, 1024, "held-out items", err) != 0)
      return -1;
    choose(u, n, h, seed, w->perm, w->held);
  }
  for (size_t t = 0; t < n; t++) {
    if (evaluated && w->held[t])
      s->test[at++] = items[t]; /* in item order: ascending */
    else
      w->kept[w->n_kept++] = (gb_interaction){.user = u, .item = items[t], .weight = wt[t]};
  }
  if (evaluated) {
    s->users[s->n_users++] = u;
    s->test_ptr[s->n_users] = at;
  }
  return 0;
}

int gb_eval_split_new(const gb_interactions *m, const uint32_t *users, size_t n, double holdout,
                      uint64_t seed, gb_eval_split **out, gb_err *err) {
  if (check_users(m, users, n, holdout, err) != 0)
    return -1;
  uint32_t rows = gb_interactions_rows(m), cols = gb_interactions_cols(m);
  size_t nnz = gb_interactions_nnz(m);
  gb_eval_split *s = calloc(1, sizeof *s);
  work w = {0};
  int rc = -1;
  if (s) {
    s->users = malloc((n + 1) * sizeof *s->users);
    s->test_ptr = calloc(n + 1, sizeof *s->test_ptr);
  }
  w.kept = malloc((nnz + 1) * sizeof *w.kept);
  w.perm = malloc(((size_t)cols + 1) * sizeof *w.perm);
  w.held = malloc((size_t)cols + 1);
  if (!s || !s->users || !s->test_ptr || !w.kept || !w.perm || !w.held) {
    gb_err_set(err, GB_ERR_RUNTIME, "split: out of memory for %zu interactions", nnz);
    goto out;
  }
  size_t next = 0;
  for (uint32_t u = 0; u < rows; u++) {
    bool evaluated = next < n && users[next] == u;
    next += evaluated;
    if (split_row(s, m, u, evaluated, holdout, seed, &w, err) != 0)
      goto out;
  }
  rc = gb_interactions_new(w.kept, w.n_kept, rows, cols, &s->train, err);
out:
  free(w.kept);
  free(w.perm);
  free(w.held);
  if (rc != 0) {
    gb_eval_split_free(s);
    return -1;
  }
  *out = s;
  return 0;
}

void gb_eval_split_free(gb_eval_split *s) {
  if (!s)
    return;
  gb_interactions_free(s->train);
  free(s->users);
  free(s->test_ptr);
  free(s->test);
  free(s);
}

const gb_interactions *gb_eval_split_train(const gb_eval_split *s) { return s->train; }

size_t gb_eval_split_count(const gb_eval_split *s) { return s->n_users; }

uint32_t gb_eval_split_user(const gb_eval_split *s, size_t i) {
  GB_ASSERT(i < s->n_users);
  return s->users[i];
}

size_t gb_eval_split_test(const gb_eval_split *s, size_t i, const uint32_t **items) {
  GB_ASSERT(i < s->n_users);
  *items = s->test + s->test_ptr[i];
  return s->test_ptr[i + 1] - s->test_ptr[i];
}
