#include "gb_eval_metrics.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"

static bool contains(const uint32_t *sorted, size_t n, uint32_t v) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (sorted[mid] < v)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < n && sorted[lo] == v;
}

void gb_eval_metrics_user(const uint32_t *ranked, size_t n_ranked, size_t k,
                          const uint32_t *relevant, size_t n_relevant, gb_eval_user_metrics *out) {
  GB_ASSERT(k >= 1 && n_relevant >= 1);
  size_t len = n_ranked < k ? n_ranked : k, ideal = n_relevant < k ? n_relevant : k;
  double hits = 0, dcg = 0, idcg = 0, ap = 0;
  for (size_t i = 0; i < len; i++) {
    if (!contains(relevant, n_relevant, ranked[i]))
      continue;
    hits += 1;
    dcg += 1.0 / log2((double)i + 2.0);
    ap += hits / ((double)i + 1.0);
  }
  for (size_t i = 0; i < ideal; i++)
    idcg += 1.0 / log2((double)i + 2.0);
  *out = (gb_eval_user_metrics){.precision = hits / (double)k,
                                .recall = hits / (double)n_relevant,
                                .ndcg = dcg / idcg,
                                .ap = ap / (double)ideal,
                                .hit = hits > 0 ? 1.0 : 0.0};
}

/* ---- top k ------------------------------------------------------------------------------- */

typedef struct cand {
  double s;
  uint32_t item;
} cand;

/* a ranks after b: a smaller score, or the same score and a larger index; NaN after numbers. */
static bool after(const cand *a, const cand *b) {
  if (isnan(a->s) || isnan(b->s))
    return isnan(a->s) && (!isnan(b->s) || a->item > b->item);
  return a->s < b->s || (a->s == b->s && a->item > b->item);
}

/* The heap keeps the k best with the one ranking last on top. */
static void sift_down(cand *h, size_t n, size_t at) {
  for (;;) {
    size_t l = 2 * at + 1, r = l + 1, w = at;
    if (l < n && after(&h[l], &h[w]))
      w = l;
    if (r < n && after(&h[r], &h[w]))
      w = r;
    if (w == at)
      return;
    cand t = h[at];
    h[at] = h[w];
    h[w] = t;
    at = w;
  }
}

static void sift_up(cand *h, size_t at) {
  while (at > 0) {
    size_t parent = (at - 1) / 2;
    if (!after(&h[at], &h[parent]))
      return;
    cand t = h[at];
    h[at] = h[parent];
    h[parent] = t;
    at = parent;
  }
}

size_t gb_eval_top_k_scratch(size_t k) { return (k + 1) * sizeof(cand); }

size_t gb_eval_top_k(const double *scores, uint32_t n_items, const uint32_t *exclude,
                     size_t n_exclude, size_t k, uint32_t *out, void *heap) {
  cand *h = heap;
  size_t n = 0, next_ex = 0;
  for (uint32_t j = 0; j < n_items; j++) {
    while (next_ex < n_exclude && exclude[next_ex] < j)
      next_ex++;
    if (next_ex < n_exclude && exclude[next_ex] == j)
      continue;
    cand c = {.s = scores[j], .item = j};
    if (n < k) {
      h[n] = c;
      sift_up(h, n++);
    } else if (after(&h[0], &c)) {
      h[0] = c;
      sift_down(h, n, 0);
    }
  }
  /* pop the last-ranked first: out fills from the back */
  for (size_t left = n; left > 0; left--) {
    out[left - 1] = h[0].item;
    h[0] = h[left - 1];
    sift_down(h, left - 1, 0);
  }
  return n;
}

/* ---- over users -------------------------------------------------------------------------- */

struct gb_eval_acc {
  uint32_t n_items;
  size_t k;
  size_t users;
  double precision, recall, ndcg, ap, hit;
  uint8_t *covered; /* by item */
  size_t n_covered;
  double *ndcgs;
  size_t cap_ndcgs;
};

int gb_eval_acc_new(uint32_t n_items, size_t k, size_t expected_users, gb_eval_acc **out,
                    gb_err *err) {
  GB_ASSERT(k >= 1);
  gb_eval_acc *a = calloc(1, sizeof *a);
  if (a)
    a->covered = calloc((size_t)n_items + 1, 1);
  if (!a || !a->covered ||
      GB_GROW(a->ndcgs, a->cap_ndcgs, expected_users + 1, 64, "users' NDCG values", err) != 0) {
    gb_eval_acc_free(a);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the metrics of %u items", n_items);
  }
  a->n_items = n_items;
  a->k = k;
  *out = a;
  return 0;
}

int gb_eval_acc_add(gb_eval_acc *a, const uint32_t *ranked, size_t n_ranked,
                    const uint32_t *relevant, size_t n_relevant, gb_err *err) {
  if (GB_GROW(a->ndcgs, a->cap_ndcgs, a->users + 1, 64, "users' NDCG values", err) != 0)
    return -1;
  gb_eval_user_metrics m;
  gb_eval_metrics_user(ranked, n_ranked, a->k, relevant, n_relevant, &m);
  a->precision += m.precision;
  a->recall += m.recall;
  a->ndcg += m.ndcg;
  a->ap += m.ap;
  a->hit += m.hit;
  a->ndcgs[a->users++] = m.ndcg;
  size_t len = n_ranked < a->k ? n_ranked : a->k;
  for (size_t i = 0; i < len; i++) {
    GB_ASSERT(ranked[i] < a->n_items);
    a->n_covered += !a->covered[ranked[i]];
    a->covered[ranked[i]] = 1;
  }
  return 0;
}

void gb_eval_acc_result(const gb_eval_acc *a, gb_eval_metrics *out) {
  double n = a->users > 0 ? (double)a->users : 1.0;
  *out = (gb_eval_metrics){
      .users = a->users,
      .precision = a->precision / n,
      .recall = a->recall / n,
      .ndcg = a->ndcg / n,
      .map = a->ap / n,
      .hit_rate = a->hit / n,
      .coverage = a->n_items > 0 ? (double)a->n_covered / (double)a->n_items : 0.0,
  };
}

const double *gb_eval_acc_ndcg(const gb_eval_acc *a, size_t *n) {
  *n = a->users;
  return a->ndcgs;
}

void gb_eval_acc_free(gb_eval_acc *a) {
  if (!a)
    return;
  free(a->covered);
  free(a->ndcgs);
  free(a);
}
