#include "gb_store_sampler.h"

#include <stdlib.h>

enum { GUIDE = 1024 };
/* The head holds this much of the weight (or GB_STORE_SAMPLER_HEAD items). */
#define HEAD_SHARE 0.9

typedef struct head_entry {
  double cdf; /* the share of this item and the ones before it in the whole weight */
  uint32_t id, unused;
} head_entry;

/* Column i gives `own` with probability keep, else `other`. */
typedef struct tail_column {
  double keep;
  uint32_t own, other;
} tail_column;

struct gb_store_sampler {
  double head_share;  /* cdf of the head's last item: 1 when there is no tail */
  double guide_scale; /* GUIDE / head_share */
  head_entry *head;
  uint32_t n_head;
  uint32_t guide[GUIDE + 1]; /* guide[j]: the first head entry with cdf > j head_share / GUIDE */
  tail_column *tail;
  uint32_t n_tail;
};

static uint32_t head_size(const double *w, uint32_t n, double total) {
  double acc = 0;
  for (uint32_t i = 0; i < n && i < GB_STORE_SAMPLER_HEAD; i++) {
    acc += w[i];
    if (acc >= HEAD_SHARE * total)
      return i + 1;
  }
  return n < GB_STORE_SAMPLER_HEAD ? n : GB_STORE_SAMPLER_HEAD;
}

static void build_head(gb_store_sampler *s, const double *w, const uint32_t *id, double total) {
  double acc = 0;
  for (uint32_t i = 0; i < s->n_head; i++) {
    acc += w[i];
    s->head[i] = (head_entry){.cdf = acc / total, .id = id[i]};
  }
  if (s->n_tail == 0)
    s->head[s->n_head - 1].cdf = 1.0; /* rounding: every u < 1 finds an entry */
  s->head_share = s->head[s->n_head - 1].cdf;
  s->guide_scale = GUIDE / s->head_share;
  for (uint32_t j = 0, at = 0; j < GUIDE; j++) {
    while (at < s->n_head - 1 && s->head[at].cdf <= (double)j / s->guide_scale)
      at++;
    s->guide[j] = at;
  }
  s->guide[GUIDE] = s->n_head - 1;
}

/* Vose's construction over w[0..n) (sum > 0): columns below the mean weight are topped up from
 * columns above it. Deterministic: the work lists are processed in index order. */
static int build_tail(gb_store_sampler *s, const double *w, const uint32_t *id) {
  uint32_t n = s->n_tail;
  uint32_t *small = malloc(n * sizeof *small), *large = malloc(n * sizeof *large);
  double *scaled = malloc(n * sizeof *scaled);
  int rc = small && large && scaled ? 0 : -1;
  if (rc == 0) {
    double total = 0;
    for (uint32_t i = 0; i < n; i++)
      total += w[i];
    uint32_t ns = 0, nl = 0;
    for (uint32_t i = 0; i < n; i++) {
      scaled[i] = total > 0 ? w[i] * (double)n / total : 1.0;
      s->tail[i] = (tail_column){.keep = 1.0, .own = id[i], .other = id[i]};
      if (scaled[i] < 1.0)
        small[ns++] = i;
      else
        large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
      uint32_t lo = small[--ns], hi = large[nl - 1];
      s->tail[lo].keep = scaled[lo];
      s->tail[lo].other = id[hi];
      scaled[hi] -= 1.0 - scaled[lo];
      if (scaled[hi] < 1.0) {
        nl--;
        small[ns++] = hi;
      }
    }
    /* What is left keeps its own id (keep 1): its scaled weight is 1 up to rounding. */
  }
  free(small);
  free(large);
  free(scaled);
  return rc;
}

int gb_store_sampler_new(const double *w, const uint32_t *id, uint32_t n, gb_store_sampler **out) {
  gb_store_sampler *s = calloc(1, sizeof *s);
  if (!s)
    return -1;
  double total = 0;
  for (uint32_t i = 0; i < n; i++)
    total += w[i];
  s->n_head = head_size(w, n, total);
  s->n_tail = n - s->n_head;
  s->head = malloc(s->n_head * sizeof *s->head);
  s->tail = s->n_tail ? malloc(s->n_tail * sizeof *s->tail) : NULL;
  if (!s->head || (s->n_tail && !s->tail)) {
    gb_store_sampler_free(s);
    return -1;
  }
  build_head(s, w, id, total);
  if (s->n_tail && build_tail(s, w + s->n_head, id + s->n_head) != 0) {
    gb_store_sampler_free(s);
    return -1;
  }
  *out = s;
  return 0;
}

void gb_store_sampler_free(gb_store_sampler *s) {
  if (!s)
    return;
  free(s->head);
  free(s->tail);
  free(s);
}

static uint32_t draw_head(const gb_store_sampler *s, double u) {
  uint32_t j = (uint32_t)(u * s->guide_scale);
  if (j >= GUIDE) /* u just below head_share rounding up */
    j = GUIDE - 1;
  uint32_t lo = s->guide[j], hi = s->guide[j + 1]; /* the answer is in [lo, hi] */
  while (lo > 0 && s->head[lo - 1].cdf > u)        /* u * guide_scale rounded up to the next slot */
    lo--;
  if (u < s->head[lo].cdf)
    return s->head[lo].id;
  while (hi - lo > 1) { /* head[lo].cdf <= u < head[hi].cdf */
    uint32_t mid = lo + (hi - lo) / 2;
    if (s->head[mid].cdf <= u)
      lo = mid;
    else
      hi = mid;
  }
  return s->head[hi].id;
}

static uint32_t draw_tail(const gb_store_sampler *s, double u) {
  double x = (u - s->head_share) / (1.0 - s->head_share) * (double)s->n_tail;
  uint32_t i = x > 0 ? (uint32_t)x : 0;
  if (i >= s->n_tail) /* rounding */
    i = s->n_tail - 1;
  const tail_column *c = &s->tail[i];
  return x - (double)i < c->keep ? c->own : c->other;
}

uint32_t gb_store_sampler_draw(const gb_store_sampler *s, double u) {
  return u < s->head_share ? draw_head(s, u) : draw_tail(s, u);
}
