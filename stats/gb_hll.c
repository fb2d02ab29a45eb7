#include "gb_hll.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_sketch_int.h"

struct gb_hll {
  int p;          /* precision: m = 2^p registers */
  unsigned q;     /* 64 - p: the bits a rank is counted in; ranks are 0 .. q + 1 */
  uint32_t m;     /* register count */
  uint8_t regs[]; /* one allocation with the header */
};

static bool precision_ok(int p) { return p >= GB_HLL_MIN_PRECISION && p <= GB_HLL_MAX_PRECISION; }

static gb_hll *alloc_hll(int p) {
  uint32_t m = UINT32_C(1) << p;
  gb_hll *h = calloc(1, sizeof *h + m);
  if (!h)
    return NULL;
  h->p = p;
  h->q = 64u - (unsigned)p;
  h->m = m;
  return h;
}

int gb_hll_new(int precision, gb_hll **out, gb_err *err) {
  if (!precision_ok(precision))
    return gb_err_set(err, GB_ERR_INPUT, "hll: precision %d is outside [%d, %d]", precision,
                      GB_HLL_MIN_PRECISION, GB_HLL_MAX_PRECISION);
  gb_hll *h = alloc_hll(precision);
  if (!h)
    return gb_err_set(err, GB_ERR_RUNTIME, "hll: out of memory for %u registers", 1u << precision);
  *out = h;
  return 0;
}

void gb_hll_free(gb_hll *h) { free(h); }

void gb_hll_add_hash(gb_hll *h, uint64_t hash) {
  uint32_t idx = (uint32_t)(hash >> h->q);
  /* The sentinel bit just below the q rank bits caps the leading-zero count at q (rank q + 1)
   * and keeps the argument of clz non-zero. */
  uint64_t w = (hash << h->p) | (UINT64_C(1) << (h->p - 1));
  uint8_t rank = (uint8_t)(__builtin_clzll(w) + 1);
  uint8_t cur = h->regs[idx];
  h->regs[idx] = rank > cur ? rank : cur;
}

/* sigma(x) = x + sum_{k >= 1} x^(2^k) 2^(k-1) (Ertl, eq. 21), summed until it stops changing;
 * +Inf at x = 1 (every register empty: the estimate is then 0). */
static double ertl_sigma(double x) {
  if (x == 1.0)
    return INFINITY;
  double y = 1.0, z = x, prev;
  do {
    x *= x;
    prev = z;
    z += x * y;
    y += y;
  } while (z != prev);
  return z;
}

/* tau(x) = (1 - x - sum_{k >= 1} (1 - x^(2^-k))^2 2^-k) / 3 (Ertl, eq. 24). */
static double ertl_tau(double x) {
  if (x == 0.0 || x == 1.0)
    return 0.0;
  double y = 1.0, z = 1.0 - x, prev;
  do {
    x = sqrt(x);
    prev = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
  } while (z != prev);
  return z / 3.0;
}

double gb_hll_estimate(const gb_hll *h) {
  uint32_t hist[64] = {0}; /* ranks go up to q + 1 = 65 - p <= 61 */
  for (uint32_t i = 0; i < h->m; i++)
    hist[h->regs[i]]++;
  double m = (double)h->m;
  double z = m * ertl_tau((m - hist[h->q + 1]) / m);
  for (unsigned k = h->q; k >= 1; k--)
    z = 0.5 * (z + hist[k]);
  z += m * ertl_sigma(hist[0] / m);
  /* alpha_inf = 1 / (2 ln 2); z = +Inf (empty) gives 0, z = 0 (all saturated) +Inf */
  return m * m / (2.0 * M_LN2 * z);
}

int gb_hll_precision(const gb_hll *h) { return h->p; }

double gb_hll_standard_error(int precision) { return 1.04 / sqrt(ldexp(1.0, precision)); }

/* Bytewise max of two words of registers, SWAR: a register is at most 61 (q + 1 <= 61), below
 * 128, so (a | 0x80) - b borrows from no neighbour and keeps its byte's top bit exactly when
 * a >= b; that bit spread over the byte selects a, its absence b. */
static uint64_t max_bytes(uint64_t a, uint64_t b) {
  const uint64_t high = UINT64_C(0x8080808080808080);
  uint64_t a_ge_b = (((a | high) - b) & high) >> 7;
  uint64_t pick_a = a_ge_b * 0xff;
  return (a & pick_a) | (b & ~pick_a);
}

