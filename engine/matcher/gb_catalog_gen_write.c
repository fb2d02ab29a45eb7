/* gb_catalog_gen_write: the generated catalogue as YAML, through libyaml's emitter (which
 * quotes whatever needs quoting): a comment naming the parameters, then one block mapping per
 * definition with its criteria, player predicates and progress rule in flow style. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "gb_catalog_gen_int.h"
#include "gb_event.h"
#include "gb_grow.h"

static const band *const bands = gb_catalog_gen_bands;

typedef struct writer {
  yaml_emitter_t em;
  char *buf;
  size_t len, cap;
  bool ok; /* false after the first failure: later calls do nothing */
} writer;

static int put_bytes(void *data, unsigned char *bytes, size_t size) {
  writer *w = data;
  if (GB_GROW(w->buf, w->cap, w->len + size + 1, 4096, "bytes of catalogue", NULL) != 0)
    return 0;
  memcpy(w->buf + w->len, bytes, size);
  w->len += size;
  w->buf[w->len] = '\0';
  return 1;
}

static void emit(writer *w, yaml_event_t *ev, int initialized) {
  /* The emitter owns the event from here, and frees it even when it fails. */
  w->ok = w->ok && initialized && yaml_emitter_emit(&w->em, ev);
}

static void put_str(writer *w, const char *s) {
  yaml_event_t ev;
  if (w->ok)
    emit(w, &ev,
         yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
                                      YAML_ANY_SCALAR_STYLE));
}

static void put_int(writer *w, int64_t v) {
  char s[24];
  snprintf(s, sizeof s, "%" PRId64, v);
  put_str(w, s);
}

static void begin_map(writer *w, bool flow) {
  yaml_event_t ev;
  if (w->ok)
    emit(w, &ev,
         yaml_mapping_start_event_initialize(
             &ev, NULL, NULL, 1, flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE));
}

static void end_map(writer *w) {
  yaml_event_t ev;
  if (w->ok)
    emit(w, &ev, yaml_mapping_end_event_initialize(&ev));
}

static void begin_seq(writer *w, bool flow) {
  yaml_event_t ev;
  if (w->ok)
    emit(w, &ev,
         yaml_sequence_start_event_initialize(
             &ev, NULL, NULL, 1, flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE));
}

static void end_seq(writer *w) {
  yaml_event_t ev;
  if (w->ok)
    emit(w, &ev, yaml_sequence_end_event_initialize(&ev));
}

static void put_kv(writer *w, const char *key, const char *value) {
  put_str(w, key);
  put_str(w, value);
}

static void put_kint(writer *w, const char *key, int64_t value) {
  put_str(w, key);
  put_int(w, value);
}

/* A duration in the catalogue's syntax, in its largest whole unit (90m, 2h, 3d). */
static void put_duration(writer *w, const char *key, int64_t s) {
  char text[24];
  if (s % DAY_S == 0)
    snprintf(text, sizeof text, "%" PRId64 "d", s / DAY_S);
  else if (s % HOUR_S == 0)
    snprintf(text, sizeof text, "%" PRId64 "h", s / HOUR_S);
  else if (s % MINUTE_S == 0)
    snprintf(text, sizeof text, "%" PRId64 "m", s / MINUTE_S);
  else
    snprintf(text, sizeof text, "%" PRId64 "s", s);
  put_kv(w, key, text);
}

/* The criteria's game condition: one game, a family's games, or none (any game). */
static void put_game(writer *w, const plan *pl, scope sc) {
  if (sc.kind == SCOPE_GAME) {
    put_kv(w, "game", pl->p->games[sc.index].name);
  } else if (sc.kind == SCOPE_FAMILY) {
    const family *f = &pl->families[sc.index];
    put_str(w, "game");
    begin_map(w, true);
    put_str(w, "in");
    begin_seq(w, true);
    for (size_t i = 0; i < f->n_games; i++)
      put_str(w, pl->p->games[f->games[i]].name);
    end_seq(w);
    end_map(w);
  }
}

static void put_criteria(writer *w, const plan *pl, const def *d) {
  put_str(w, "criteria");
  begin_map(w, true);
  put_kv(w, "type", "game_end");
  put_game(w, pl, d->sc);
  if (d->g == G_WIN || d->g == G_STREAK || d->g == G_COMEBACK)
    put_kv(w, "won", "true");
  if (d->g == G_EARN) {
    put_str(w, "coins_delta");
    begin_map(w, true);
    put_kint(w, "gt", 0);
    end_map(w);
  }
  if (d->g == G_HIGHBET || d->g == G_COMEBACK) {
    put_str(w, "bet");
    begin_map(w, true);
    if (d->g == G_HIGHBET) {
      put_kint(w, "gte", pl->p->rooms[d->room].bet);
    } else {
      put_str(w, "between");
      begin_seq(w, true);
      put_int(w, 1);
      put_int(w, pl->p->rooms[0].bet);
      end_seq(w);
    }
    end_map(w);
  }
  end_map(w);
}

