/* gb_codec: JSON and binary round trips for every event type, exact bytes, the decoding rules
 * (required fields, numbers as strings, booleans, ranges) and precise rejections; docs/events.md's
 * examples must decode and re-encode byte for byte. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gb_codec.h"
#include "gb_event.h"
#include "gb_rng.h"
#include "gb_test_support.h"

enum { JSON_CAP = 4096 };

static gb_codec *codec;

static void setup(void) {
  gb_err err = {0};
  cr_assert_eq(gb_codec_new(&codec, &err), 0, "%s", err.msg);
}

static void teardown(void) { gb_codec_free(codec); }

TestSuite(codec, .init = setup, .fini = teardown);

/* The fields game_start and game_end share. */
static void game_fields(gb_event *ev) {
  GBT_SET(ev->u.game.game, "dou_dizhu_with_23_bytes");
  GBT_SET(ev->u.game.room, "caf\xc3\xa9 room");
  ev->u.game.bet = 100;
  ev->u.game.coin_balance = -12345;
  ev->u.game.level = INT32_MAX;
}

/* An event of the given type with every common field and every field of its type set to a
 * distinct non-zero value; strings exercise escaping, UTF-8 and maximum lengths. */
static void full_event(gb_event_type type, gb_event *ev) {
  gb_event_init(ev);
  ev->type = type;
  ev->event_id = UINT64_MAX - (uint64_t)type;
  ev->ts = 1700000000000 + type;
  ev->player_id = (uint64_t)INT64_MAX + 7;
  ev->session_id = 424242;
  GBT_SET(ev->platform, "an\"d\\ro\nid\x01");
  GBT_SET(ev->country, "BR");
  ev->utc_offset_min = -180;
  ev->t_intended_ns = 123456789012345678;
  ev->t_sent_ns = INT64_MAX;
  switch (type) {
  case GB_EV_APP_LAUNCHED:
  case GB_EV_SESSION_START:
  case GB_EV_STORE_VISIT:
    break;
  case GB_EV_SESSION_END:
    ev->u.duration_ms = 3600000;
    break;
  case GB_EV_GAME_END:
    ev->u.game.won = true;
    ev->u.game.score = -35;
    ev->u.game.coins_delta = INT64_MIN;
    game_fields(ev);
    break;
  case GB_EV_GAME_START:
    game_fields(ev);
    break;
  case GB_EV_PURCHASE:
    GBT_SET(ev->u.purchase.sku, "gems_pack_with_exactly_31_bytes");
    ev->u.purchase.amount = 4.99;
    GBT_SET(ev->u.purchase.currency, "BRL");
    ev->u.purchase.app_id = UINT32_MAX;
    ev->u.purchase.price = 59.99;
    ev->u.purchase.discount = 0.1;
    break;
  case GB_EV_LEVEL_UP:
    ev->u.level = 42;
    break;
  case GB_EV_BANKRUPT_RELIEF:
    ev->u.relief.amount = 5000;
    ev->u.relief.coin_balance = 5012;
    break;
  case GB_EV_PROP_GENERATED:
    ev->u.prop.prop_id = 1ULL << 63;
    GBT_SET(ev->u.prop.challenge_id, "win_3_games");
    GBT_SET(ev->u.prop.arm, "collab_filter");
    ev->u.prop.ttl_s = 86400;
    ev->u.prop.decision_id = 99;
    break;
  case GB_EV_PROP_SHOWN:
  case GB_EV_PROP_USED:
  case GB_EV_PROP_DISCARDED:
  case GB_EV_PROP_EXPIRED:
  case GB_EV_CHALLENGE_COMPLETED:
  case GB_EV_CHALLENGE_FAILED:
    ev->u.prop.prop_id = 17;
    GBT_SET(ev->u.prop.challenge_id, "win_3_games");
    break;
  case GB_EV_CHALLENGE_PROGRESS:
    ev->u.prop.prop_id = 17;
    GBT_SET(ev->u.prop.challenge_id, "win_3_games");
    ev->u.prop.progress = 2;
    ev->u.prop.target = 3;
    break;
  case GB_EV_REWARD_GRANTED:
    ev->u.prop.prop_id = 17;
    GBT_SET(ev->u.prop.challenge_id, "win_3_games");
    GBT_SET(ev->u.prop.reward_type, "coins");
    ev->u.prop.amount = -250;
    break;
  case GB_EV_IMPRESSION:
    GBT_SET(ev->u.store.arm, "popularity");
    ev->u.store.n_app_ids = GB_IMPRESSION_MAX;
    for (uint32_t k = 0; k < GB_IMPRESSION_MAX; k++)
      ev->u.store.app_ids[k] = 570 + k * 1000000;
    break;
  case GB_EV_CLICK:
    ev->u.store.app_id = 570;
    GBT_SET(ev->u.store.arm, "popularity");
    break;
  case GB_EV_WISHLIST:
  case GB_EV_REFUND:
    ev->u.store.app_id = 730;
    break;
  case GB_EV_PLAY_SESSION:
    ev->u.store.app_id = 730;
    ev->u.store.minutes = 95.25;
    break;
  case GB_EV_REVIEW:
    ev->u.store.app_id = 730;
    ev->u.store.recommended = true;
    ev->u.store.hours_at_review = 1e-300;
    break;
  case GB_EV_OFFER_SHOWN:
  case GB_EV_OFFER_PURCHASED:
  case GB_EV_OFFER_DISMISSED:
    GBT_SET(ev->u.offer.offer_type, "starter_bundle");
    ev->u.offer.price = 1.7976931348623157e308;
    break;
  case GB_EV_CHALLENGE_UPSERT: {
    const char *def = "{\"id\":\"win_3_games\",\"criteria\":{\"game\":\"dou_dizhu\"},\"n\":[1,2]}";
    ev->u.control.definition = strdup(def);
    ev->u.control.definition_len = strlen(def);
    GBT_SET(ev->u.control.challenge_id, "win_3_games");
    ev->u.control.effective_ts = 1700000100000;
    break;
  }
  case GB_EV_CHALLENGE_DELETE:
    GBT_SET(ev->u.control.challenge_id, "win_3_games");
    ev->u.control.effective_ts = 1700000100000;
    break;
  case GB_EV_WATERMARK:
    ev->u.mark.producer = 3;
    ev->u.mark.producers = 4;
    break;
  case GB_EV__COUNT:
    cr_assert_fail("not a type");
  }
}

