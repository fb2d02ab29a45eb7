#include "gb_pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_attrs.h"
#include "gb_clock.h"
#include "gb_codec.h"
#include "gb_decision_log.h"
#include "gb_grow.h"
#include "gb_idmap.h"
#include "gb_prefetch.h"
#include "gb_progress.h"

enum { MATCH_CAP = 4096 /* eligible challenges considered per decision */ };

/* The stages' boundaries as functions that stay functions under LTO: `gamebench bench cost`
 * (bench/micro/bench_cost.c) reads each stage's instructions as the inclusive cost of one of
 * these in callgrind's profile, which sees no function the compiler inlined. They cover what
 * the latency stamps between the stages cover (gb_pipeline_stamps); one call each per event
 * costs a few ns against the µs of the stages. noipa: no inlining, no clones, no partial
 * inlining, so that the name and the boundary hold. */
#define STAGE_FN __attribute__((noipa))

/* What the pipeline itself keeps per player, in one record (one cache line or two), not one
 * array per field: the duplicate check reads it on every event and a decision reads it again. */
typedef struct slot_state {
  uint64_t last_event_id; /* for duplicate detection; 0 = none processed yet */
  /* The last challenge outcome not yet told to the player (prop_id 0 = none). */
  uint64_t pending_prop_id;
  uint32_t pending_ordinal;
  uint8_t pending_kind; /* gb_progress_kind: GB_PROGRESS_COMPLETED or GB_PROGRESS_FAILED */
  /* The progress tracker knows the player (a challenge was started once): only then can it
   * track anything for them, so only then is it asked (most players never use a prop). */
  bool progress_known;
} slot_state;

struct gb_pipeline {
  gb_pipeline_config cfg;
  gb_catalog *catalog;
  gb_matcher *matcher;
  gb_progress *progress;
  gb_codec *codec;
  gb_agg *agg;
  gb_reco *reco;
  gb_decision_log *log;    /* the live decisions and the outcomes heard of */
  gb_feature_vec features; /* the decision point's in hand, filled before its event is folded */
  gb_reco_targets targets; /* the other arms' choices on a logging arm's decision in hand */
  gb_ev_watermark mark;    /* the last watermark read, and its ts */
  int64_t mark_ts;
  gb_idmap *players;
  gb_attrs *attrs;
  slot_state *slots; /* [cap] */
  size_t cap;
  uint32_t eligible[MATCH_CAP];
  size_t n_matched, total_matched; /* of the current event, in eligible[] */
  int64_t ttl_s[MATCH_CAP];
  uint64_t *control_ids; /* event_ids of the control events applied (operators' changes are
                            few: a linear search is enough) */
  size_t n_control, control_cap;
  uint64_t extra_sink;          /* the injected work's results (cfg.extra_work_per_event) */
  gb_pipeline_counts counts;    /* live events */
  gb_pipeline_counts *counted;  /* where the event in hand is counted: &counts, or &discarded */
  gb_pipeline_counts discarded; /* what replays would have counted: nothing reads it */
};

int gb_pipeline_new(const gb_pipeline_config *cfg, gb_pipeline **out, gb_err *err) {
  gb_pipeline *p = calloc(1, sizeof *p);
  if (!p)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a pipeline");
  p->cfg = *cfg;
  if (gb_catalog_load(cfg->catalog_path, &p->catalog, err) != 0 ||
      gb_matcher_new(p->catalog, cfg->matcher, &p->matcher, err) != 0 ||
      gb_agg_new(&(gb_agg_config){.expected_players = cfg->expected_players,
                                  .arms = cfg->arms,
                                  .cube = cfg->cube},
                 &p->agg, err) != 0 ||
      gb_reco_new(cfg->arms, cfg->seed, cfg->expected_players, &p->reco, err) != 0 ||
      (cfg->store_apps > 0 &&
       gb_reco_enable_store(p->reco, cfg->store_apps, cfg->store_slate, err) != 0) ||
      gb_decision_log_new(0, &p->log, err) != 0 ||
      gb_idmap_new(cfg->expected_players, &p->players, err) != 0 ||
      GB_GROW(p->slots, p->cap, cfg->expected_players, 1024, "players' pipeline state", err) != 0)
    goto fail;
  p->counted = &p->counts;
  if (gb_codec_new(&p->codec, err) != 0 || gb_attrs_new(&p->attrs, err) != 0 ||
      gb_progress_new(p->catalog, &p->progress, err) != 0)
    goto fail;
  *out = p;
  return 0;
fail:
  gb_pipeline_free(p);
  return -1;
}

