/* gamebench bench matcher: scan vs index over a sweep of catalogue sizes, with a gaming-shaped
 * mix, plus the cost of hot updates. Writes matcher.csv and a log-log plot (gnuplot via a pipe)
 * of ns/event vs definitions. docs/benchmarks.md records the figures.
 *
 * The mix: definitions and events share a few hot equality attributes (type, game, room,
 * currency: skewed, Zipf-like); each definition has a stake range (bet or amount) and a band of
 * the player's coin balance, and 30 % a wider third range (level, days since install, score);
 * `--mix spread` draws two ranges among all of them instead. Range widths
 * shrink as 1/sqrt(definitions) so that the expected match count per event stays constant
 * across the sweep (the issue's "at a constant match count"); 20 broad definitions (bet >= X)
 * stand for global challenges. Players are skewed (player index = P * u^3: the most active 10 %
 * send ~46 % of the events) and carry fixed state derived from their id. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gb_attrs.h"
#include "gb_benches.h"
#include "gb_catalog.h"
#include "gb_clock.h"
#include "gb_matcher.h"
#include "gb_opts.h"
#include "gb_quantile.h"
#include "gb_rng.h"

enum {
  RING = 8192,          /* distinct events, replayed cyclically */
  PLAYERS = 100000,     /* simulated population */
  BROAD_DEFS = 20,      /* definitions independent of the sweep size */
  SWEEP_MAX = 16,       /* sizes in one sweep */
  MATCH_CAP = 1 << 16,  /* matches one event may return */
  AGREE_EVENTS = 300,   /* events on which scan and index must agree, per size */
  REPETITIONS_MAX = 15, /* timed runs per size and algorithm (--repetitions) */
  DEF_TEXT_MAX = 512    /* bytes of one generated definition */
};

/* ---- the gaming-shaped mix ---- */

/* The simulator's games (sim/gb_games.c), most popular first: the Zipf draw follows this order. */
static const char *const games[] = {"dou_dizhu", "sichuan_mahjong", "pao_de_kuai",
                                    "guandan",   "zhajinhua",       "guangdong_mahjong",
                                    "big_two",   "texas_holdem"};
static const char *const rooms[] = {"novice", "intermediate", "advanced", "vip"};
static const char *const currencies[] = {"CNY", "USD", "BRL", "EUR"};
enum { N_GAMES = 8, N_ROOMS = 4, N_CURRENCIES = 4 };

typedef enum evtype { T_GAME_END, T_GAME_START, T_PURCHASE, T_LEVEL_UP, N_TYPES } evtype;
/* Share of each type among events and definitions (game_end dominates card platforms). */
static const double type_weights[N_TYPES] = {0.6, 0.25, 0.1, 0.05};

/* Numeric attributes: value = lo * (hi/lo)^q (log scale) or lo + (hi-lo) * q (linear), q in [0,1]:
 * ranges are drawn in q-space so that every attribute has comparable selectivity. */
typedef struct num_attr {
  const char *key; /* attribute name (player.* under the definition's `player:`) */
  bool player;
  bool log_scale;
  double lo, hi;
} num_attr;

enum { A_BET, A_SCORE, A_AMOUNT, A_LEVEL, A_P_LEVEL, A_P_COINS, A_P_DAYS, N_NUM };
static const num_attr nums[N_NUM] = {
    [A_BET] = {"bet", false, true, 1, 10000},
    [A_SCORE] = {"score", false, false, 0, 1000},
    [A_AMOUNT] = {"amount", false, true, 1, 500},
    [A_LEVEL] = {"level", false, false, 1, 100},
    [A_P_LEVEL] = {"level", true, false, 1, 100},
    [A_P_COINS] = {"coin_balance", true, true, 10, 1000000},
    [A_P_DAYS] = {"days_since_install", true, false, 0, 365},
};

/* Range attributes a definition of each type may use. */
static const int type_ranges[N_TYPES][5] = {
    [T_GAME_END] = {A_BET, A_SCORE, A_P_LEVEL, A_P_COINS, A_P_DAYS},
    [T_GAME_START] = {A_BET, A_P_LEVEL, A_P_COINS, A_P_DAYS, -1},
    [T_PURCHASE] = {A_AMOUNT, A_P_LEVEL, A_P_COINS, A_P_DAYS, -1},
    [T_LEVEL_UP] = {A_LEVEL, A_P_COINS, A_P_DAYS, -1, -1},
};

