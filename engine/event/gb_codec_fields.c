/* gb_codec_fields: the field catalogue, one table per event type listing its fields (JSON name,
 * C member, value kind, required or optional, range) in wire order; every codec walks these
 * tables (gb_codec_int.h), so the wire forms cannot drift apart. docs/events.md is their prose. */
#include "gb_codec_int.h"

#include <stddef.h>

/* ---- Field catalogue ------------------------------------------------------------------------ */

const name_entry gb_codec_field_names[F__COUNT] = {
#define GB_X_NAME(id, name) [id] = {name, sizeof(name) - 1},
    GB_FIELDS(GB_X_NAME)
#undef GB_X_NAME
};

/* What the encoder writes before a field's value: `,"name":`. */
const name_entry gb_codec_field_keys[F__COUNT] = {
#define GB_X_KEY(id, name) [id] = {",\"" name "\":", sizeof(",\"" name "\":") - 1},
    GB_FIELDS(GB_X_KEY)
#undef GB_X_KEY
};

#define MEMBER_SIZE(m) sizeof(((gb_event *)0)->m)
#define FIELD(id, kind, m, nd, rg)                                                                 \
  { id, kind, nd, rg, 0, offsetof(gb_event, m) }
#define U64(id, m, nd) FIELD(id, K_U64, m, nd, R_ANY)
#define I64(id, m, nd, rg) FIELD(id, K_I64, m, nd, rg)
#define U32(id, m, nd, rg) FIELD(id, K_U32, m, nd, rg)
#define I32(id, m, nd, rg) FIELD(id, K_I32, m, nd, rg)
#define F64(id, m, nd, rg) FIELD(id, K_F64, m, nd, rg)
#define BOOL(id, m, nd) FIELD(id, K_BOOL, m, nd, R_ANY)
#define STR(id, m, nd)                                                                             \
  { id, K_STR, nd, R_ANY, MEMBER_SIZE(m) - 1, offsetof(gb_event, m) }

/* event_id, (type), ts, player_id, session_id, platform, country. */
const fspec gb_codec_common_head[] = {
    U64(F_EVENT_ID, event_id, REQ),   I64(F_TS, ts, REQ, R_NONNEG),
    U64(F_PLAYER_ID, player_id, REQ), U64(F_SESSION_ID, session_id, OPT),
    STR(F_PLATFORM, platform, OPT),   STR(F_COUNTRY, country, OPT),
};

const fspec gb_codec_common_tail[] = {
    I32(F_UTC_OFFSET_MIN, utc_offset_min, OPT, R_UTC_OFFSET),
    I64(F_T_INTENDED_NS, t_intended_ns, OPT, R_NONNEG),
    I64(F_T_SENT_NS, t_sent_ns, OPT, R_NONNEG),
};

static const fspec session_end_fields[] = {I64(F_DURATION_MS, u.duration_ms, OPT, R_NONNEG)};

const fspec gb_codec_game_start_fields[] = {
    STR(F_GAME, u.game.game, REQ),
    STR(F_ROOM, u.game.room, OPT),
    I64(F_BET, u.game.bet, REQ, R_NONNEG),
    I64(F_COIN_BALANCE, u.game.coin_balance, OPT, R_ANY),
    I32(F_LEVEL, u.game.level, OPT, R_NONNEG),
};

const fspec gb_codec_game_end_fields[] = {
    STR(F_GAME, u.game.game, REQ),
    STR(F_ROOM, u.game.room, OPT),
    I64(F_BET, u.game.bet, REQ, R_NONNEG),
    BOOL(F_WON, u.game.won, REQ),
    I64(F_SCORE, u.game.score, OPT, R_ANY),
    I64(F_COINS_DELTA, u.game.coins_delta, REQ, R_ANY),
    I64(F_COIN_BALANCE, u.game.coin_balance, REQ, R_ANY),
    I32(F_LEVEL, u.game.level, OPT, R_NONNEG),
};

static const fspec purchase_fields[] = {
    STR(F_SKU, u.purchase.sku, REQ_CARD),
    F64(F_AMOUNT, u.purchase.amount, REQ_CARD, R_NONNEG),
    STR(F_CURRENCY, u.purchase.currency, REQ_CARD),
    U32(F_APP_ID, u.purchase.app_id, REQ_STEAM, R_ANY),
    F64(F_PRICE, u.purchase.price, REQ_STEAM, R_NONNEG),
    F64(F_DISCOUNT, u.purchase.discount, OPT, R_UNIT),
};

static const fspec level_up_fields[] = {I32(F_LEVEL, u.level, REQ, R_NONNEG)};

static const fspec bankrupt_relief_fields[] = {
    I64(F_AMOUNT, u.relief.amount, REQ, R_NONNEG),
    I64(F_COIN_BALANCE, u.relief.coin_balance, REQ, R_ANY),
};

static const fspec prop_generated_fields[] = {
    U64(F_PROP_ID, u.prop.prop_id, REQ),
    STR(F_CHALLENGE_ID, u.prop.challenge_id, REQ),
    STR(F_ARM, u.prop.arm, REQ),
    I64(F_TTL_S, u.prop.ttl_s, REQ, R_NONNEG),
    U64(F_DECISION_ID, u.prop.decision_id, OPT),
};

/* prop_shown, prop_used, prop_discarded, prop_expired. */
static const fspec prop_fields[] = {
    U64(F_PROP_ID, u.prop.prop_id, REQ),
    STR(F_CHALLENGE_ID, u.prop.challenge_id, OPT),
};