void gb_pipeline_free(gb_pipeline *p) {
  if (!p)
    return;
  gb_matcher_free(p->matcher);
  gb_progress_free(p->progress);
  gb_catalog_free(p->catalog);
  gb_codec_free(p->codec);
  gb_agg_free(p->agg);
  gb_reco_free(p->reco);
  gb_decision_log_free(p->log);
  gb_idmap_free(p->players);
  gb_attrs_free(p->attrs);
  free(p->slots);
  free(p->control_ids);
  free(p);
}

/* Per-player state is pre-sized from the workload; the players beyond it grow it (hot path:
 * a failure is fatal, gb_grow.h). */
static void ensure_slot(gb_pipeline *p, uint32_t slot) {
  GB_GROW_OR_DIE(p->slots, p->cap, (size_t)slot + 1, 1024, "players' pipeline state");
}

/* Starts loading the per-player state the stages will read for this event of the player at
 * slot, all at once: the misses overlap instead of costing one full memory latency each, one
 * stage after the other (the clock stamps between stages wait for outstanding loads and
 * prefetches alike). The recommender's state only for a decision point or feedback on a prop:
 * other events do not read it, and a clock read would wait for it all the same. */
static void prefetch_player(const gb_pipeline *p, uint32_t slot, gb_event_type type) {
  if (slot < p->cap) {
    gb_prefetch_span_for_write(&p->slots[slot], sizeof p->slots[slot]);
  }
  gb_agg_prefetch(p->agg, slot);
  if (gb_event_is_decision_point(type) || gb_reco_takes_feedback(type))
    gb_reco_prefetch(p->reco, slot);
}

/* The type of a message gb_event_peek_player_id accepted (binary: the wire tag, then the type
 * tag, which the peek checked). */
static gb_event_type peeked_type(const void *msg) {
  return (gb_event_type)((const uint8_t *)msg)[1];
}

/* Whether that message is a player's event (an operator's change has no player state). */
static bool peeked_is_player_event(const void *msg) {
  return !gb_event_is_control(peeked_type(msg));
}

/* The player's state as the matcher's `player.` attributes see it. */
static void add_player_attrs(gb_pipeline *p, uint32_t slot, int64_t ts) {
  const gb_agg_player *ap = gb_agg_player_at(p->agg, slot);
  gb_player_state ps = {
      .level = ap->level,
      .coin_balance = ap->coin_balance,
      .preferred_game = gb_agg_game_name(p->agg, ap->preferred_game),
      .days_since_install = (double)(ts - ap->first_seen_ts) / 86400000.0,
  };
  gb_attrs_add_player(p->attrs, &ps);
}

/* Whether the event in hand is live (counted, logged), not replayed. */
static bool is_live(const gb_pipeline *p) { return p->counted == &p->counts; }

/* A record of what the engine decided or saw happen (a NOTICE, or the outcome of a prop the
 * engine tracks), folded into the aggregator as an event of the player's at the sim time of the
 * event that caused it: the stats cube then counts props generated, challenges completed and
 * rewards granted next to the players' own events, as the platform's stats would. */
static void note(gb_pipeline *p, uint32_t slot, const gb_event *cause, gb_event_type type,
                 const gb_challenge *ch, uint64_t prop_id) {
  gb_event n = {.type = type,
                .ts = cause->ts,
                .player_id = cause->player_id,
                .session_id = cause->session_id,
                .utc_offset_min = cause->utc_offset_min};
  memcpy(n.platform, cause->platform, sizeof n.platform);
  memcpy(n.country, cause->country, sizeof n.country);
  snprintf(n.u.prop.challenge_id, sizeof n.u.prop.challenge_id, "%s", ch->id);
  n.u.prop.prop_id = prop_id;
  if (type == GB_EV_REWARD_GRANTED) {
    memcpy(n.u.prop.reward_type, "coins", sizeof "coins");
    n.u.prop.amount = ch->reward_coins;
  }
  gb_agg_update(p->agg, slot, &n, is_live(p) ? GB_AGG_COUNT : GB_AGG_STATE_ONLY);
}