static double num_value(int a, double q) {
  const num_attr *n = &nums[a];
  double v = n->log_scale ? n->lo * pow(n->hi / n->lo, q) : n->lo + (n->hi - n->lo) * q;
  return floor(v); /* integer values, as the platform sends them */
}

/* Index of a Zipf(1)-distributed choice among n (weights 1/(i+1)). */
static int zipf(gb_rng *r, int n) {
  double total = 0;
  for (int i = 0; i < n; i++)
    total += 1.0 / (i + 1);
  double u = gb_rng_uniform(r) * total;
  for (int i = 0; i < n; i++) {
    u -= 1.0 / (i + 1);
    if (u < 0)
      return i;
  }
  return n - 1;
}

static evtype pick_type(gb_rng *r) {
  double u = gb_rng_uniform(r);
  for (int t = 0; t < N_TYPES; t++) {
    u -= type_weights[t];
    if (u < 0)
      return (evtype)t;
  }
  return T_GAME_END;
}

static const char *type_name(evtype t) {
  static const char *const names[N_TYPES] = {"game_end", "game_start", "purchase", "level_up"};
  return names[t];
}

/* Appends a criterion `key: {between: [lo, hi]}` covering width w of attribute a's q-space. */
static size_t put_range(char *buf, size_t size, gb_rng *r, int a, double w) {
  double q0 = gb_rng_uniform(r) * (1 - w);
  double lo = num_value(a, q0), hi = num_value(a, q0 + w);
  return (size_t)snprintf(buf, size, "%s: {between: [%.0f, %.0f]}", nums[a].key, lo, hi);
}

/* The main ranges of each type in the gaming mix: a stake (bet, amount) and a band of the
 * player's coin balance, the segmentation operators use most; a level band or days since
 * install is the optional third. (Levels are integers 1..100: as a main range they could not
 * narrow below one level, and the match count would grow with the catalogue.) */
static const int main_ranges[N_TYPES][2] = {
    [T_GAME_END] = {A_BET, A_P_COINS},
    [T_GAME_START] = {A_BET, A_P_COINS},
    [T_PURCHASE] = {A_AMOUNT, A_P_COINS},
    [T_LEVEL_UP] = {A_P_COINS, A_P_DAYS},
};
static const int extra_ranges[N_TYPES][3] = {
    [T_GAME_END] = {A_P_LEVEL, A_P_DAYS, A_SCORE},
    [T_GAME_START] = {A_P_LEVEL, A_P_DAYS, -1},
    [T_PURCHASE] = {A_P_LEVEL, A_P_DAYS, -1},
    [T_LEVEL_UP] = {A_LEVEL, -1, -1},
};

/* Share of definitions with a third range, and how much wider it is (coin_balance >= X style). */
#define EXTRA_RANGE_SHARE 0.3
#define EXTRA_RANGE_WIDTH 3.0

typedef enum mix { MIX_GAMING, MIX_SPREAD } mix;

/* The range attributes of one definition: the gaming mix (main pair, sometimes a wider third),
 * or `spread` (two drawn at random among all of the type's attributes: many attribute pairs). */
static int pick_ranges(gb_rng *r, evtype t, mix m, int *attrs, double *widths, double w) {
  if (m == MIX_SPREAD) {
    int n_choices = 0;
    while (n_choices < 5 && type_ranges[t][n_choices] >= 0)
      n_choices++;
    attrs[0] = type_ranges[t][gb_rng_below(r, (uint64_t)n_choices)];
    do
      attrs[1] = type_ranges[t][gb_rng_below(r, (uint64_t)n_choices)];
    while (attrs[1] == attrs[0]);
    widths[0] = widths[1] = w;
    return 2;
  }
  attrs[0] = main_ranges[t][0];
  attrs[1] = main_ranges[t][1];
  widths[0] = widths[1] = w;
  if (gb_rng_uniform(r) >= EXTRA_RANGE_SHARE)
    return 2;
  int n_extra = 0;
  while (n_extra < 3 && extra_ranges[t][n_extra] >= 0)
    n_extra++;
  attrs[2] = extra_ranges[t][gb_rng_below(r, (uint64_t)n_extra)];
  widths[2] = fmin(1.0, EXTRA_RANGE_WIDTH * w);
  return 3;
}