/* Field-by-field equality: the whole struct byte for byte (both sides start zeroed by
 * gb_event_init), the definition compared by content. */
static void assert_same_event(const gb_event *a, const gb_event *b) {
  gb_event x = *a, y = *b;
  if (a->type == GB_EV_CHALLENGE_UPSERT) {
    cr_assert_eq(a->u.control.definition_len, b->u.control.definition_len);
    cr_assert_str_eq(a->u.control.definition, b->u.control.definition);
    x.u.control.definition = y.u.control.definition = NULL;
  }
  cr_assert_eq(memcmp(&x, &y, sizeof x), 0, "events of type %s differ",
               gb_event_type_name(a->type));
}

static size_t encode(const gb_event *ev, char *buf) {
  size_t n = gb_event_encode_json(ev, buf, JSON_CAP);
  cr_assert_lt(n, JSON_CAP);
  cr_assert_eq(strlen(buf), n);
  return n;
}

static void decode_ok(const char *json, gb_event *ev) {
  gb_err err = {0};
  int rc = gb_codec_decode_json(codec, json, strlen(json), ev, &err);
  cr_assert_eq(rc, 0, "rejected %s: %s", json, err.msg);
}

Test(codec, json_round_trips_every_type_with_every_field) {
  for (int t = 0; t < GB_EV__COUNT; t++) {
    gb_event ev, back;
    char json[JSON_CAP], again[JSON_CAP];
    full_event((gb_event_type)t, &ev);
    size_t n = encode(&ev, json);
    cr_assert_eq(memchr(json, '\n', n), NULL, "%s: not one line", json);
    decode_ok(json, &back);
    assert_same_event(&ev, &back);
    cr_assert_eq(encode(&back, again), n);
    cr_assert_str_eq(again, json);
    gb_event_dispose(&ev);
    gb_event_dispose(&back);
  }
}

Test(codec, binary_round_trips_every_type_back_to_back) {
  uint8_t buf[GB_EV__COUNT * (GB_EVENT_BINARY_MAX + 128)];
  size_t total = 0;
  for (int t = 0; t < GB_EV__COUNT; t++) {
    gb_event ev;
    full_event((gb_event_type)t, &ev);
    size_t n = gb_event_encode_binary(&ev, buf + total, sizeof buf - total);
    size_t def = t == GB_EV_CHALLENGE_UPSERT ? ev.u.control.definition_len : 0;
    cr_assert_leq(n, GB_EVENT_BINARY_MAX + def, "%s: %zu bytes", gb_event_type_name(t), n);
    total += n;
    gb_event_dispose(&ev);
  }
  size_t pos = 0;
  for (int t = 0; t < GB_EV__COUNT; t++) {
    gb_event ev, back;
    size_t used = 0;
    gb_err err = {0};
    full_event((gb_event_type)t, &ev);
    cr_assert_eq(gb_event_decode_binary(buf + pos, total - pos, &back, &used, &err), 0, "%s: %s",
                 gb_event_type_name(t), err.msg);
    assert_same_event(&ev, &back);
    pos += used;
    gb_event_dispose(&ev);
    gb_event_dispose(&back);
  }
  cr_assert_eq(pos, total);
}

/* Varints of every length from 1 to 10 bytes, at both ends of an event: event_id and player_id
 * near the start (many bytes follow: read a word at a time), t_sent_ns last (few bytes follow:
 * read byte by byte). */
Test(codec, binary_varints_of_every_length_round_trip_anywhere_in_the_event) {
  for (int bits = 0; bits <= 64; bits++) {
    uint64_t below = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1; /* bits ones */
    uint64_t values[] = {below, below + 1, below ^ 0x5555555555555555ULL};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
      uint64_t v = values[i];
      gb_event ev, back;
      gb_event_init(&ev);
      ev.type = GB_EV_APP_LAUNCHED;
      ev.event_id = v;
      ev.player_id = ~v;
      ev.ts = (int64_t)(v >> 1);
      ev.t_sent_ns = (int64_t)(v >> 1);
      uint8_t buf[GB_EVENT_BINARY_MAX];
      size_t n = gb_event_encode_binary(&ev, buf, sizeof buf), used = 0;
      gb_err err = {0};
      cr_assert_eq(gb_event_decode_binary(buf, n, &back, &used, &err), 0, "%d bits: %s", bits,
                   err.msg);
      cr_assert_eq(used, n);
      cr_assert_eq(back.event_id, v, "%d bits: %llx", bits, (unsigned long long)v);
      cr_assert_eq(back.player_id, ~v);
      cr_assert_eq(back.ts, (int64_t)(v >> 1));
      cr_assert_eq(back.t_sent_ns, (int64_t)(v >> 1));
    }
  }
}