/* Progress on the player's started challenge; completions and failures wait in the slot_state for
 * the player's next decision point, where the answer carries them. */
static void track_progress(gb_pipeline *p, uint32_t slot, const gb_event *ev) {
  gb_progress_outcome outcomes[GB_PROGRESS_PLAYER_MAX];
  size_t n = gb_progress_update(p->progress, ev->player_id, ev->ts, p->attrs, p->eligible,
                                p->n_matched, outcomes, GB_PROGRESS_PLAYER_MAX);
  for (size_t i = 0; i < n; i++) {
    if (outcomes[i].kind != GB_PROGRESS_COMPLETED && outcomes[i].kind != GB_PROGRESS_FAILED)
      continue;
    slot_state *s = &p->slots[slot];
    s->pending_prop_id = outcomes[i].prop_id;
    s->pending_ordinal = outcomes[i].ordinal;
    s->pending_kind = (uint8_t)outcomes[i].kind;
    gb_reco_prop_ended(p->reco, slot, outcomes[i].prop_id, ev->ts,
                       outcomes[i].kind == GB_PROGRESS_COMPLETED);
    const gb_challenge *ch = gb_catalog_at(p->catalog, outcomes[i].ordinal);
    bool completed = outcomes[i].kind == GB_PROGRESS_COMPLETED;
    if (is_live(p))
      gb_decision_log_outcome(p->log, outcomes[i].prop_id,
                              completed ? GB_OUTCOME_COMPLETED : GB_OUTCOME_FAILED);
    if (completed) {
      p->counted->completed++;
      note(p, slot, ev, GB_EV_CHALLENGE_COMPLETED, ch, outcomes[i].prop_id);
      if (ch->reward_coins > 0)
        note(p, slot, ev, GB_EV_REWARD_GRANTED, ch, outcomes[i].prop_id);
    } else {
      p->counted->failed++;
      note(p, slot, ev, GB_EV_CHALLENGE_FAILED, ch, outcomes[i].prop_id);
    }
  }
}

static void handle_feedback(gb_pipeline *p, uint32_t slot, const gb_event *ev) {
  gb_reco_feedback(p->reco, slot, ev);
  gb_reco_store_feedback(p->reco, slot, ev);
  /* What the player did with a prop, for its decision's record (wherever it was logged). */
  gb_decision_outcome told = gb_decision_outcome_of(ev->type);
  if (told != GB_OUTCOME_NONE && is_live(p))
    gb_decision_log_outcome(p->log, ev->u.prop.prop_id, told);
  if (ev->type == GB_EV_PROP_USED) {
    size_t ordinal;
    /* the prop's challenge: the recommender generated prop_id = decision_id for it */
    /* A prop for a deleted challenge (or started twice, or one too many) is simply not tracked:
     * those input errors are the only ones gb_progress_start returns (out of memory stops the
     * program inside it). */
    gb_err ignored;
    if (gb_catalog_find(p->catalog, ev->u.prop.challenge_id, &ordinal) == 0 &&
        gb_progress_start(p->progress, ev->player_id, ev->u.prop.prop_id, (uint32_t)ordinal, ev->ts,
                          gb_event_local_offset_min(ev), &ignored) == 0)
      p->slots[slot].progress_known = true;
  } else if (ev->type == GB_EV_PROP_DISCARDED || ev->type == GB_EV_PROP_EXPIRED) {
    gb_progress_cancel(p->progress, ev->player_id, ev->u.prop.prop_id);
  }
}

/* The definitions the event (with the player's state) satisfies: the candidates at a decision
 * point, and what advances the player's started challenges. */
static void match_event(gb_pipeline *p) {
  p->total_matched = gb_matcher_match(p->matcher, p->attrs, p->eligible, MATCH_CAP);
  p->n_matched = p->total_matched < MATCH_CAP ? p->total_matched : MATCH_CAP;
}