/* One definition of the mix, as YAML flow text; w is the range width in q-space. */
static void gen_def(char *buf, size_t size, gb_rng *r, uint64_t id, double w, mix m) {
  evtype t = pick_type(r);
  size_t n =
      (size_t)snprintf(buf, size, "{id: b%" PRIu64 ", criteria: {type: %s", id, type_name(t));
  if (t == T_GAME_END || t == T_GAME_START) {
    n += (size_t)snprintf(buf + n, size - n, ", game: %s", games[zipf(r, N_GAMES)]);
    if (gb_rng_below(r, 2))
      n += (size_t)snprintf(buf + n, size - n, ", room: %s", rooms[zipf(r, N_ROOMS)]);
  } else if (t == T_PURCHASE) {
    n += (size_t)snprintf(buf + n, size - n, ", currency: %s", currencies[zipf(r, N_CURRENCIES)]);
  }
  int attrs[3];
  double widths[3];
  int n_ranges = pick_ranges(r, t, m, attrs, widths, w);
  for (int k = 0; k < n_ranges; k++) /* event ranges inside criteria */
    if (!nums[attrs[k]].player) {
      n += (size_t)snprintf(buf + n, size - n, ", ");
      n += put_range(buf + n, size - n, r, attrs[k], widths[k]);
    }
  n += (size_t)snprintf(buf + n, size - n, "}, player: {");
  bool first = true;
  for (int k = 0; k < n_ranges; k++) /* player ranges under player: */
    if (nums[attrs[k]].player) {
      n += (size_t)snprintf(buf + n, size - n, first ? "" : ", ");
      n += put_range(buf + n, size - n, r, attrs[k], widths[k]);
      first = false;
    }
  snprintf(buf + n, size - n, "}, progress: {count: 3}, ttl: 2h}");
}

static void gen_broad_def(char *buf, size_t size, gb_rng *r, int i) {
  snprintf(buf, size, "{id: broad%d, criteria: {type: game_end, game: %s, bet: {gte: %.0f}}}", i,
           games[i % N_GAMES], num_value(A_BET, 0.5 + gb_rng_uniform(r) / 2));
}

/* Fixed state of a player, derived from (seed, player). */
static void player_state(uint64_t seed, uint64_t p, gb_player_state *ps) {
  gb_rng r;
  gb_rng_seed(&r, seed, p);
  double u = gb_rng_uniform(&r);
  ps->level = (int32_t)(1 + 99 * u * u); /* most players are low level */
  ps->coin_balance = (int64_t)num_value(A_P_COINS, gb_rng_uniform(&r));
  ps->preferred_game = games[zipf(&r, N_GAMES)];
  ps->days_since_install = num_value(A_P_DAYS, gb_rng_uniform(&r));
}

/* One event of the mix and its player's state. */
typedef struct sample {
  gb_event ev;
  gb_player_state ps;
} sample;

static void gen_event(sample *sm, gb_rng *r, uint64_t seed, uint64_t i) {
  gb_event ev;
  gb_event_init(&ev);
  double u = gb_rng_uniform(r);
  uint64_t player = (uint64_t)(PLAYERS * u * u * u); /* skewed activity */
  gb_player_state ps;
  player_state(seed, player, &ps);
  ev.event_id = i;
  ev.player_id = player;
  ev.ts = 1704067200000LL + (int64_t)i * 10;
  snprintf(ev.platform, sizeof ev.platform, "android");
  snprintf(ev.country, sizeof ev.country, "CN");
  evtype t = pick_type(r);
  switch (t) {
  case T_GAME_END:
  case T_GAME_START:
    ev.type = t == T_GAME_END ? GB_EV_GAME_END : GB_EV_GAME_START;
    snprintf(ev.u.game.game, sizeof ev.u.game.game, "%s", games[zipf(r, N_GAMES)]);
    snprintf(ev.u.game.room, sizeof ev.u.game.room, "%s", rooms[zipf(r, N_ROOMS)]);
    ev.u.game.bet = (int64_t)num_value(A_BET, gb_rng_uniform(r));
    ev.u.game.coin_balance = ps.coin_balance;
    ev.u.game.level = ps.level;
    ev.u.game.won = gb_rng_below(r, 2);
    ev.u.game.score = (int64_t)num_value(A_SCORE, gb_rng_uniform(r));
    ev.u.game.coins_delta = ev.u.game.won ? ev.u.game.bet : -ev.u.game.bet;
    break;
  case T_PURCHASE:
    ev.type = GB_EV_PURCHASE;
    snprintf(ev.u.purchase.sku, sizeof ev.u.purchase.sku, "coins_pack");
    ev.u.purchase.amount = num_value(A_AMOUNT, gb_rng_uniform(r));
    snprintf(ev.u.purchase.currency, sizeof ev.u.purchase.currency, "%s",
             currencies[zipf(r, N_CURRENCIES)]);
    break;
  default:
    ev.type = GB_EV_LEVEL_UP;
    ev.u.level = ps.level;
    break;
  }
  sm->ev = ev;
  sm->ps = ps;
}