/* The reference LEB128 form, a byte at a time. */
static size_t leb128(uint64_t v, uint8_t *out) {
  size_t n = 0;
  for (; v >= 0x80; v >>= 7)
    out[n++] = (uint8_t)(v | 0x80);
  out[n++] = (uint8_t)v;
  return n;
}

/* The word-at-a-time varint writer gives the byte-at-a-time bytes for every length, and leaves
 * the caller's bytes after the encoding alone, whatever room is left. */
Test(codec, binary_varints_are_exact_leb128_and_nothing_is_written_past_the_encoding) {
  for (int bits = 0; bits <= 64; bits++) {
    uint64_t below = bits == 64 ? UINT64_MAX : (1ULL << bits) - 1;
    uint64_t values[] = {below, below + 1, below ^ 0x5555555555555555ULL};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
      gb_event ev;
      gb_event_init(&ev);
      ev.type = GB_EV_APP_LAUNCHED;
      ev.event_id = values[i];
      uint8_t want[16];
      size_t want_n = leb128(values[i], want);
      uint8_t buf[GB_EVENT_BINARY_MAX + 16];
      memset(buf, '#', sizeof buf);
      size_t n = gb_event_encode_binary(&ev, buf, sizeof buf);
      cr_assert_eq(buf[0], GB_EV_APP_LAUNCHED);
      cr_assert_arr_eq(buf + 1, want, want_n, "%d bits", bits);
      for (size_t k = n; k < sizeof buf; k++)
        cr_assert_eq(buf[k], '#', "%d bits: byte %zu of %zu written", bits, k, n);
      uint8_t exact[GB_EVENT_BINARY_MAX + 16];
      memset(exact, '#', sizeof exact);
      cr_assert_eq(gb_event_encode_binary(&ev, exact, n - 1), n); /* one byte short: a prefix */
      cr_assert_arr_eq(exact, buf, n - 1);
      cr_assert_eq(exact[n - 1], '#');
    }
  }
}

Test(codec, player_id_is_peeked_from_binary_messages_only) {
  for (int t = 0; t < GB_EV__COUNT; t++) {
    gb_event ev;
    full_event((gb_event_type)t, &ev);
    char msg[GB_EVENT_BINARY_MAX + 1 + 256];
    size_t n = gb_event_encode_wire(&ev, true, msg, sizeof msg);
    uint64_t id = 0;
    cr_assert_eq(gb_event_peek_player_id(msg, n, &id), 0, "%s", gb_event_type_name(t));
    cr_assert_eq(id, ev.player_id);
    /* cut inside player_id (the last of its 10 bytes): not readable */
    size_t head = 2 + 10 + 6; /* wire byte, type, event_id (10 bytes), ts (6 bytes) */
    cr_assert_eq(gb_event_peek_player_id(msg, head + 9, &id), -1);
    cr_assert_eq(gb_event_peek_player_id(msg, head + 10, &id), 0);
    char json[JSON_CAP];
    size_t jn = gb_event_encode_wire(&ev, false, json, sizeof json);
    cr_assert_eq(gb_event_peek_player_id(json, jn, &id), -1);
    gb_event_dispose(&ev);
  }
  const uint8_t bad_tag[] = {GB_WIRE_BINARY, GB_EV__COUNT, 1, 2, 3};
  uint64_t id = 0;
  cr_assert_eq(gb_event_peek_player_id(bad_tag, sizeof bad_tag, &id), -1);
  cr_assert_eq(gb_event_peek_player_id(bad_tag, 0, &id), -1);
}

Test(codec, binary_keeps_double_bits_and_fields_json_cannot) {
  gb_event ev, back;
  full_event(GB_EV_PLAY_SESSION, &ev);
  ev.u.store.minutes = -NAN;
  uint8_t buf[GB_EVENT_BINARY_MAX];
  size_t used;
  gb_err err;
  size_t n = gb_event_encode_binary(&ev, buf, sizeof buf);
  cr_assert_eq(gb_event_decode_binary(buf, n, &back, &used, &err), 0, "%s", err.msg);
  cr_assert_eq(memcmp(&ev.u.store.minutes, &back.u.store.minutes, sizeof(double)), 0);
}

Test(codec, exact_json_for_a_game_end) {
  gb_event ev;
  gb_event_init(&ev);
  ev.event_id = 1234567890123;
  ev.type = GB_EV_GAME_END;
  ev.ts = 1700000000123;
  ev.player_id = 4242424242;
  ev.session_id = 98765;
  GBT_SET(ev.platform, "android");
  GBT_SET(ev.country, "BR");
  GBT_SET(ev.u.game.game, "pao_de_kuai");
  GBT_SET(ev.u.game.room, "beginner");
  ev.u.game.bet = 100;
  ev.u.game.won = false;
  ev.u.game.coins_delta = -100;
  ev.u.game.coin_balance = 12245;
  ev.u.game.level = 17;
  ev.t_intended_ns = 5000;
  char json[JSON_CAP];
  encode(&ev, json);
  /* score is optional and 0: omitted; won is required: written even when false */
  cr_assert_str_eq(json, "{\"event_id\":1234567890123,\"type\":\"game_end\",\"ts\":1700000000123,"
                         "\"player_id\":4242424242,\"session_id\":98765,\"platform\":\"android\","
                         "\"country\":\"BR\",\"game\":\"pao_de_kuai\",\"room\":\"beginner\","
                         "\"bet\":100,\"won\":false,\"coins_delta\":-100,\"coin_balance\":12245,"
                         "\"level\":17,\"t_intended_ns\":5000}");
}