static void decide(gb_pipeline *p, uint32_t slot, const gb_event *ev, gb_decision *reply) {
  size_t n = p->n_matched;
  for (size_t i = 0; i < n; i++)
    p->ttl_s[i] = gb_catalog_at(p->catalog, p->eligible[i])->ttl_s;
  memset(reply, 0, offsetof(gb_decision, candidates));
  gb_reco_decide(p->reco, slot, ev->event_id, ev->player_id, ev->ts, &p->features, p->eligible,
                 p->ttl_s, n, reply, &p->targets);
  reply->n_eligible = (uint32_t)p->total_matched;
  reply->t_intended_ns = ev->t_intended_ns;
  reply->t_sent_ns = ev->t_sent_ns;
  slot_state *s = &p->slots[slot];
  if (s->pending_prop_id) {
    if (s->pending_kind == GB_PROGRESS_COMPLETED) {
      reply->completed_prop_id = s->pending_prop_id;
      reply->reward_coins = gb_catalog_at(p->catalog, s->pending_ordinal)->reward_coins;
    } else {
      reply->failed_prop_id = s->pending_prop_id;
    }
    s->pending_prop_id = 0;
  }
  p->counted->decisions++;
  p->counted->props += reply->chosen != GB_NO_PROP;
  if (reply->chosen != GB_NO_PROP)
    note(p, slot, ev, GB_EV_PROP_GENERATED, gb_catalog_at(p->catalog, reply->chosen),
         reply->prop_id);
  if (is_live(p))
    gb_decision_log_add(p->log, reply, &p->features, &p->targets);
}

static bool control_seen(const gb_pipeline *p, uint64_t event_id) {
  for (size_t i = 0; i < p->n_control; i++)
    if (p->control_ids[i] == event_id)
      return true;
  return false;
}

/* Queues the change unless this shard applied that event_id already (a copy); 1 for a copy. */
static int apply_control(gb_pipeline *p, const gb_event *ev, gb_err *err) {
  if (control_seen(p, ev->event_id)) {
    p->counted->duplicates++;
    return 1;
  }
  if (GB_GROW(p->control_ids, p->control_cap, p->n_control + 1, 16, "control event ids", err) !=
          0 ||
      gb_catalog_apply_event(p->catalog, ev, err) != 0)
    return -1;
  p->control_ids[p->n_control++] = ev->event_id;
  p->counted->catalog_updates++;
  return 0;
}

/* A binary message names its player up front: the id map is read at once, and a known
 * player's state (several lines in several arrays) starts loading before the event decodes, so
 * that those misses overlap the decoding instead of stalling the clock read that ends it (a
 * clock read waits for outstanding prefetches too). The id map's own miss, one line, is the one
 * left in the open. A new player has nothing to load yet. Returns the peeked player's slot, or
 * UINT32_MAX (none, or not a player's event); *peeked is the id it read. */
static uint32_t peek_and_prefetch(gb_pipeline *p, const void *msg, size_t len, uint64_t *peeked) {
  *peeked = 0;
  if (gb_event_peek_player_id(msg, len, peeked) != 0 || !peeked_is_player_event(msg))
    return UINT32_MAX;
  uint32_t known = gb_idmap_find(p->players, *peeked);
  if (known != UINT32_MAX)
    prefetch_player(p, known, peeked_type(msg));
  return known;
}

/* An operator's change: applied once per event_id, its copies counted as duplicates. */
static gb_pipeline_result process_control(gb_pipeline *p, gb_event *ev, gb_pipeline_stamps *st,
                                          gb_err *err) {
  int rc = apply_control(p, ev, err);
  gb_event_dispose(ev);
  st->control = true;
  if (rc < 0) {
    p->counted->rejected++;
    return GB_PIPELINE_REJECTED;
  }
  p->counted->processed += rc == 0;
  return GB_PIPELINE_PROCESSED;
}

/* The injected slowdown (engine.extra_work_per_event, for testing regression gates): n steps of
 * a 64-bit linear congruential generator, about 5 instructions and one multiply's latency
 * each, which no compiler folds into fewer; noipa keeps it a call whose result is unknown to
 * the caller, so the loop is neither dropped nor hoisted. */
static __attribute__((noipa)) uint64_t extra_work(uint64_t x, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    x = x * 6364136223846793005ULL + 1442695040888963407ULL; /* Knuth's MMIX constants */
  return x;
}