/* ---- measurement ---- */

typedef struct row {
  size_t defs;
  const char *algo;
  uint64_t events;
  double ns_per_event; /* gb_matcher_match alone: total minus building the attributes */
  double attrs_ns;     /* building one event's attributes (gb_attrs_add_event + _add_player) */
  double matches_per_event, candidates_per_event;
  double build_ms;  /* matcher construction */
  double update_ns; /* per hot update applied to this matcher (re-filing) */
  double upsert_ns; /* per hot update parsed, queued and applied by the catalogue (both rows) */
  double load_ns;   /* per definition loaded into the catalogue (both rows) */
} row;

/* Which algorithms a run measures: both (the default, with the agreement check), or one of them
 * (profiling one algorithm under valgrind without paying for the other). */
typedef enum which { RUN_BOTH, RUN_INDEX, RUN_SCAN } which;

typedef struct bench {
  uint64_t seed;
  mix mix;
  which which;
  double width; /* range width at 1000 definitions */
  int64_t n_events, scan_ms, n_updates, repetitions;
  sample ring[RING];
  gb_attrs *attrs;
  uint32_t *out, *out2;
  row rows[2 * SWEEP_MAX];
  size_t n_rows;
} bench;

static double now_ms(void) { return gb_clock_now_ns() / 1e6; }

/* The range width giving a constant match count: `width` at 1k definitions, shrinking as
 * 1/sqrt(n) because each definition has two independent narrow ranges. */
static double width_for(const bench *b, size_t n) {
  return fmin(1.0, b->width * sqrt(1000.0 / (double)n));
}

static int build_catalog(bench *b, size_t n, gb_catalog **out, double *ns_per_def, gb_err *err) {
  gb_catalog *c = NULL;
  if (gb_catalog_new(&c, err) != 0)
    return -1;
  gb_rng r;
  gb_rng_seed(&r, b->seed, n);
  char text[DEF_TEXT_MAX];
  int64_t t0 = gb_clock_now_ns();
  for (size_t i = 0; i < n + BROAD_DEFS; i++) {
    if (i < BROAD_DEFS)
      gen_broad_def(text, sizeof text, &r, (int)i);
    else
      gen_def(text, sizeof text, &r, i, width_for(b, n), b->mix);
    if (gb_catalog_upsert(c, text, strlen(text), 0, err) != 0) {
      gb_catalog_free(c);
      return gb_err_prefix(err, "bench matcher: generated definition: ");
    }
  }
  gb_catalog_advance(c, 0);
  *ns_per_def = (double)(gb_clock_now_ns() - t0) / (double)(n + BROAD_DEFS);
  *out = c;
  return 0;
}

/* The attributes of event i, built the way the pipeline builds them (hot in cache, as they are
 * when the pipeline matches right after decoding). */
static const gb_attrs *attrs_of(bench *b, int64_t i) {
  const sample *sm = &b->ring[i % RING];
  gb_attrs_clear(b->attrs);
  gb_attrs_add_event(b->attrs, &sm->ev);
  gb_attrs_add_player(b->attrs, &sm->ps);
  return b->attrs;
}

/* ns per event of building the attributes alone, subtracted from the matching runs. */
static double attrs_cost(bench *b, int64_t n_events) {
  int64_t t0 = gb_clock_thread_cpu_ns();
  for (int64_t i = 0; i < n_events; i++)
    attrs_of(b, i);
  return (double)(gb_clock_thread_cpu_ns() - t0) / (double)n_events;
}