Test(codec, exact_json_for_a_purchase_and_an_upsert) {
  gb_event ev;
  gb_event_init(&ev);
  ev.event_id = 7;
  ev.type = GB_EV_PURCHASE;
  ev.ts = 1;
  ev.player_id = 2;
  GBT_SET(ev.u.purchase.sku, "gems_100");
  ev.u.purchase.amount = 4.99;
  GBT_SET(ev.u.purchase.currency, "USD");
  ev.u.purchase.discount = -0.0;
  char json[JSON_CAP];
  encode(&ev, json);
  cr_assert_str_eq(json, "{\"event_id\":7,\"type\":\"purchase\",\"ts\":1,\"player_id\":2,"
                         "\"session_id\":0,\"platform\":\"\",\"country\":\"\",\"sku\":\"gems_100\","
                         "\"amount\":4.99,\"currency\":\"USD\",\"discount\":-0.0}");
  gb_event_init(&ev);
  ev.event_id = 8;
  ev.type = GB_EV_CHALLENGE_UPSERT;
  ev.ts = 1;
  ev.player_id = 0;
  char def[] = "{\"id\":\"c1\",\r\n \"bet_min\":10}";
  ev.u.control.definition = def;
  ev.u.control.definition_len = strlen(def);
  encode(&ev, json);
  cr_assert_str_eq(json, "{\"event_id\":8,\"type\":\"challenge_upsert\",\"ts\":1,\"player_id\":0,"
                         "\"session_id\":0,\"platform\":\"\",\"country\":\"\",\"definition\":"
                         "{\"id\":\"c1\",   \"bet_min\":10}}");
}

Test(codec, encode_follows_snprintf_convention) {
  gb_event ev;
  full_event(GB_EV_GAME_END, &ev);
  char full[JSON_CAP];
  size_t n = encode(&ev, full);
  char buf[JSON_CAP];
  for (size_t cap = 0; cap <= n + 1; cap += 7) {
    memset(buf, '#', sizeof buf);
    cr_assert_eq(gb_event_encode_json(&ev, buf, cap), n);
    for (size_t k = cap; k < sizeof buf; k++)
      cr_assert_eq(buf[k], '#', "cap %zu: byte %zu written", cap, k);
    /* buf holds the first min(cap, n) bytes, NUL-terminated only when n < cap */
    size_t written = cap < n ? cap : n;
    cr_assert_eq(memcmp(buf, full, written), 0, "cap %zu", cap);
    if (cap > n)
      cr_assert_eq(buf[n], '\0');
  }
  cr_assert_eq(gb_event_encode_json(&ev, NULL, 0), n);
  memset(buf, '#', sizeof buf);
  cr_assert_eq(gb_event_encode_json(&ev, buf, n + 1), n);
  cr_assert_str_eq(buf, full);
  uint8_t bin[GB_EVENT_BINARY_MAX];
  size_t bn = gb_event_encode_binary(&ev, bin, sizeof bin);
  cr_assert_eq(gb_event_encode_binary(&ev, NULL, 0), bn);
  ev.type = GB_EV__COUNT;
  cr_assert_eq(gb_event_encode_json(&ev, buf, sizeof buf), 0);
  cr_assert_str_eq(buf, "");
  cr_assert_eq(gb_event_encode_binary(&ev, bin, sizeof bin), 0);
}

Test(codec, numbers_and_booleans_as_strings_are_accepted) {
  gb_event ev;
  decode_ok("{\"event_id\":\"18446744073709551615\",\"type\":\"game_end\",\"ts\":\"1700000000000\","
            "\"player_id\":\"42\",\"game\":\"g\",\"bet\":\"100\",\"won\":\"true\","
            "\"coins_delta\":\"-5\",\"coin_balance\":1e3,\"level\":\"7.0\",\"score\":\"1E2\"}",
            &ev);
  cr_assert_eq(ev.event_id, UINT64_MAX);
  cr_assert_eq(ev.ts, 1700000000000);
  cr_assert_eq(ev.player_id, 42);
  cr_assert_eq(ev.u.game.bet, 100);
  cr_assert(ev.u.game.won);
  cr_assert_eq(ev.u.game.coins_delta, -5);
  cr_assert_eq(ev.u.game.coin_balance, 1000);
  cr_assert_eq(ev.u.game.level, 7);
  cr_assert_eq(ev.u.game.score, 100);
  decode_ok("{\"event_id\":1,\"type\":\"purchase\",\"ts\":1,\"player_id\":1,\"sku\":\"s\","
            "\"amount\":\"4.99\",\"currency\":\"EUR\",\"discount\":\"0\"}",
            &ev);
  cr_assert_eq(ev.u.purchase.amount, 4.99);
  decode_ok("{\"event_id\":1,\"type\":\"review\",\"ts\":1,\"player_id\":1,\"app_id\":\"730\","
            "\"recommended\":0,\"hours_at_review\":12}",
            &ev);
  cr_assert_not(ev.u.store.recommended);
  cr_assert_eq(ev.u.store.app_id, 730);
  cr_assert_eq(ev.u.store.hours_at_review, 12.0);
  decode_ok("{\"event_id\":1,\"type\":\"review\",\"ts\":1,\"player_id\":1,\"app_id\":730,"
            "\"recommended\":\"1\"}",
            &ev);
  cr_assert(ev.u.store.recommended);
}

/* #16 item 1: a number with more than 19 significant digits and a fraction or exponent decoded
 * as 0, silently; now exact as a number and as a string, and beyond a double it is rejected. */