/* The aggregator's stage: the decision point's features, then the event folded in. */
static STAGE_FN void pipeline_stage_aggregate(gb_pipeline *p, uint32_t slot, const gb_event *ev,
                                              bool live, bool decision_point) {
  /* The decision's context holds only what came before it: filled before its event is folded. */
  if (decision_point)
    gb_agg_features(p->agg, slot, ev->ts, gb_event_local_offset_min(ev), &p->features);
  gb_agg_update(p->agg, slot, ev, live ? GB_AGG_COUNT : GB_AGG_STATE_ONLY);
}

/* The matcher's stage: the attributes, the feedback on props, matching and progress. */
static STAGE_FN void pipeline_stage_match(gb_pipeline *p, uint32_t slot, const gb_event *ev,
                                          bool decision_point) {
  slot_state *s = &p->slots[slot];
  gb_attrs_clear(p->attrs);
  gb_attrs_add_event(p->attrs, ev);
  add_player_attrs(p, slot, ev->ts);
  handle_feedback(p, slot, ev);
  /* Matching costs a lookup: only for the card platform's decision points and players with
   * started challenges. */
  p->n_matched = p->total_matched = 0;
  bool tracked = s->progress_known && gb_progress_player_active(p->progress, ev->player_id) > 0;
  if ((decision_point && gb_event_platform_of(ev->type) != GB_PLATFORM_STEAM) || tracked)
    match_event(p);
  if (tracked)
    track_progress(p, slot, ev);
}

/* A store visit's answer: the arm's slate, or no slate when this engine ranks no store. */
static void decide_slate(gb_pipeline *p, uint32_t slot, const gb_event *ev, gb_decision *reply) {
  memset(reply, 0, offsetof(gb_decision, candidates));
  if (gb_reco_has_store(p->reco)) {
    gb_reco_decide_slate(p->reco, slot, ev->event_id, ev->player_id, ev->ts, &p->features, reply);
  } else {
    reply->decision_id = ev->event_id;
    reply->player_id = ev->player_id;
    reply->ts = ev->ts;
    reply->reason = GB_NO_CANDIDATES;
    reply->chosen = GB_NO_PROP;
    reply->propensity = 1.0;
  }
  reply->t_intended_ns = ev->t_intended_ns;
  reply->t_sent_ns = ev->t_sent_ns;
  p->counted->decisions++;
}

/* The recommender's stage: the answer to a decision point. */
static STAGE_FN void pipeline_stage_decide(gb_pipeline *p, uint32_t slot, const gb_event *ev,
                                           gb_decision *reply) {
  if (gb_event_platform_of(ev->type) == GB_PLATFORM_STEAM)
    decide_slate(p, slot, ev, reply);
  else
    decide(p, slot, ev, reply);
}

/* A player's event through the aggregator, the matcher and, at a decision point, the
 * recommender. */
static gb_pipeline_result process_player_event(gb_pipeline *p, uint32_t slot, const gb_event *ev,
                                               bool live, gb_pipeline_stamps *st,
                                               gb_decision *reply) {
  /* A player's event ids increase (the simulator numbers them); an id not above the last one
   * processed is a redelivery. */
  slot_state *s = &p->slots[slot];
  if (s->last_event_id != 0 && ev->event_id <= s->last_event_id) {
    p->counted->duplicates++;
    return GB_PIPELINE_PROCESSED;
  }
  s->last_event_id = ev->event_id;
  if (s->progress_known) /* its load overlaps the aggregation */
    gb_progress_prefetch(p->progress, ev->player_id);
  if (p->cfg.extra_work_per_event > 0) /* 0 but in a regression gate's test */
    p->extra_sink ^= extra_work(ev->event_id, p->cfg.extra_work_per_event);
  bool decision_point = gb_event_is_decision_point(ev->type);
  pipeline_stage_aggregate(p, slot, ev, live, decision_point);
  st->aggregated = gb_clock_now_ns();
  pipeline_stage_match(p, slot, ev, decision_point);
  st->matched = gb_clock_now_ns();
  p->counted->processed++;
  if (!decision_point)
    return GB_PIPELINE_PROCESSED;
  pipeline_stage_decide(p, slot, ev, reply);
  st->decided = gb_clock_now_ns();
  reply->t_decided_ns = st->decided;
  st->decision = true;
  return GB_PIPELINE_DECISION;
}