/* Runs events through m: all n_events, or (budget_ms > 0) until the budget is spent. */
static void run(bench *b, gb_matcher *m, int64_t n_events, int64_t budget_ms, row *rw) {
  gb_matcher_stats s0, s1;
  gb_matcher_get_stats(m, &s0);
  /* The budget is wall time (it bounds how long the user waits); the rate is the thread's CPU
   * time, so that other processes on a shared machine do not count against the matcher. */
  int64_t cpu0 = gb_clock_thread_cpu_ns();
  int64_t t0 = gb_clock_now_ns(), deadline = t0 + budget_ms * 1000000;
  int64_t i = 0;
  /* Check the clock every 64 events: reading it costs ~20 ns, a scan event far more. */
  for (; i < n_events && (budget_ms <= 0 || (i & 63) != 0 || gb_clock_now_ns() < deadline); i++)
    gb_matcher_match(m, attrs_of(b, i), b->out, MATCH_CAP);
  int64_t dt = gb_clock_thread_cpu_ns() - cpu0;
  gb_matcher_get_stats(m, &s1);
  rw->events = (uint64_t)i;
  rw->attrs_ns = attrs_cost(b, i < RING ? i : RING);
  rw->ns_per_event = (double)dt / (double)i - rw->attrs_ns;
  rw->matches_per_event = (double)(s1.matches - s0.matches) / (double)i;
  rw->candidates_per_event = (double)(s1.candidates - s0.candidates) / (double)i;
}

/* `repetitions` runs; ns/event is their median (the others are noise on a shared machine). */
static void run_median(bench *b, gb_matcher *m, int64_t n_events, int64_t budget_ms, row *rw) {
  double ns[REPETITIONS_MAX], attrs[REPETITIONS_MAX];
  uint64_t events = 0;
  for (int64_t k = 0; k < b->repetitions; k++) {
    run(b, m, n_events, budget_ms, rw);
    ns[k] = rw->ns_per_event;
    attrs[k] = rw->attrs_ns;
    events += rw->events;
  }
  rw->ns_per_event = gb_quantile_median(ns, (size_t)b->repetitions);
  rw->attrs_ns = gb_quantile_median(attrs, (size_t)b->repetitions);
  rw->events = events;
}

/* Scan and index must return the same matches (a benchmark of a wrong answer is worthless). */
static int agree(bench *b, gb_matcher *scan, gb_matcher *index, int n, gb_err *err) {
  for (int i = 0; i < n; i++) {
    size_t n1 = gb_matcher_match(scan, attrs_of(b, i), b->out, MATCH_CAP);
    size_t n2 = gb_matcher_match(index, attrs_of(b, i), b->out2, MATCH_CAP);
    if (n1 != n2 || memcmp(b->out, b->out2, (n1 < MATCH_CAP ? n1 : MATCH_CAP) * 4) != 0)
      return gb_err_set(err, GB_ERR_RUNTIME,
                        "bench matcher: scan and index disagree on event %d (%zu vs %zu matches)",
                        i, n1, n2);
  }
  return 0;
}

/* Hot updates: n changes (80 % changed definitions, 10 % new, 10 % deleted), timed in the
 * catalogue (parse + validate + queue + apply) and in the index (re-filing on the next match). */
static int hot_updates(bench *b, gb_catalog *c, size_t n_defs, gb_matcher *index, row *rw,
                       gb_err *err) {
  gb_rng r;
  gb_rng_seed(&r, b->seed, 0x686f74 /* "hot" */ + n_defs);
  char text[DEF_TEXT_MAX];
  gb_matcher_stats s0, s1;
  gb_matcher_get_stats(index, &s0);
  int64_t t0 = gb_clock_now_ns();
  /* At most a tenth of the catalogue: a larger backlog makes a matcher rebuild instead (by
   * design), which is not the incremental cost measured here. */
  int64_t n_updates = b->n_updates < (int64_t)n_defs / 10 ? b->n_updates : (int64_t)n_defs / 10;
  if (n_updates < 1)
    n_updates = 1;
  for (int64_t i = 0; i < n_updates; i++) {
    uint64_t kind = gb_rng_below(&r, 10);
    int rc;
    if (kind == 0) {
      char id[32];
      snprintf(id, sizeof id, "b%" PRIu64, BROAD_DEFS + gb_rng_below(&r, n_defs));
      rc = gb_catalog_delete(c, id, 1, err);
    } else {
      uint64_t id =
          kind == 1 ? n_defs + BROAD_DEFS + (uint64_t)i : BROAD_DEFS + gb_rng_below(&r, n_defs);
      gen_def(text, sizeof text, &r, id, width_for(b, n_defs), b->mix);
      rc = gb_catalog_upsert(c, text, strlen(text), 1, err);
    }
    if (rc != 0)
      return -1;
  }
  gb_catalog_advance(c, 1);
  rw->upsert_ns = (double)(gb_clock_now_ns() - t0) / (double)n_updates;
  gb_matcher_match(index, attrs_of(b, 0), b->out, MATCH_CAP); /* catches up */
  gb_matcher_get_stats(index, &s1);
  uint64_t n = s1.updates - s0.updates;
  rw->update_ns = n ? (double)(s1.update_ns - s0.update_ns) / (double)n : 0;
  if (s1.rebuilds != s0.rebuilds)
    rw->update_ns = -1; /* a rebuild is not an incremental cost: reported as n/a */
  return 0;
}

