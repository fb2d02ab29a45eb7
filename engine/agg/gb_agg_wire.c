/* The aggregator's counters as bytes (gb_agg_encode_counts, gb_agg_merge_encoded): how the
 * counts of `gamebench engine` processes reach the simulator's results (docs/kafka.md, the
 * aggregates topic). Little-endian, versioned:
 *   "GBAGG\r\n\0", u32 version, u64 events_late, u64 other_games,
 *   u32 n_types, u64 count per event type (the event table's order),
 *   u32 n_games, per game: u8 name length, name, u64 started, ended, wins, i64 bets, coins,
 *   u8 has_cube, then u64 length and the cube (gb_cube_encode) when it has one. */
#include <stdlib.h>
#include <string.h>

#include "gb_agg.h"
#include "gb_agg_int.h"
#include "gb_bytes.h"

static const char MAGIC[8] = {'G', 'B', 'A', 'G', 'G', '\r', '\n', '\0'};
enum { WIRE_VERSION = 1 };

int gb_agg_encode_counts(const gb_agg *a, uint8_t **out, size_t *len, gb_err *err) {
  gb_bytes o = {0};
  gb_bytes_put(&o, MAGIC, sizeof MAGIC);
  gb_bytes_put_le(&o, WIRE_VERSION, 4);
  gb_bytes_put_le(&o, a->events_late, 8);
  gb_bytes_put_le(&o, a->other_games, 8);
  gb_bytes_put_le(&o, GB_EV__COUNT, 4);
  for (int t = 0; t < GB_EV__COUNT; t++)
    gb_bytes_put_le(&o, a->type_counts[t], 8);
  gb_bytes_put_le(&o, a->n_games, 4);
  for (size_t i = 0; i < a->n_games; i++) {
    const gb_agg_game *g = &a->games[i];
    size_t n = strlen(g->name); /* at most GB_GAME_MAX */
    gb_bytes_put_le(&o, n, 1);
    gb_bytes_put(&o, g->name, n);
    gb_bytes_put_le(&o, g->games_started, 8);
    gb_bytes_put_le(&o, g->games_ended, 8);
    gb_bytes_put_le(&o, g->wins, 8);
    gb_bytes_put_le(&o, (uint64_t)g->bets_total, 8);
    gb_bytes_put_le(&o, (uint64_t)g->coins_delta_total, 8);
  }
  gb_bytes_put_le(&o, a->cube != NULL, 1);
  if (a->cube) {
    uint8_t *cube = NULL;
    size_t cube_len = 0;
    if (gb_cube_encode(a->cube, &cube, &cube_len, err) != 0) {
      free(o.b);
      return -1;
    }
    gb_bytes_put_le(&o, cube_len, 8);
    gb_bytes_put(&o, cube, cube_len);
    free(cube);
  }
  if (o.failed) {
    free(o.b);
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory encoding the aggregates");
  }
  *out = o.b;
  *len = o.n;
  return 0;
}

typedef struct rbuf {
  const uint8_t *at, *end;
  bool short_read;
} rbuf;

static uint64_t get_le(rbuf *in, size_t bytes) {
  if ((size_t)(in->end - in->at) < bytes) {
    in->short_read = true;
    in->at = in->end;
    return 0;
  }
  uint64_t v = gb_bytes_get_le(in->at, bytes);
  in->at += bytes;
  return v;
}