static void put_player(writer *w, const plan *pl, const def *d) {
  put_str(w, "player");
  begin_map(w, true);
  put_str(w, "level");
  begin_map(w, true);
  if (bands[d->band_hi].hi == 0) {
    put_kint(w, "gte", bands[d->band_lo].lo);
  } else {
    put_str(w, "between");
    begin_seq(w, true);
    put_int(w, bands[d->band_lo].lo);
    put_int(w, bands[d->band_hi].hi);
    end_seq(w);
  }
  end_map(w);
  if (d->g == G_COMEBACK) {
    put_str(w, "coin_balance");
    begin_map(w, true);
    put_kint(w, "lt", BROKE_BETS * pl->p->rooms[0].bet);
    end_map(w);
  }
  end_map(w);
}

static void put_progress(writer *w, const plan *pl, const def *d) {
  if (d->g == G_COMEBACK || (d->g == G_WIN && d->n == 1))
    return; /* completes on its first matching event */
  put_str(w, "progress");
  begin_map(w, true);
  if (d->g == G_EARN) {
    put_kv(w, "sum", "coins_delta");
    put_kint(w, "target", d->target);
  } else {
    put_kint(w, "count", d->n);
  }
  if (d->g == G_EARN || d->g == G_TIMED)
    put_duration(w, "window", d->window_s);
  if (d->g == G_DAILY) {
    put_kv(w, "daily", "true");
    put_kint(w, "streak", d->days);
  }
  if (d->g == G_STREAK) {
    put_str(w, "break_on");
    begin_map(w, true);
    put_kv(w, "type", "game_end");
    put_game(w, pl, d->sc);
    put_kv(w, "won", "false");
    end_map(w);
  }
  end_map(w);
}

/* "dou_dizhu" -> " dou dizhu": the scope as words in a title ("" for any game). */
static void scope_words(const plan *pl, scope sc, char *out, size_t size) {
  const char *name = sc.kind == SCOPE_GAME     ? pl->p->games[sc.index].name
                     : sc.kind == SCOPE_FAMILY ? pl->families[sc.index].name
                                               : "";
  snprintf(out, size, "%s%s", *name ? " " : "", name);
  for (char *c = out; *c; c++)
    if (*c == '_')
      *c = ' ';
}

static void title(const plan *pl, const def *d, char *out, size_t size) {
  char s[GB_CATALOG_GEN_NAME_MAX + 2], w[32], levels[32];
  scope_words(pl, d->sc, s, sizeof s);
  const char *room = pl->p->rooms[d->g == G_HIGHBET ? d->room : 0].name;
  if (d->window_s == HOUR_S)
    snprintf(w, sizeof w, "an hour");
  else if (d->window_s % HOUR_S == 0)
    snprintf(w, sizeof w, "%" PRId64 " hours", d->window_s / HOUR_S);
  else
    snprintf(w, sizeof w, "%" PRId64 " minutes", d->window_s / MINUTE_S);
  switch (d->g) {
  case G_PLAY:
    snprintf(out, size, "Play %d%s games", d->n, s);
    break;
  case G_WIN:
    snprintf(out, size, "Win %d%s game%s", d->n, s, d->n == 1 ? "" : "s");
    break;
  case G_STREAK:
    snprintf(out, size, "Win %d%s games in a row", d->n, s);
    break;
  case G_EARN:
    snprintf(out, size, "Win %" PRId64 " coins in %s within %s", d->target, *s ? s + 1 : "any game",
             w);
    break;
  case G_HIGHBET:
    snprintf(out, size, "Play %d%s games in the %s room or higher", d->n, s, room);
    break;
  case G_DAILY:
    snprintf(out, size, "Play %d%s games a day for %d days", d->n, s, d->days);
    break;
  case G_TIMED:
    snprintf(out, size, "Play %d%s games within %s", d->n, s, w);
    break;
  case G_COMEBACK:
  case G_N:
    snprintf(out, size, "Back from bankruptcy: win a game at the %s tables", room);
    break;
  }
  if (bands[d->band_hi].hi == 0)
    snprintf(levels, sizeof levels, " (levels %d+)", bands[d->band_lo].lo);
  else
    snprintf(levels, sizeof levels, " (levels %d-%d)", bands[d->band_lo].lo, bands[d->band_hi].hi);
  size_t used = strlen(out);
  snprintf(out + used, size - used, "%s", levels);
}

/* The goal part of an id (win3, daily3x2); the buffer holds the longest one whole. */
static void make_goal(const plan *pl, const def *d, char *o, size_t left) {
  switch (d->g) {
  case G_PLAY:
    snprintf(o, left, "play%d", d->n);
    break;
  case G_WIN:
    snprintf(o, left, "win%d", d->n);
    break;
  case G_STREAK:
    snprintf(o, left, "streak%d", d->n);
    break;
  case G_EARN:
    snprintf(o, left, "earn%" PRId64, d->target);
    break;
  case G_HIGHBET:
    snprintf(o, left, "bet%" PRId64 "x%d", pl->p->rooms[d->room].bet, d->n);
    break;
  case G_DAILY:
    snprintf(o, left, "daily%dx%d", d->n, d->days);
    break;
  case G_TIMED:
    snprintf(o, left, "fast%din%" PRId64 "m", d->n, d->window_s / MINUTE_S);
    break;
  case G_COMEBACK:
  case G_N:
    snprintf(o, left, "comeback");
    break;
  }
}