static void print_row(const row *r, const row *index) {
  printf("%10zu  %-5s  %12.0f  %12.0f  %9.2f  %10.1f  %8.0f", r->defs, r->algo, r->ns_per_event,
         1e9 / r->ns_per_event, r->matches_per_event, r->candidates_per_event, r->attrs_ns);
  if (r == index)
    printf("  %9.1f  %10.0f\n", r->build_ms, r->update_ns);
  else if (index)
    printf("  %9s  %10s   (index %.0fx faster)\n", "-", "-", r->ns_per_event / index->ns_per_event);
  else
    printf("  %9s  %10s\n", "-", "-");
}

static int measure(bench *b, size_t n, gb_err *err) {
  gb_catalog *c = NULL;
  double load_ns = 0;
  if (build_catalog(b, n, &c, &load_ns, err) != 0)
    return -1;
  gb_matcher *scan = NULL, *index = NULL;
  bool with_index = b->which != RUN_SCAN, with_scan = b->which != RUN_INDEX;
  double t0 = now_ms();
  int rc = with_index ? gb_matcher_new(c, GB_MATCH_INDEX, &index, err) : 0;
  double index_ms = now_ms() - t0;
  if (rc == 0 && with_scan)
    rc = gb_matcher_new(c, GB_MATCH_SCAN, &scan, err);
  row ri = {.defs = n + BROAD_DEFS, .algo = "index", .build_ms = index_ms, .load_ns = load_ns};
  row rs = {.defs = n + BROAD_DEFS, .algo = "scan", .load_ns = load_ns};
  if (rc == 0 && index && scan)
    rc = agree(b, scan, index, AGREE_EVENTS, err);
  if (rc == 0 && index)
    run_median(b, index, b->n_events, 0, &ri);
  if (rc == 0 && scan)
    run_median(b, scan, b->n_events, b->scan_ms / b->repetitions, &rs);
  if (rc == 0 && index)
    rc = hot_updates(b, c, n, index, &ri, err);
  if (rc == 0 && index && scan)
    rc = agree(b, scan, index, AGREE_EVENTS, err); /* still exact after the updates */
  if (rc == 0) {
    rs.update_ns = 0; /* scan keeps no structure: an update costs it nothing */
    rs.upsert_ns = ri.upsert_ns;
    if (index) {
      b->rows[b->n_rows++] = ri;
      print_row(&ri, &ri);
    }
    if (scan) {
      b->rows[b->n_rows++] = rs;
      print_row(&rs, index ? &ri : NULL);
    }
    fflush(stdout);
  }
  gb_matcher_free(scan);
  gb_matcher_free(index);
  gb_catalog_free(c);
  return rc;
}

/* ---- output ---- */