Test(codec, long_mantissas_decode_exactly_as_numbers_and_strings) {
  gb_event ev;
  decode_ok("{\"event_id\":1,\"type\":\"game_end\",\"ts\":1,\"player_id\":1,\"game\":\"g\","
            "\"bet\":100.00000000000000000000,\"won\":true,\"coins_delta\":-5,\"coin_balance\":"
            "2500.000000000000000000001e0}",
            &ev);
  cr_assert_eq(ev.u.game.bet, 100);
  cr_assert_eq(ev.u.game.coin_balance, 2500);
  decode_ok("{\"event_id\":1,\"type\":\"purchase\",\"ts\":1,\"player_id\":1,\"sku\":\"s\","
            "\"amount\":3.14159265358979323846,\"currency\":\"EUR\"}",
            &ev);
  cr_assert_eq(ev.u.purchase.amount, 3.14159265358979323846);
  decode_ok("{\"event_id\":1,\"type\":\"purchase\",\"ts\":1,\"player_id\":1,\"sku\":\"s\","
            "\"amount\":\"3.14159265358979323846\",\"currency\":\"EUR\"}",
            &ev);
  cr_assert_eq(ev.u.purchase.amount, 3.14159265358979323846);
  const char *beyond =
      "{\"event_id\":1,\"type\":\"purchase\",\"ts\":1,\"player_id\":1,"
      "\"sku\":\"s\",\"amount\":1.00000000000000000000000e999,\"currency\":\"EUR\"}";
  gb_err err = {0};
  cr_assert_eq(gb_codec_decode_json(codec, beyond, strlen(beyond), &ev, &err), -1);
  cr_assert_not_null(strstr(err.msg, "amount"), "%s", err.msg);
}

Test(codec, absent_null_and_unknown_fields) {
  gb_event ev;
  /* optional fields absent or null are 0 / empty; unknown fields of any kind are ignored, and
   * so are fields that belong to other types */
  decode_ok("  {\"future\":{\"a\":[1,{}]},\"event_id\":5,\"type\":\"level_up\",\"ts\":3,"
            "\"player_id\":9,\"level\":2,\"session_id\":null,\"country\":null,\"list\":[1,2],"
            "\"bet\":\"not a number\",\"t_sent_ns\":null}\n",
            &ev);
  cr_assert_eq(ev.type, GB_EV_LEVEL_UP);
  cr_assert_eq(ev.u.level, 2);
  cr_assert_eq(ev.session_id, 0);
  cr_assert_str_eq(ev.country, "");
  cr_assert_eq(ev.t_sent_ns, 0);
  /* the last of duplicate fields wins */
  decode_ok("{\"event_id\":5,\"type\":\"level_up\",\"ts\":3,\"player_id\":9,\"level\":2,"
            "\"level\":3}",
            &ev);
  cr_assert_eq(ev.u.level, 3);
}

Test(codec, field_order_does_not_matter) {
  gb_event in_order, reversed;
  decode_ok("{\"event_id\":9,\"type\":\"challenge_progress\",\"ts\":5,\"player_id\":4,"
            "\"challenge_id\":\"c\",\"progress\":1,\"target\":3,\"t_sent_ns\":8}",
            &in_order);
  decode_ok("{\"t_sent_ns\":8,\"target\":3,\"progress\":1,\"challenge_id\":\"c\","
            "\"player_id\":4,\"ts\":5,\"type\":\"challenge_progress\",\"event_id\":9}",
            &reversed);
  assert_same_event(&in_order, &reversed);
  cr_assert_eq(reversed.u.prop.target, 3);
  cr_assert_eq(reversed.t_sent_ns, 8);
}

Test(codec, purchase_forms) {
  gb_event ev;
  decode_ok("{\"event_id\":1,\"type\":\"purchase\",\"ts\":1,\"player_id\":1,\"app_id\":730,"
            "\"price\":19.99}",
            &ev);
  cr_assert_eq(ev.u.purchase.app_id, 730);
  cr_assert_eq(ev.u.purchase.price, 19.99);
  cr_assert_str_eq(ev.u.purchase.sku, "");
  char json[JSON_CAP];
  encode(&ev, json);
  cr_assert(strstr(json, "\"app_id\":730,\"price\":19.99}") != NULL, "%s", json);
  cr_assert(strstr(json, "sku") == NULL, "%s", json);
}

static void expect_json_error(const char *json, const char *message) {
  gb_event ev;
  gb_err err = {0};
  ev.type = GB_EV_CHALLENGE_UPSERT; /* garbage that the decoder must overwrite, not free */
  ev.u.control.definition = (char *)"not heap";
  cr_assert_eq(gb_codec_decode_json(codec, json, strlen(json), &ev, &err), -1, "accepted %s", json);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, message, "for %s", json);
  cr_assert_null(ev.u.control.definition);
}

#define HEAD "{\"event_id\":1,\"ts\":2,\"player_id\":3,"