/* The decoder's stage: the message into *ev (0), or -1 with err; for a player's event *slot is
 * the player's slot, UINT32_MAX for other events. */
static STAGE_FN int pipeline_stage_decode(gb_pipeline *p, const void *msg, size_t len, gb_event *ev,
                                          uint32_t *slot, gb_err *err) {
  uint64_t peeked;
  uint32_t known = peek_and_prefetch(p, msg, len, &peeked);
  *slot = UINT32_MAX;
  if (gb_event_decode_wire(p->codec, msg, len, ev, err) != 0)
    return -1;
  if (ev->type == GB_EV_WATERMARK || gb_event_is_control(ev->type))
    return 0;
  /* The peek's lookup, unless it found nothing to reuse. */
  *slot = known != UINT32_MAX && peeked == ev->player_id
              ? known
              : gb_idmap_slot(p->players, ev->player_id, NULL);
  return 0;
}

/* noipa: the whole per-event pipeline stays one function for `gamebench bench cost` (its
 * engine row), instead of being inlined into the shard's loop under LTO. */
STAGE_FN gb_pipeline_result gb_pipeline_process(gb_pipeline *p, const void *msg, size_t len,
                                                gb_pipeline_mode mode, int64_t received_ns,
                                                gb_pipeline_stamps *st, gb_decision *reply,
                                                gb_err *err) {
  bool live = mode == GB_PIPELINE_LIVE;
  memset(st, 0, sizeof *st);
  st->received = received_ns;
  /* A replay changes state like a live event but counts only as replayed. */
  p->counted = live ? &p->counts : &p->discarded;
  if (live)
    p->counts.consumed++;
  else
    p->counts.replayed++;
  gb_event ev;
  uint32_t slot;
  if (pipeline_stage_decode(p, msg, len, &ev, &slot, err) != 0) {
    p->counted->rejected++;
    return GB_PIPELINE_REJECTED;
  }
  st->intended = ev.t_intended_ns;
  st->sent = ev.t_sent_ns;
  gb_reco_set_learning(p->reco, live || p->cfg.replay_learns);
  if (ev.type == GB_EV_WATERMARK) {
    p->counted->consumed -= live; /* not an event */
    p->counted->watermarks++;
    p->mark = ev.u.mark;
    p->mark_ts = ev.ts;
    return GB_PIPELINE_WATERMARK;
  }
  if (gb_event_is_control(ev.type)) {
    st->decoded = gb_clock_now_ns();
    return process_control(p, &ev, st, err);
  }
  st->decoded = gb_clock_now_ns();
  /* Changes queued by control events take effect once sim time reaches them. */
  if (gb_catalog_pending(p->catalog))
    gb_catalog_advance(p->catalog, ev.ts);
  ensure_slot(p, slot);
  return process_player_event(p, slot, &ev, live, st, reply);
}

void gb_pipeline_counts_add(gb_pipeline_counts *to, const gb_pipeline_counts *c) {
  to->consumed += c->consumed;
  to->processed += c->processed;
  to->rejected += c->rejected;
  to->duplicates += c->duplicates;
  to->decisions += c->decisions;
  to->props += c->props;
  to->completed += c->completed;
  to->failed += c->failed;
  to->catalog_updates += c->catalog_updates;
  to->watermarks += c->watermarks;
  to->replayed += c->replayed;
}

void gb_pipeline_get_counts(const gb_pipeline *p, gb_pipeline_counts *out) { *out = p->counts; }

const gb_agg *gb_pipeline_agg(const gb_pipeline *p) { return p->agg; }

const gb_catalog *gb_pipeline_catalog(const gb_pipeline *p) { return p->catalog; }

const gb_decision_log *gb_pipeline_decision_log(const gb_pipeline *p) { return p->log; }

int64_t gb_pipeline_watermark(const gb_pipeline *p, uint32_t *producer, uint32_t *producers) {
  *producer = p->mark.producer;
  *producers = p->mark.producers;
  return p->mark_ts;
}

gb_reco *gb_pipeline_reco(gb_pipeline *p) { return p->reco; }