/* Every field is a number or a fixed identifier ("scan", "index"): nothing to quote or escape. */
static int write_csv(const bench *b, const char *path, gb_err *err) {
  FILE *f = fopen(path, "w");
  if (!f)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: %s", path, strerror(errno));
  fprintf(f, "definitions,algo,events,ns_per_event,events_per_s,matches_per_event,"
             "candidates_per_event,attrs_ns,build_ms,update_ns,upsert_ns,load_ns\n");
  for (size_t i = 0; i < b->n_rows; i++) {
    const row *r = &b->rows[i];
    fprintf(f, "%zu,%s,%" PRIu64 ",%.1f,%.0f,%.3f,%.2f,%.1f,%.1f,%.0f,%.0f,%.0f\n", r->defs,
            r->algo, r->events, r->ns_per_event, 1e9 / r->ns_per_event, r->matches_per_event,
            r->candidates_per_event, r->attrs_ns, r->build_ms, r->update_ns, r->upsert_ns,
            r->load_ns);
  }
  if (fclose(f) != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: write error", path);
  return 0;
}

/* Log-log plot of ns/event vs definitions, through a gnuplot pipe (SVG and PNG). */
static void plot(const char *dir, which w) {
  FILE *g = popen("gnuplot", "w");
  if (!g) {
    fprintf(stderr, "gamebench bench matcher: gnuplot not available: no plot\n");
    return;
  }
  for (int k = 0; k < 2; k++) {
    fprintf(g,
            k == 0 ? "set terminal svg size 800,500\nset output '%s/matcher.svg'\n"
                   : "set terminal pngcairo size 800,500\nset output '%s/matcher.png'\n",
            dir);
    fprintf(g, "set datafile separator ','\nset logscale xy\nset key top left\nset grid\n"
               "set format x '%%.0s%%c'\nset format y '%%.0s%%c'\n"
               "set title 'gamebench matcher: ns per event vs definitions'\n"
               "set xlabel 'definitions'\nset ylabel 'ns per event (matching)'\n");
    /* Rows alternate index, scan (one pair per size) when both ran: `every 2::k` selects one. */
    if (w == RUN_BOTH)
      fprintf(g,
              "plot '%s/matcher.csv' every 2::1 skip 1 using 1:4 with linespoints lw 2 title "
              "'scan', '' every 2::0 skip 1 using 1:4 with linespoints lw 2 title 'index'\n",
              dir);
    else
      fprintf(g, "plot '%s/matcher.csv' skip 1 using 1:4 with linespoints lw 2 title '%s'\n", dir,
              w == RUN_INDEX ? "index" : "scan");
  }
  if (pclose(g) != 0)
    fprintf(stderr, "gamebench bench matcher: gnuplot failed: plot may be missing\n");
}

/* ---- command ---- */

static int parse_sizes(const char *list, size_t *sizes, size_t *n, gb_err *err) {
  *n = 0;
  const char *p = list;
  while (*p) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(p, &end, 10);
    if (errno || end == p || v < 1 || v > 10000000 || (*end && *end != ','))
      return gb_err_set(err, GB_ERR_INPUT,
                        "gamebench bench matcher: --defs: '%s' is not a list of sizes in "
                        "1..10000000 (e.g. 1000,10000)",
                        list);
    if (*n == SWEEP_MAX)
      return gb_err_set(err, GB_ERR_INPUT, "gamebench bench matcher: --defs: at most %d sizes",
                        SWEEP_MAX);
    sizes[(*n)++] = (size_t)v;
    p = *end ? end + 1 : end;
  }
  return *n ? 0 : gb_err_set(err, GB_ERR_INPUT, "gamebench bench matcher: --defs: empty list");
}