Test(codec, rejections_name_the_field_and_the_reason) {
  expect_json_error("{\"event_id\":1,\"type\":\"app_launched\",\"ts\":2}",
                    "missing required field 'player_id'");
  expect_json_error("{\"event_id\":1,\"ts\":2,\"player_id\":3}", "missing required field 'type'");
  expect_json_error(HEAD "\"type\":\"foo\"}", "unknown event type 'foo'");
  expect_json_error(HEAD "\"type\":\"a\\\"b\"}", "unknown event type 'a\\x22b'");
  expect_json_error(HEAD "\"type\":7}", "field 'type': expected a string, got 7");
  expect_json_error(HEAD "\"type\":\"game_end\",\"game\":\"g\",\"bet\":\"abc\",\"won\":true,"
                         "\"coins_delta\":1,\"coin_balance\":1}",
                    "field 'bet': expected a number, got string \"abc\"");
  expect_json_error(HEAD "\"type\":\"game_end\",\"game\":\"g\",\"bet\":10,\"won\":true,"
                         "\"coin_balance\":1}",
                    "missing required field 'coins_delta' for a game_end event");
  expect_json_error(HEAD "\"type\":\"game_start\",\"game\":\"this_name_has_24_bytes__\","
                         "\"bet\":1}",
                    "field 'game': longer than 23 bytes");
  expect_json_error(HEAD "\"type\":\"game_start\",\"game\":\"\",\"bet\":1}",
                    "field 'game': must not be empty");
  expect_json_error(HEAD "\"type\":\"game_start\",\"game\":\"a\\u0000b\",\"bet\":1}",
                    "field 'game': contains a NUL byte");
  expect_json_error(HEAD "\"type\":\"game_start\",\"game\":5,\"bet\":1}",
                    "field 'game': expected a string, got 5");
  expect_json_error(HEAD "\"type\":\"game_start\",\"game\":\"g\",\"bet\":1.5}",
                    "field 'bet': expected an integer, got 1.5");
  expect_json_error(HEAD "\"type\":\"game_start\",\"game\":\"g\",\"bet\":-1}",
                    "field 'bet': -1 is out of range [0, 9223372036854775807]");
  expect_json_error(HEAD "\"type\":\"game_start\",\"game\":\"g\",\"bet\":[1]}",
                    "field 'bet': expected a number, got an array");
  expect_json_error(HEAD "\"type\":\"game_start\",\"game\":\"g\",\"bet\":1,"
                         "\"level\":2147483648}",
                    "field 'level': 2147483648 is out of range [0, 2147483647]");
  expect_json_error("{\"event_id\":-1,\"type\":\"app_launched\",\"ts\":2,\"player_id\":3}",
                    "field 'event_id': -1 is out of range [0, 18446744073709551615]");
  expect_json_error("{\"event_id\":1,\"type\":\"app_launched\",\"ts\":2,\"player_id\":1e30}",
                    "field 'player_id': 1e+30 is out of range "
                    "[0, 18446744073709551615]");
  expect_json_error(HEAD "\"type\":\"game_end\",\"game\":\"g\",\"bet\":1,\"won\":2,"
                         "\"coins_delta\":1,\"coin_balance\":1}",
                    "field 'won': expected a boolean (true/false or 0/1), got 2");
  expect_json_error(HEAD "\"type\":\"purchase\",\"amount\":1}",
                    "missing required field 'sku' for a purchase (it needs sku, amount and "
                    "currency, or app_id and price)");
  expect_json_error(HEAD "\"type\":\"purchase\",\"app_id\":730}",
                    "missing required field 'price' for a purchase (it needs sku, amount and "
                    "currency, or app_id and price)");
  expect_json_error(HEAD "\"type\":\"purchase\",\"app_id\":730,\"price\":1,\"discount\":1.5}",
                    "field 'discount': 1.5 is out of range [0, 1]");
  expect_json_error(HEAD "\"type\":\"impression\",\"arm\":\"a\",\"app_ids\":[1,\"x\"]}",
                    "field 'app_ids', item 1: expected a number, got string \"x\"");
  expect_json_error(HEAD "\"type\":\"impression\",\"arm\":\"a\","
                         "\"app_ids\":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]}",
                    "field 'app_ids': more than 16 app ids (17)");
  expect_json_error(HEAD "\"type\":\"click\",\"app_id\":0}",
                    "field 'app_id': 0 is out of range [1, 4294967295]");
  expect_json_error(HEAD "\"type\":\"challenge_upsert\",\"definition\":\"{}\"}",
                    "field 'definition': expected a JSON object, got string \"{}\"");
  expect_json_error(HEAD "\"type\":\"app_launched\",\"utc_offset_min\":841}",
                    "field 'utc_offset_min': 841 is out of range [-720, 840]");
  expect_json_error(HEAD "\"type\":\"app_launched\",\"utc_offset_min\":\"-721\"}",
                    "field 'utc_offset_min': string \"-721\" is out of range [-720, 840]");
  /* an error after the definition has been allocated must free it (ASan checks) */
  expect_json_error(HEAD "\"type\":\"challenge_upsert\",\"definition\":{},\"t_sent_ns\":-1}",
                    "field 't_sent_ns': -1 is out of range [0, 9223372036854775807]");
}

Test(codec, malformed_json_is_rejected_not_crashed_on) {
  const char *bad[] = {"",    "{",          "{\"event_id\":1,", "[]",
                       "nul", "{\"a\":1}}", "{\"a\":1} {}",     "{\"event_id\":01}",
                       "\xff"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    gb_event ev;
    gb_err err = {0};
    cr_assert_eq(gb_codec_decode_json(codec, bad[k], strlen(bad[k]), &ev, &err), -1, "%s", bad[k]);
    cr_assert_eq(err.kind, GB_ERR_INPUT);
    cr_assert(strstr(err.msg, "JSON") != NULL, "%s: %s", bad[k], err.msg);
  }
}