/* Short ids that say the goal (c042_win3, c107_daily3x2): ids travel in events, 31 bytes, so a
 * goal too long for what the ordinal leaves is cut (the ordinal alone keeps ids unique). */
static void make_id(const plan *pl, const def *d, size_t ordinal, char *out, size_t size) {
  char goal_text[64];
  make_goal(pl, d, goal_text, sizeof goal_text);
  int k = snprintf(out, size, "c%03zu_", ordinal + 1);
  size_t left = k > 0 && (size_t)k < size ? size - (size_t)k : 1;
  size_t n = strnlen(goal_text, left - 1);
  memcpy(out + (size - left), goal_text, n);
  out[size - left + n] = '\0';
}

static void put_def(writer *w, const plan *pl, const def *d, size_t ordinal) {
  char id[GB_CHALLENGE_ID_MAX + 1], name[160], num[16];
  make_id(pl, d, ordinal, id, sizeof id);
  title(pl, d, name, sizeof name);
  begin_map(w, false);
  put_kv(w, "id", id);
  put_kv(w, "name", name);
  put_criteria(w, pl, d);
  put_player(w, pl, d);
  put_progress(w, pl, d);
  put_duration(w, "ttl", d->ttl_s);
  put_str(w, "reward");
  begin_map(w, true);
  put_kint(w, "coins", d->reward);
  end_map(w);
  snprintf(num, sizeof num, "%.2f", d->difficulty);
  put_kv(w, "difficulty", num);
  end_map(w);
}

/* Every definition in file order: any-game, families, then games, each scope cycling bands. */
static void put_definitions(writer *w, const plan *pl) {
  const gb_catalog_gen_params *p = pl->p;
  size_t ordinal = 0;
  for (size_t j = 0; j < pl->n_any; j++, ordinal++) {
    def d = gb_catalog_gen_draw(pl, (scope){SCOPE_ANY, 0}, j, ordinal);
    put_def(w, pl, &d, ordinal);
  }
  for (size_t f = 0; f < pl->n_families; f++)
    for (size_t j = 0; j < pl->per_family[f]; j++, ordinal++) {
      def d = gb_catalog_gen_draw(pl, (scope){SCOPE_FAMILY, f}, j, ordinal);
      put_def(w, pl, &d, ordinal);
    }
  for (size_t g = 0; g < p->n_games; g++)
    for (size_t j = 0; j < pl->per_game[g]; j++, ordinal++) {
      def d = gb_catalog_gen_draw(pl, (scope){SCOPE_GAME, g}, j, ordinal);
      put_def(w, pl, &d, ordinal);
    }
}

static void put_document(writer *w, const plan *pl) {
  yaml_event_t ev;
  char desc[160];
  if (w->ok)
    emit(w, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
  if (w->ok)
    emit(w, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
  begin_map(w, false);
  put_kv(w, "name", "generated");
  snprintf(desc, sizeof desc, "%zu challenges over %zu games, seed %" PRIu64, pl->p->count,
           pl->p->n_games, pl->p->seed);
  put_kv(w, "description", desc);
  put_str(w, "definitions");
  begin_seq(w, false);
  put_definitions(w, pl);
  end_seq(w);
  end_map(w);
  if (w->ok)
    emit(w, &ev, yaml_document_end_event_initialize(&ev, 1));
  if (w->ok)
    emit(w, &ev, yaml_stream_end_event_initialize(&ev));
  w->ok = w->ok && yaml_emitter_flush(&w->em);
}

int gb_catalog_gen_write(const plan *pl, char **text, size_t *len, gb_err *err) {
  const gb_catalog_gen_params *p = pl->p;
  writer w = {.ok = true};
  char head[256];
  int n = snprintf(head, sizeof head,
                   "# Generated by `gamebench catalog generate --count %zu --seed %" PRIu64
                   "`: do not edit;\n# regenerate instead (docs/workloads.md, \"Generated "
                   "catalogues\"; format: docs/matcher.md).\n",
                   p->count, p->seed);
  if (!yaml_emitter_initialize(&w.em))
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the YAML emitter");
  yaml_emitter_set_output(&w.em, put_bytes, &w);
  yaml_emitter_set_width(&w.em, -1); /* one line per flow mapping, however long */
  yaml_emitter_set_unicode(&w.em, 1);
  w.ok = put_bytes(&w, (unsigned char *)head, (size_t)n) == 1;
  put_document(&w, pl);
  /* The emitter fails only when out of memory (or on a bug: its problem says which). */
  if (!w.ok)
    gb_err_set(err, GB_ERR_RUNTIME, "writing the catalogue: %s",
               w.em.problem ? w.em.problem : "out of memory");
  yaml_emitter_delete(&w.em);
  if (!w.ok) {
    free(w.buf);
    return -1;
  }
  *text = w.buf;
  *len = w.len;
  return 0;
}