/* dst[i] = max(dst[i], src[i]) for m registers (m = 2^p >= 16, a multiple of 8): eight at a
 * time, rather than a byte loop -O2 leaves scalar. */
static void max_registers(uint8_t *dst, const uint8_t *src, uint32_t m) {
  for (uint32_t i = 0; i < m; i += 8) {
    uint64_t a, b;
    memcpy(&a, dst + i, sizeof a);
    memcpy(&b, src + i, sizeof b);
    a = max_bytes(a, b);
    memcpy(dst + i, &a, sizeof a);
  }
}

int gb_hll_merge(gb_hll *dst, const gb_hll *src, gb_err *err) {
  if (dst->p != src->p)
    return gb_err_set(err, GB_ERR_INPUT,
                      "hll: cannot merge a sketch of precision %d into one of precision %d", src->p,
                      dst->p);
  max_registers(dst->regs, src->regs, dst->m);
  return 0;
}

size_t gb_hll_memory_bytes(const gb_hll *h) { return sizeof *h + h->m; }

int gb_hll_clone(const gb_hll *h, gb_hll **out, gb_err *err) {
  gb_hll *c = alloc_hll(h->p);
  if (!c)
    return gb_err_set(err, GB_ERR_RUNTIME, "hll: out of memory for a copy of %u registers", h->m);
  memcpy(c->regs, h->regs, h->m);
  *out = c;
  return 0;
}

static size_t packed_bytes(uint32_t m) { return (size_t)m / 4 * 3; }

size_t gb_hll_serialized_size(const gb_hll *h) { return 1 + packed_bytes(h->m); }

size_t gb_hll_serialize(const gb_hll *h, uint8_t *buf) {
  buf[0] = (uint8_t)h->p;
  uint8_t *out = buf + 1;
  for (uint32_t i = 0; i < h->m; i += 4, out += 3) {
    const uint8_t *r = &h->regs[i];
    uint32_t v = (uint32_t)r[0] | (uint32_t)r[1] << 6 | (uint32_t)r[2] << 12 | (uint32_t)r[3] << 18;
    out[0] = (uint8_t)v;
    out[1] = (uint8_t)(v >> 8);
    out[2] = (uint8_t)(v >> 16);
  }
  return (size_t)(out - buf);
}

/* Unpacks the registers of h from in (packed_bytes(h->m) bytes); false when one is above the
 * largest rank q + 1 (the index of the first such register in *bad, its value in *bad_rank). */
static bool unpack_registers(gb_hll *h, const uint8_t *in, uint32_t *bad, unsigned *bad_rank) {
  for (uint32_t i = 0; i < h->m; i += 4, in += 3) {
    uint32_t v = (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16;
    for (uint32_t j = 0; j < 4; j++) {
      uint8_t r = (uint8_t)((v >> (6 * j)) & 0x3f);
      if (r > h->q + 1) {
        *bad = i + j;
        *bad_rank = r;
        return false;
      }
      h->regs[i + j] = r;
    }
  }
  return true;
}

int gb_hll_deserialize(const uint8_t *buf, size_t len, gb_hll **out, size_t *consumed,
                       gb_err *err) {
  if (len < 1)
    return gb_err_set(err, GB_ERR_INPUT, "hll: truncated: no precision byte");
  int p = buf[0];
  if (!precision_ok(p))
    return gb_err_set(err, GB_ERR_INPUT, "hll: corrupt: precision %d is outside [%d, %d]", p,
                      GB_HLL_MIN_PRECISION, GB_HLL_MAX_PRECISION);
  size_t need = 1 + packed_bytes(UINT32_C(1) << p);
  if (len < need)
    return gb_err_set(err, GB_ERR_INPUT,
                      "hll: truncated: precision %d needs %zu bytes of registers, %zu left", p,
                      need - 1, len - 1);
  gb_hll *h = alloc_hll(p);
  if (!h)
    return gb_err_set(err, GB_ERR_RUNTIME, "hll: out of memory for %u registers", 1u << p);
  uint32_t bad = 0;
  unsigned bad_rank = 0;
  if (!unpack_registers(h, buf + 1, &bad, &bad_rank)) {
    gb_hll_free(h);
    return gb_err_set(err, GB_ERR_INPUT,
                      "hll: corrupt: register %u holds %u, above the largest rank %u of "
                      "precision %d",
                      bad, bad_rank, 65u - (unsigned)p, p);
  }
  *out = h;
  *consumed = need;
  return 0;
}