static const fspec challenge_progress_fields[] = {
    U64(F_PROP_ID, u.prop.prop_id, OPT),
    STR(F_CHALLENGE_ID, u.prop.challenge_id, REQ),
    I64(F_PROGRESS, u.prop.progress, REQ, R_ANY),
    I64(F_TARGET, u.prop.target, REQ, R_ANY),
};

/* challenge_completed, challenge_failed. */
static const fspec challenge_outcome_fields[] = {
    U64(F_PROP_ID, u.prop.prop_id, OPT),
    STR(F_CHALLENGE_ID, u.prop.challenge_id, REQ),
};

static const fspec reward_granted_fields[] = {
    U64(F_PROP_ID, u.prop.prop_id, OPT),
    STR(F_CHALLENGE_ID, u.prop.challenge_id, OPT),
    STR(F_REWARD_TYPE, u.prop.reward_type, REQ),
    I64(F_AMOUNT, u.prop.amount, REQ, R_ANY),
};

static const fspec impression_fields[] = {
    {F_APP_IDS, K_APP_IDS, REQ, R_ANY, 0, offsetof(gb_event, u.store.app_ids)},
    STR(F_ARM, u.store.arm, REQ),
};

static const fspec click_fields[] = {
    U32(F_APP_ID, u.store.app_id, REQ, R_POS),
    STR(F_ARM, u.store.arm, OPT),
};

/* wishlist, refund. */
static const fspec app_fields[] = {U32(F_APP_ID, u.store.app_id, REQ, R_POS)};

static const fspec play_session_fields[] = {
    U32(F_APP_ID, u.store.app_id, REQ, R_POS),
    F64(F_MINUTES, u.store.minutes, REQ, R_NONNEG),
};

static const fspec review_fields[] = {
    U32(F_APP_ID, u.store.app_id, REQ, R_POS),
    BOOL(F_RECOMMENDED, u.store.recommended, REQ),
    F64(F_HOURS_AT_REVIEW, u.store.hours_at_review, OPT, R_NONNEG),
};

/* offer_shown, offer_purchased. */
static const fspec offer_priced_fields[] = {
    STR(F_OFFER_TYPE, u.offer.offer_type, REQ),
    F64(F_PRICE, u.offer.price, REQ, R_NONNEG),
};

static const fspec offer_dismissed_fields[] = {
    STR(F_OFFER_TYPE, u.offer.offer_type, REQ),
    F64(F_PRICE, u.offer.price, OPT, R_NONNEG),
};

/* The definition comes last, so that it is allocated only when the type's other fields are good
 * (a later error in t_intended_ns/t_sent_ns still frees it, through gb_event_dispose). */
static const fspec challenge_upsert_fields[] = {
    STR(F_CHALLENGE_ID, u.control.challenge_id, OPT),
    I64(F_EFFECTIVE_TS, u.control.effective_ts, OPT, R_NONNEG),
    {F_DEFINITION, K_DEFINITION, REQ, R_ANY, 0, offsetof(gb_event, u.control.definition)},
};

static const fspec challenge_delete_fields[] = {
    STR(F_CHALLENGE_ID, u.control.challenge_id, REQ),
    I64(F_EFFECTIVE_TS, u.control.effective_ts, OPT, R_NONNEG),
};

static const fspec watermark_fields[] = {
    U32(F_PRODUCER, u.mark.producer, REQ, R_ANY),
    U32(F_PRODUCERS, u.mark.producers, REQ, R_ANY),
};

#define SPEC(arr)                                                                                  \
  { arr, ARRAY_LEN(arr) }
const type_spec gb_codec_type_specs[GB_EV__COUNT] = {
    [GB_EV_SESSION_END] = SPEC(session_end_fields),
    [GB_EV_GAME_START] = SPEC(gb_codec_game_start_fields),
    [GB_EV_GAME_END] = SPEC(gb_codec_game_end_fields),
    [GB_EV_PURCHASE] = SPEC(purchase_fields),
    [GB_EV_LEVEL_UP] = SPEC(level_up_fields),
    [GB_EV_BANKRUPT_RELIEF] = SPEC(bankrupt_relief_fields),
    [GB_EV_PROP_GENERATED] = SPEC(prop_generated_fields),
    [GB_EV_PROP_SHOWN] = SPEC(prop_fields),
    [GB_EV_PROP_USED] = SPEC(prop_fields),
    [GB_EV_PROP_DISCARDED] = SPEC(prop_fields),
    [GB_EV_PROP_EXPIRED] = SPEC(prop_fields),
    [GB_EV_CHALLENGE_PROGRESS] = SPEC(challenge_progress_fields),
    [GB_EV_CHALLENGE_COMPLETED] = SPEC(challenge_outcome_fields),
    [GB_EV_CHALLENGE_FAILED] = SPEC(challenge_outcome_fields),
    [GB_EV_REWARD_GRANTED] = SPEC(reward_granted_fields),
    [GB_EV_IMPRESSION] = SPEC(impression_fields),
    [GB_EV_CLICK] = SPEC(click_fields),
    [GB_EV_WISHLIST] = SPEC(app_fields),
    [GB_EV_PLAY_SESSION] = SPEC(play_session_fields),
    [GB_EV_REVIEW] = SPEC(review_fields),
    [GB_EV_REFUND] = SPEC(app_fields),
    [GB_EV_OFFER_SHOWN] = SPEC(offer_priced_fields),
    [GB_EV_OFFER_PURCHASED] = SPEC(offer_priced_fields),
    [GB_EV_OFFER_DISMISSED] = SPEC(offer_dismissed_fields),
    [GB_EV_CHALLENGE_UPSERT] = SPEC(challenge_upsert_fields),
    [GB_EV_CHALLENGE_DELETE] = SPEC(challenge_delete_fields),
    [GB_EV_WATERMARK] = SPEC(watermark_fields),
};
