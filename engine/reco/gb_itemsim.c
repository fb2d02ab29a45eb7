#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_itemsim_int.h"

typedef struct entry {
  uint32_t j;
  float s;
} entry;

/* The heap keeps the k best entries with the worst on top: worse = smaller s, or the same s and
 * a larger j (the tie rule of the header). */
static bool worse(const entry *a, const entry *b) {
  return a->s < b->s || (a->s == b->s && a->j > b->j);
}

static void sift_down(entry *h, size_t n, size_t at) {
  for (;;) {
    size_t l = 2 * at + 1, r = l + 1, w = at;
    if (l < n && worse(&h[l], &h[w]))
      w = l;
    if (r < n && worse(&h[r], &h[w]))
      w = r;
    if (w == at)
      return;
    entry t = h[at];
    h[at] = h[w];
    h[w] = t;
    at = w;
  }
}

static void sift_up(entry *h, size_t at) {
  while (at > 0) {
    size_t parent = (at - 1) / 2;
    if (!worse(&h[at], &h[parent]))
      return;
    entry t = h[at];
    h[at] = h[parent];
    h[parent] = t;
    at = parent;
  }
}

/* Offers e to the heap of at most k entries (k > 0). */
static void heap_offer(entry *h, size_t *n, size_t k, entry e) {
  if (*n < k) {
    h[*n] = e;
    sift_up(h, (*n)++);
  } else if (worse(&h[0], &e)) {
    h[0] = e;
    sift_down(h, *n, 0);
  }
}

static int by_column(const void *a, const void *b) {
  uint32_t x = ((const entry *)a)->j, y = ((const entry *)b)->j;
  return (x > y) - (x < y);
}

/* Work arrays of one build. */
typedef struct build {
  const gb_interactions *x, *xt;
  const double *a, *b;
  gb_itemsim_fn fn;
  const void *ctx;
  size_t k;
  double *acc;               /* dot(i, j) being summed, by j */
  uint8_t *seen;             /* j has a common user with i */
  entry *kept;               /* the row's entries */
  size_t cap_cols, cap_vals; /* capacities of out->cols and out->vals */
} build;

/* Sums dot(i, j) for every j sharing a user with i into acc, marking seen. */
static void accumulate(build *w, uint32_t i) {
  const uint32_t *users, *items;
  size_t nu = gb_interactions_row(w->xt, i, &users, NULL);
  size_t a_off = gb_interactions_offset(w->xt, i);
  for (size_t t = 0; t < nu; t++) {
    double av = w->a ? w->a[a_off + t] : 1.0;
    size_t ni = gb_interactions_row(w->x, users[t], &items, NULL);
    size_t b_off = gb_interactions_offset(w->x, users[t]);
    for (size_t s = 0; s < ni; s++) {
      uint32_t j = items[s];
      w->acc[j] += av * (w->b ? w->b[b_off + s] : 1.0);
      w->seen[j] = 1;
    }
  }
  w->seen[i] = 0; /* an item is not its own neighbour */
  w->acc[i] = 0;
}

/* Turns row i's sums into similarities, keeps the k best (all when k is 0) in w->kept sorted
 * by column, and clears acc and seen; returns the count kept. */
static size_t select_row(build *w, uint32_t i, uint32_t n) {
  size_t m = 0;
  for (uint32_t j = 0; j < n; j++) {
    if (!w->seen[j])
      continue;
    double s = w->fn(i, j, w->acc[j], w->ctx);
    w->acc[j] = 0;
    w->seen[j] = 0;
    if (s == 0 || !isfinite(s))
      continue;
    entry e = {.j = j, .s = (float)s};
    if (w->k == 0)
      w->kept[m++] = e;
    else
      heap_offer(w->kept, &m, w->k, e);
  }
  if (w->k != 0)
    qsort(w->kept, m, sizeof *w->kept, by_column);
  return m;
}

static int append_row(build *w, gb_itemsim *out, uint32_t i, size_t m, gb_err *err) {
  size_t at = out->ptr[i], need = at + m;
  if (GB_GROW(out->cols, w->cap_cols, need, 1024, "item similarities", err) != 0 ||
      GB_GROW(out->vals, w->cap_vals, need, 1024, "item similarities", err) != 0)
    return -1;
  for (size_t t = 0; t < m; t++) {
    out->cols[at + t] = w->kept[t].j;
    out->vals[at + t] = w->kept[t].s;
  }
  out->ptr[i + 1] = need;
  return 0;
}

int gb_itemsim_build(const gb_interactions *x, const gb_interactions *xt, const double *a,
                     const double *b, uint32_t k, gb_itemsim_fn fn, const void *ctx,
                     gb_itemsim *out, gb_err *err) {
  uint32_t n = gb_interactions_cols(x);
  GB_ASSERT(gb_interactions_rows(xt) == n);
  build w = {.x = x, .xt = xt, .a = a, .b = b, .fn = fn, .ctx = ctx, .k = k};
  gb_itemsim s = {.n = n};
  s.ptr = calloc((size_t)n + 1, sizeof *s.ptr);
  w.acc = calloc((size_t)n + 1, sizeof *w.acc);
  w.seen = calloc((size_t)n + 1, 1);
  w.kept = malloc(((size_t)n + 1) * sizeof *w.kept);
  int rc = 0;
  if (!s.ptr || !w.acc || !w.seen || !w.kept) {
    rc = gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the similarities of %u items", n);
    goto out;
  }
  for (uint32_t i = 0; i < n && rc == 0; i++) {
    accumulate(&w, i);
    rc = append_row(&w, &s, i, select_row(&w, i, n), err);
  }
out:
  free(w.acc);
  free(w.seen);
  free(w.kept);
  if (rc != 0) {
    gb_itemsim_free(&s);
    return -1;
  }
  *out = s;
  return 0;
}

void gb_itemsim_score(const gb_itemsim *s, const uint32_t *items, const double *weights, size_t n,
                      double *scores) {
  for (size_t h = 0; h < n; h++) {
    uint32_t i = items[h];
    GB_ASSERT(i < s->n);
    double wh = weights ? weights[h] : 1.0;
    for (size_t t = s->ptr[i]; t < s->ptr[i + 1]; t++)
      scores[s->cols[t]] += wh * s->vals[t];
  }
}

double gb_itemsim_get(const gb_itemsim *s, uint32_t i, uint32_t j) {
  GB_ASSERT(i < s->n && j < s->n);
  size_t lo = s->ptr[i], hi = s->ptr[i + 1];
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (s->cols[mid] < j)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < s->ptr[i + 1] && s->cols[lo] == j ? s->vals[lo] : 0.0;
}

size_t gb_itemsim_row_len(const gb_itemsim *s, uint32_t i) {
  GB_ASSERT(i < s->n);
  return s->ptr[i + 1] - s->ptr[i];
}

void gb_itemsim_free(gb_itemsim *s) {
  free(s->ptr);
  free(s->cols);
  free(s->vals);
  s->ptr = NULL;
  s->cols = NULL;
  s->vals = NULL;
}