Test(codec, definition_is_minified_and_bounded) {
  gb_event ev;
  decode_ok(HEAD "\"type\":\"challenge_upsert\",\"definition\": { \"id\" : \"c 1\",\n"
                 " \"n\" : [ 1 , 2 ] } }",
            &ev);
  cr_assert_str_eq(ev.u.control.definition, "{\"id\":\"c 1\",\"n\":[1,2]}");
  cr_assert_eq(ev.u.control.definition_len, strlen(ev.u.control.definition));
  gb_event_dispose(&ev);
  cr_assert_null(ev.u.control.definition);

  /* exactly GB_DEFINITION_MAX bytes pass, one more fails */
  const char *head = HEAD "\"type\":\"challenge_upsert\",\"definition\":{\"k\":\"";
  size_t fill = GB_DEFINITION_MAX - strlen("{\"k\":\"\"}");
  char *json = malloc(strlen(head) + fill + 8);
  cr_assert_not_null(json);
  memcpy(json, head, strlen(head));
  memset(json + strlen(head), 'x', fill);
  memcpy(json + strlen(head) + fill, "\"}}", 4);
  decode_ok(json, &ev);
  cr_assert_eq(ev.u.control.definition_len, GB_DEFINITION_MAX);
  gb_event_dispose(&ev);
  memcpy(json + strlen(head) + fill, "x\"}}", 5);
  expect_json_error(json, "field 'definition': longer than 65536 bytes (minified: 65537)");
  free(json);
}

Test(codec, nan_is_written_as_null_and_reads_back_absent) {
  gb_event ev, back;
  full_event(GB_EV_OFFER_DISMISSED, &ev);
  ev.u.offer.price = NAN;
  char json[JSON_CAP];
  encode(&ev, json);
  cr_assert(strstr(json, "\"price\":null") != NULL, "%s", json);
  decode_ok(json, &back);
  cr_assert_eq(back.u.offer.price, 0.0);
}

Test(codec, truncated_binary_is_rejected_at_every_length) {
  for (int t = 0; t < GB_EV__COUNT; t++) {
    gb_event ev, back;
    full_event((gb_event_type)t, &ev);
    uint8_t buf[GB_EVENT_BINARY_MAX + 256];
    size_t n = gb_event_encode_binary(&ev, buf, sizeof buf);
    for (size_t len = 0; len < n; len++) {
      size_t used = 99;
      gb_err err = {0};
      cr_assert_eq(gb_event_decode_binary(buf, len, &back, &used, &err), -1, "%s at %zu",
                   gb_event_type_name(t), len);
      cr_assert_eq(used, 0);
      cr_assert(strstr(err.msg, "truncated") != NULL, "%s", err.msg);
      cr_assert_null(back.u.control.definition);
    }
    gb_event_dispose(&ev);
  }
}

