#include "gb_interactions.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct gb_interactions {
  uint32_t n_rows, n_cols;
  size_t nnz;
  size_t *row_ptr; /* n_rows + 1 offsets into cols/vals */
  uint32_t *cols;
  double *vals;
};

static gb_interactions *alloc_matrix(uint32_t n_rows, uint32_t n_cols, size_t nnz) {
  gb_interactions *x = calloc(1, sizeof *x);
  if (!x)
    return NULL;
  x->n_rows = n_rows;
  x->n_cols = n_cols;
  x->nnz = nnz;
  x->row_ptr = calloc((size_t)n_rows + 1, sizeof *x->row_ptr);
  /* +1: a matrix without cells still owns (non-NULL) arrays */
  x->cols = malloc((nnz + 1) * sizeof *x->cols);
  x->vals = malloc((nnz + 1) * sizeof *x->vals);
  if (!x->row_ptr || !x->cols || !x->vals) {
    gb_interactions_free(x);
    return NULL;
  }
  return x;
}

static int check_triples(const gb_interaction *t, size_t n, uint32_t n_users, uint32_t n_items,
                         gb_err *err) {
  for (size_t i = 0; i < n; i++) {
    if (t[i].user >= n_users)
      return gb_err_set(err, GB_ERR_INPUT, "interaction %zu: user %u is outside 0..%ld", i,
                        t[i].user, (long)n_users - 1);
    if (t[i].item >= n_items)
      return gb_err_set(err, GB_ERR_INPUT, "interaction %zu: item %u is outside 0..%ld", i,
                        t[i].item, (long)n_items - 1);
    if (!isfinite(t[i].weight) || t[i].weight < 0)
      return gb_err_set(err, GB_ERR_INPUT, "interaction %zu: weight %g is not a finite number >= 0",
                        i, t[i].weight);
  }
  return 0;
}

/* Stable counting sort of the triple indices in[0..n) into out[0..n) by user or by item (keys
 * in [0, n_keys)); ptr holds n_keys + 1 zeroed counters. */
static void counting_sort(const gb_interaction *t, const size_t *in, size_t *out, size_t n,
                          size_t *ptr, uint32_t n_keys, int by_user) {
  for (size_t i = 0; i < n; i++)
    ptr[(by_user ? t[in[i]].user : t[in[i]].item) + 1]++;
  for (uint32_t k = 0; k < n_keys; k++)
    ptr[k + 1] += ptr[k];
  for (size_t i = 0; i < n; i++) {
    uint32_t k = by_user ? t[in[i]].user : t[in[i]].item;
    out[ptr[k]++] = in[i];
  }
}

/* Writes the cells of the (user, item)-ordered triples order[0..n) into x, merging repeats. */
static void fill_merged(gb_interactions *x, const gb_interaction *t, const size_t *order,
                        size_t n) {
  size_t nnz = 0;
  for (size_t i = 0; i < n; i++) {
    const gb_interaction *c = &t[order[i]];
    bool repeat =
        nnz > 0 && i > 0 && t[order[i - 1]].user == c->user && x->cols[nnz - 1] == c->item;
    if (repeat) {
      x->vals[nnz - 1] += c->weight;
      continue;
    }
    x->cols[nnz] = c->item;
    x->vals[nnz] = c->weight;
    x->row_ptr[c->user + 1]++;
    nnz++;
  }
  for (uint32_t u = 0; u < x->n_rows; u++)
    x->row_ptr[u + 1] += x->row_ptr[u];
  x->nnz = nnz;
}

int gb_interactions_new(const gb_interaction *t, size_t n, uint32_t n_users, uint32_t n_items,
                        gb_interactions **out, gb_err *err) {
  if (check_triples(t, n, n_users, n_items, err) != 0)
    return -1;
  size_t *a = malloc((n + 1) * sizeof *a), *b = malloc((n + 1) * sizeof *b);
  size_t n_keys = (n_users > n_items ? n_users : n_items) + (size_t)1;
  size_t *ptr = malloc(n_keys * sizeof *ptr);
  gb_interactions *x = alloc_matrix(n_users, n_items, n);
  int rc = 0;
  if (!a || !b || !ptr || !x) {
    rc = gb_err_set(err, GB_ERR_RUNTIME, "out of memory for %zu interactions", n);
    goto out;
  }
  for (size_t i = 0; i < n; i++)
    a[i] = i;
  /* by item, then (stably) by user: cells end up in row order with ascending items */
  memset(ptr, 0, ((size_t)n_items + 1) * sizeof *ptr);
  counting_sort(t, a, b, n, ptr, n_items, 0);
  memset(ptr, 0, ((size_t)n_users + 1) * sizeof *ptr);
  counting_sort(t, b, a, n, ptr, n_users, 1);
  fill_merged(x, t, a, n);
  *out = x;
  x = NULL;
out:
  gb_interactions_free(x);
  free(a);
  free(b);
  free(ptr);
  return rc;
}

int gb_interactions_transpose(const gb_interactions *x, gb_interactions **out, gb_err *err) {
  gb_interactions *t = alloc_matrix(x->n_cols, x->n_rows, x->nnz);
  if (!t)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the transpose of %zu interactions",
                      x->nnz);
  for (size_t c = 0; c < x->nnz; c++)
    t->row_ptr[x->cols[c] + 1]++;
  for (uint32_t r = 0; r < t->n_rows; r++)
    t->row_ptr[r + 1] += t->row_ptr[r];
  /* rows of x in ascending order fill each row of t in ascending column order */
  size_t *next = malloc(((size_t)t->n_rows + 1) * sizeof *next);
  if (!next) {
    gb_interactions_free(t);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the transpose of %zu interactions",
                      x->nnz);
  }
  memcpy(next, t->row_ptr, ((size_t)t->n_rows + 1) * sizeof *next);
  for (uint32_t r = 0; r < x->n_rows; r++) {
    for (size_t c = x->row_ptr[r]; c < x->row_ptr[r + 1]; c++) {
      size_t at = next[x->cols[c]]++;
      t->cols[at] = r;
      t->vals[at] = x->vals[c];
    }
  }
  free(next);
  *out = t;
  return 0;
}

void gb_interactions_free(gb_interactions *x) {
  if (!x)
    return;
  free(x->row_ptr);
  free(x->cols);
  free(x->vals);
  free(x);
}

uint32_t gb_interactions_rows(const gb_interactions *x) { return x->n_rows; }

uint32_t gb_interactions_cols(const gb_interactions *x) { return x->n_cols; }

size_t gb_interactions_nnz(const gb_interactions *x) { return x->nnz; }

size_t gb_interactions_row(const gb_interactions *x, uint32_t r, const uint32_t **cols,
                           const double **weights) {
  GB_ASSERT(r < x->n_rows);
  size_t start = x->row_ptr[r];
  *cols = x->cols + start;
  if (weights)
    *weights = x->vals + start;
  return x->row_ptr[r + 1] - start;
}

size_t gb_interactions_offset(const gb_interactions *x, uint32_t r) {
  GB_ASSERT(r <= x->n_rows);
  return x->row_ptr[r];
}

double gb_weighting_apply(gb_weighting how, double w) {
  switch (how) {
  case GB_WEIGHT_BINARY:
    return 1.0;
  case GB_WEIGHT_RAW:
    return w;
  case GB_WEIGHT_LOG:
    return log1p(w);
  }
  GB_FATAL("unknown weighting %d", (int)how);
}