/* Reads the counters (not the cube) into tmp; 0, or -1 with err set when they are malformed. */
static int get_counts(rbuf *in, gb_agg *tmp, const char *what, gb_err *err) {
  if ((size_t)(in->end - in->at) < sizeof MAGIC || memcmp(in->at, MAGIC, sizeof MAGIC) != 0)
    return gb_err_set(err, GB_ERR_INPUT, "%s: not gamebench aggregates", what);
  in->at += sizeof MAGIC;
  uint64_t version = get_le(in, 4);
  if (!in->short_read && version != WIRE_VERSION)
    return gb_err_set(err, GB_ERR_INPUT, "%s: aggregates version %llu, expected %d", what,
                      (unsigned long long)version, WIRE_VERSION);
  tmp->events_late = get_le(in, 8);
  tmp->other_games = get_le(in, 8);
  uint64_t n_types = get_le(in, 4);
  if (!in->short_read && n_types != GB_EV__COUNT)
    return gb_err_set(err, GB_ERR_INPUT,
                      "%s: %llu event types, this gamebench has %d (engines and simulator must "
                      "run the same gamebench)",
                      what, (unsigned long long)n_types, GB_EV__COUNT);
  for (int t = 0; t < GB_EV__COUNT; t++)
    tmp->type_counts[t] = get_le(in, 8);
  uint64_t n_games = get_le(in, 4);
  if (n_games > GB_AGG_GAMES_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "%s: %llu games, more than %d", what,
                      (unsigned long long)n_games, GB_AGG_GAMES_MAX);
  for (uint64_t i = 0; i < n_games && !in->short_read; i++) {
    gb_agg_game *g = &tmp->games[i];
    uint64_t n = get_le(in, 1);
    if (n > GB_GAME_MAX || (size_t)(in->end - in->at) < n)
      return gb_err_set(err, GB_ERR_INPUT, "%s: game %llu: bad name length %llu", what,
                        (unsigned long long)i + 1, (unsigned long long)n);
    memcpy(g->name, in->at, n);
    g->name[n] = '\0';
    in->at += n;
    g->games_started = get_le(in, 8);
    g->games_ended = get_le(in, 8);
    g->wins = get_le(in, 8);
    g->bets_total = (int64_t)get_le(in, 8);
    g->coins_delta_total = (int64_t)get_le(in, 8);
  }
  tmp->n_games = (size_t)n_games;
  if (in->short_read)
    return gb_err_set(err, GB_ERR_INPUT, "%s: truncated aggregates", what);
  return 0;
}

int gb_agg_merge_encoded(gb_agg *dst, const void *buf, size_t len, const char *what, gb_err *err) {
  rbuf in = {.at = buf, .end = (const uint8_t *)buf + len};
  gb_agg_config cfg = dst->cfg;
  cfg.expected_players = 0;
  cfg.cube.keep = false; /* the decoded cube is merged on its own */
  gb_agg *tmp = NULL;
  gb_cube *cube = NULL;
  int rc = -1;
  if (gb_agg_new(&cfg, &tmp, err) != 0)
    return -1;
  if (get_counts(&in, tmp, what, err) != 0)
    goto out;
  bool has_cube = get_le(&in, 1) != 0;
  if (has_cube) {
    uint64_t cube_len = get_le(&in, 8);
    if (in.short_read || cube_len != (uint64_t)(in.end - in.at)) {
      gb_err_set(err, GB_ERR_INPUT, "%s: truncated aggregates (the cube)", what);
      goto out;
    }
    if (gb_cube_decode(in.at, (size_t)cube_len, what, &cube, err) != 0)
      goto out;
    in.at = in.end;
  }
  if (in.short_read || in.at != in.end) {
    gb_err_set(err, GB_ERR_INPUT, "%s: %s", what,
               in.short_read ? "truncated aggregates" : "unexpected bytes after the aggregates");
    goto out;
  }
  if ((cube != NULL) != (dst->cube != NULL)) {
    gb_err_set(err, GB_ERR_INPUT,
               "%s: %s a stats cube, the workload here %s (same workload "
               "everywhere: engine.aggregates)",
               what, cube ? "has" : "has no", dst->cube ? "keeps one" : "keeps none");
    goto out;
  }
  /* Everything read: only now is dst changed (a bad message changes nothing). */
  if ((cube && gb_cube_merge(dst->cube, cube, err) != 0) || gb_agg_merge(dst, tmp, err) != 0)
    goto out;
  rc = 0;
out:
  gb_cube_free(cube);
  gb_agg_free(tmp);
  return rc;
}