static void expect_binary_error(const uint8_t *buf, size_t len, const char *message) {
  gb_event ev;
  size_t used;
  gb_err err = {0};
  cr_assert_eq(gb_event_decode_binary(buf, len, &ev, &used, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, message);
}

Test(codec, corrupt_binary_is_rejected_precisely) {
  uint8_t bad_tag[] = {GB_EV__COUNT};
  expect_binary_error(bad_tag, 1, "binary event: bad type tag 30 (schema v1 has 0..29)");
  /* app_launched: event_id as an 11-byte varint */
  uint8_t long_varint[] = {
      GB_EV_APP_LAUNCHED, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00};
  expect_binary_error(long_varint, sizeof long_varint,
                      "binary event: field 'event_id': varint overflows 64 bits");
  /* level_up with every common field empty, then level = zigzag(2^31) */
  uint8_t big_level[] = {GB_EV_LEVEL_UP, 1, 2, 3, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x10};
  expect_binary_error(big_level, sizeof big_level,
                      "binary event: field 'level': 2147483648 does not fit 32 bits");
  /* app_launched, common fields empty, then utc_offset_min = zigzag(841) = 1682 */
  uint8_t far_east[] = {GB_EV_APP_LAUNCHED, 1, 2, 3, 0, 0, 0, 0x92, 0x0d, 0, 0};
  expect_binary_error(far_east, sizeof far_east,
                      "binary event: field 'utc_offset_min': 841 is out of range [-720, 840]");
  /* a platform string longer than 15 bytes */
  uint8_t long_str[] = {GB_EV_APP_LAUNCHED, 1, 2, 3, 0, 16};
  expect_binary_error(long_str, sizeof long_str,
                      "binary event: field 'platform': longer than 15 bytes");
  /* game_end's won byte = 2: found as the one byte that differs between won and lost */
  gb_event ev;
  full_event(GB_EV_GAME_END, &ev);
  uint8_t won[GB_EVENT_BINARY_MAX], lost[GB_EVENT_BINARY_MAX];
  size_t n = gb_event_encode_binary(&ev, won, sizeof won);
  ev.u.game.won = false;
  cr_assert_eq(gb_event_encode_binary(&ev, lost, sizeof lost), n);
  size_t at = 0;
  while (at < n && won[at] == lost[at])
    at++;
  cr_assert_lt(at, n);
  won[at] = 2;
  expect_binary_error(won, n, "binary event: field 'won': boolean byte 2 is neither 0 nor 1");
}

/* Damaged input of every kind (bytes flipped, replaced, cut) must be decoded or rejected with an
 * input error, never crash or read out of bounds (the sanitizer build checks the latter). */
Test(codec, damaged_input_is_decoded_or_rejected) {
  gb_rng rng;
  gb_rng_seed(&rng, 77, 1);
  static const char interesting[] = "{}[]\",:0123456789-.eEtfnu\\ \x00\xff";
  int rejected = 0, accepted = 0;
  for (int round = 0; round < 4000; round++) {
    gb_event ev, out;
    full_event((gb_event_type)gb_rng_below(&rng, GB_EV__COUNT), &ev);
    char json[JSON_CAP];
    uint8_t bin[GB_EVENT_BINARY_MAX + 256];
    size_t n = encode(&ev, json);
    size_t bn = gb_event_encode_binary(&ev, bin, sizeof bin);
    gb_event_dispose(&ev);
    for (int k = 0, flips = 1 + (int)gb_rng_below(&rng, 3); k < flips; k++) {
      json[gb_rng_below(&rng, n)] = interesting[gb_rng_below(&rng, sizeof interesting - 1)];
      bin[gb_rng_below(&rng, bn)] = (uint8_t)gb_rng_below(&rng, 256);
    }
    size_t cut = gb_rng_below(&rng, 4) == 0 ? gb_rng_below(&rng, n + 1) : n;
    gb_err err = {0};
    int rc = gb_codec_decode_json(codec, json, cut, &out, &err);
    cr_assert(rc == 0 || (rc == -1 && err.kind == GB_ERR_INPUT && err.msg[0] != '\0'));
    if (rc == 0) {
      char again[JSON_CAP];
      encode(&out, again);
      accepted++;
    } else {
      rejected++;
    }
    gb_event_dispose(&out);
    size_t used;
    rc = gb_event_decode_binary(bin, bn, &out, &used, &err);
    cr_assert(rc == 0 || (rc == -1 && err.kind == GB_ERR_INPUT && err.msg[0] != '\0'));
    cr_assert_leq(used, bn);
    gb_event_dispose(&out);
  }
  /* the damage is not so mild that everything passes, nor so harsh that nothing does */
  cr_assert_gt(rejected, 100);
  cr_assert_gt(accepted, 100);
}

/* docs/events.md: every ```json block is one event in canonical form. */
Test(codec, docs_examples_decode_and_reencode_byte_for_byte) {
  size_t len;
  char *doc = gbt_read_file(GB_SOURCE_DIR "/docs/events.md", &len);
  cr_assert_not_null(doc);
  bool seen[GB_EV__COUNT] = {0};
  int examples = 0;
  for (char *p = strstr(doc, "```json\n"); p; p = strstr(p, "```json\n")) {
    p += strlen("```json\n");
    char *end = strstr(p, "\n```");
    cr_assert_not_null(end);
    *end = '\0';
    gb_event ev;
    char again[JSON_CAP];
    decode_ok(p, &ev);
    encode(&ev, again);
    cr_assert_str_eq(again, p, "docs example is not canonical");
    seen[ev.type] = true;
    examples++;
    gb_event_dispose(&ev);
    p = end + 1;
  }
  for (int t = 0; t < GB_EV__COUNT; t++)
    cr_assert(seen[t], "docs/events.md has no example of %s", gb_event_type_name(t));
  cr_assert_geq(examples, GB_EV__COUNT);
  free(doc);
}

/* ---- on the wire: either form, told apart by the first byte */

Test(codec, wire_forms_round_trip_every_type_through_one_decoder) {
  for (int t = 0; t < GB_EV__COUNT; t++)
    for (int binary = 0; binary < 2; binary++) {
      gb_event ev, back;
      char buf[JSON_CAP];
      gb_err err = {0};
      full_event((gb_event_type)t, &ev);
      size_t n = gb_event_encode_wire(&ev, binary, buf, sizeof buf);
      cr_assert_lt(n, sizeof buf);
      cr_assert_eq(gb_event_encode_wire(&ev, binary, NULL, 0), n, "the length without a buffer");
      if (binary) {
        cr_assert_eq(buf[0], GB_WIRE_BINARY);
        cr_assert_eq(n, 1 + gb_event_encode_binary(&ev, NULL, 0));
      } else {
        cr_assert_eq(buf[0], '{');
      }
      cr_assert_eq(gb_event_decode_wire(codec, buf, n, &back, &err), 0, "%s (%s): %s",
                   gb_event_type_name(t), binary ? "binary" : "json", err.msg);
      if (binary || t != GB_EV_CHALLENGE_UPSERT) /* JSON turns CR/LF of a definition into spaces */
        assert_same_event(&ev, &back);
      gb_event_dispose(&ev);
      gb_event_dispose(&back);
    }
}

Test(codec, wire_decoding_keeps_each_forms_rules) {
  gb_event ev, back;
  gb_err err = {0};
  const char *json = " {\"event_id\":1,\"type\":\"app_launched\",\"ts\":2,\"player_id\":3} ";
  cr_assert_eq(gb_event_decode_wire(codec, json, strlen(json), &back, &err), 0, "%s", err.msg);
  cr_assert_eq(back.player_id, 3, "JSON with surrounding whitespace is still JSON");
  full_event(GB_EV_GAME_END, &ev);
  char buf[JSON_CAP];
  size_t n = gb_event_encode_wire(&ev, true, buf, sizeof buf);
  buf[n] = 0;
  cr_assert_eq(gb_event_decode_wire(codec, buf, n + 1, &back, &err), -1);
  cr_assert_str_eq(err.msg, "binary event: 1 bytes after the event");
  cr_assert_eq(gb_event_decode_wire(codec, buf, n - 1, &back, &err), -1);
  cr_assert(strstr(err.msg, "truncated"), "%s", err.msg);
  cr_assert_eq(gb_event_decode_wire(codec, buf, 1, &back, &err), -1, "the mark alone");
  cr_assert_eq(gb_event_decode_wire(codec, "", 0, &back, &err), -1, "nothing at all");
  cr_assert(strstr(err.msg, "JSON"), "an empty message is taken as JSON: %s", err.msg);
}