int gb_bench_matcher(int argc, char **argv) {
  const char *defs = "1000,10000,100000", *out_dir = NULL, *mix_name = "gaming", *algo = "both";
  double width = 0.25;
  bool full = false, no_plot = false;
  int64_t seed = 1, n_events = 200000, scan_ms = 1000, n_updates = 1000, repetitions = 3;
  const gb_opt opts[] = {
      {"defs", 0, GB_OPT_STRING, &defs, "N,N,...",
       "definition counts to sweep (default 1000,10000,100000)", 0, 0},
      {"full", 0, GB_OPT_FLAG, &full, NULL, "sweep 1000,10000,100000,1000000 (minutes, ~2 GB)", 0,
       0},
      {"events", 0, GB_OPT_INT, &n_events, "N", "events per index run (default 200000)", 1, 1e9},
      {"repetitions", 'r', GB_OPT_INT, &repetitions, "R",
       "timed runs per size and algorithm; the median is reported (default 3)", 1, REPETITIONS_MAX},
      {"scan-ms", 0, GB_OPT_INT, &scan_ms, "MS",
       "time budget of the scan runs of one size, shared by the repetitions (default 1000)", 1,
       1e7},
      {"mix", 0, GB_OPT_STRING, &mix_name, "gaming|spread",
       "definition shape: a stake and a player band (+30 % a third range), or two ranges "
       "drawn among all range attributes (default gaming)",
       0, 0},
      {"algo", 0, GB_OPT_STRING, &algo, "both|index|scan",
       "algorithms to measure; one alone skips the scan/index agreement check (for profiling, "
       "default both)",
       0, 0},
      {"width", 0, GB_OPT_DOUBLE, &width, "W",
       "range width (fraction of the value domain) at 1000 definitions (default 0.25)", 0.001, 1},
      {"updates", 0, GB_OPT_INT, &n_updates, "N",
       "hot updates per size, at most a tenth of it (default 1000)", 1, 1e7},
      {"seed", 0, GB_OPT_INT, &seed, "N", "seed of definitions and events (default 1)", 0, 1e15},
      {"out", 'o', GB_OPT_STRING, &out_dir, "DIR",
       "output directory (default results/bench-matcher-<UTC time>)", 0, 0},
      {"no-plot", 0, GB_OPT_FLAG, &no_plot, NULL, "write the CSV only", 0, 0},
      {0},
  };
  const gb_cmd_spec spec = {
      .name = "bench matcher",
      .usage = "[options]",
      .summary = "Scan vs index matcher: ns/event, matches, candidates and hot-update cost over a "
                 "sweep of catalogue sizes; writes matcher.csv and a log-log plot.",
      .details = "Range widths shrink as 1/sqrt(definitions) so that the match count per event "
                 "stays constant.\nScan and index are checked to return the same matches "
                 "before and after the hot updates.\nMatching rates are timed "
                 "with the thread's CPU time (CLOCK_THREAD_CPUTIME_ID): events/s per core, not "
                 "counting the time other processes on a shared machine take.",
      .opts = opts,
  };
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};
  mix m;
  if (strcmp(mix_name, "gaming") == 0)
    m = MIX_GAMING;
  else if (strcmp(mix_name, "spread") == 0)
    m = MIX_SPREAD;
  else {
    gb_err_set(&err, GB_ERR_INPUT,
               "gamebench bench matcher: --mix: '%s' (expected gaming or spread)", mix_name);
    return gb_opts_fail(&err);
  }
  which w;
  if (strcmp(algo, "both") == 0)
    w = RUN_BOTH;
  else if (strcmp(algo, "index") == 0)
    w = RUN_INDEX;
  else if (strcmp(algo, "scan") == 0)
    w = RUN_SCAN;
  else {
    gb_err_set(&err, GB_ERR_INPUT,
               "gamebench bench matcher: --algo: '%s' (expected both, index or scan)", algo);
    return gb_opts_fail(&err);
  }
  size_t sizes[SWEEP_MAX], n_sizes;
  if (parse_sizes(full ? "1000,10000,100000,1000000" : defs, sizes, &n_sizes, &err) != 0)
    return gb_opts_fail(&err);
  char dir[512];
  if (out_dir) {
    snprintf(dir, sizeof dir, "%s", out_dir);
  } else {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(dir, sizeof dir, "results/bench-matcher-%Y%m%dT%H%M%SZ", &tm);
    mkdir("results", 0777);
  }
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    gb_err_set(&err, GB_ERR_RUNTIME, "gamebench bench matcher: %s: %s", dir, strerror(errno));
    return gb_opts_fail(&err);
  }

  bench *b = calloc(1, sizeof *b);
  int rc = b ? 0 : -1;
  if (b) {
    b->seed = (uint64_t)seed;
    b->mix = m;
    b->which = w;
    b->width = width;
    b->n_events = n_events;
    b->scan_ms = scan_ms;
    b->n_updates = n_updates;
    b->repetitions = repetitions;
    b->out = malloc(MATCH_CAP * sizeof *b->out);
    b->out2 = malloc(MATCH_CAP * sizeof *b->out2);
    rc = b->out && b->out2 ? 0 : -1;
    gb_rng r;
    gb_rng_seed(&r, b->seed, 0x657674 /* "evt" */);
    if (rc == 0 && gb_attrs_new(&b->attrs, NULL) != 0)
      rc = -1;
    for (int i = 0; rc == 0 && i < RING; i++)
      gen_event(&b->ring[i], &r, b->seed, (uint64_t)i);
  }
  if (rc != 0)
    gb_err_set(&err, GB_ERR_RUNTIME, "gamebench bench matcher: out of memory");
  if (rc == 0)
    printf("%10s  %-5s  %12s  %12s  %9s  %10s  %8s  %9s  %10s\n", "defs", "algo", "ns/event",
           "events/s", "matches", "candidates", "attrs_ns", "build_ms", "update_ns");
  for (size_t i = 0; rc == 0 && i < n_sizes; i++)
    rc = measure(b, sizes[i], &err);
  char csv[640];
  snprintf(csv, sizeof csv, "%s/matcher.csv", dir);
  if (rc == 0)
    rc = write_csv(b, csv, &err);
  if (rc == 0 && !no_plot)
    plot(dir, w);
  if (rc == 0)
    printf("wrote %s%s\n", csv, no_plot ? "" : " and matcher.svg/.png");
  if (b)
    gb_attrs_free(b->attrs);
  if (b) {
    free(b->out);
    free(b->out2);
  }
  free(b);
  return rc == 0 ? 0 : gb_opts_fail(&err);
}
