/* The Kafka transport's checks that need no broker: properties (-X) and configuration. The
 * transport itself is exercised against the embedded broker in
 * tests/integration/test_kafka_mock.c and against Apache Kafka in test_kafka_real.c. */
#include <criterion/criterion.h>
#include <string.h>

#include "gb_transport_kafka.h"
#include "gb_transport_kafka_int.h" /* gb_kafka_key: the message key, written without snprintf */

static void props_fail(const char *prop, const char *fragment) {
  const char *props[] = {prop};
  gb_err err = {0};
  cr_assert_eq(gb_transport_kafka_check_props(props, 1, &err), -1, "%s", prop);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, fragment), "'%s' should mention '%s'", err.msg, fragment);
}

Test(transport_kafka, accepts_librdkafka_and_own_properties) {
  const char *props[] = {"linger.ms=5",
                         "security.protocol=plaintext",
                         "gamebench.commit.interval.ms=100",
                         "gamebench.ack.timeout.ms=5000",
                         "gamebench.fault.broker.down=10:20",
                         "gamebench.mock.brokers=3"};
  gb_err err = {0};
  cr_assert_eq(gb_transport_kafka_check_props(props, sizeof props / sizeof props[0], &err), 0, "%s",
               err.msg);
}

Test(transport_kafka, names_the_bad_property) {
  props_fail("no.such.property=1", "-X no.such.property=1");
  props_fail("linger.ms", "-X linger.ms: expected key=value");
  props_fail("=5", "expected key=value");
  props_fail("linger.ms=soon", "-X linger.ms=soon");
  props_fail("gamebench.commit.interval.ms=0", "expected an integer in 1 .. 3600000");
  props_fail("gamebench.mock.brokers=17", "1 .. 16");
  props_fail("gamebench.fault.broker.down=5", "AT_MS:FOR_MS");
  props_fail("gamebench.fault.broker.down=5:0", "FOR_MS in 1 ..");
  props_fail("gamebench.nope=1", "unknown gamebench property");
}

static void new_fails(gb_kafka_role role, const char *brokers, unsigned partitions,
                      const char *run_id, const char *fragment) {
  gb_transport_config tc = {.n_producers = 1, .n_shards = 1, .queue_bytes = 1 << 16};
  gb_transport_kafka_config kc = {
      .role = role, .brokers = brokers, .run_id = run_id, .partitions = partitions};
  gb_transport *t = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_transport_kafka_new(&tc, &kc, &t, &err), -1);
  cr_assert_null(t);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert(strstr(err.msg, fragment), "'%s' should mention '%s'", err.msg, fragment);
}

Test(transport_kafka, refuses_bad_configurations_before_connecting) {
  new_fails(GB_KAFKA_ROLE_SIM, "embedded", 8, NULL, "the embedded broker lives inside one");
  new_fails(GB_KAFKA_ROLE_ENGINE, "embedded", 8, NULL, "need a real broker");
  new_fails(GB_KAFKA_ROLE_ALL, "embedded", 0, NULL, "transport.partitions: 0 is out of range");
  new_fails(GB_KAFKA_ROLE_ALL, "embedded", 1025, NULL, "(1 .. 1024)");
  new_fails(GB_KAFKA_ROLE_ALL, "", 8, NULL, "brokers: expected");
  new_fails(GB_KAFKA_ROLE_ALL, "embedded", 8, "a b", "run id 'a b': ' ' is not allowed");
  new_fails(GB_KAFKA_ROLE_ALL, "embedded", 8, "", "run id '': expected 1 .. 100");
}

Test(transport_kafka, message_keys_are_the_decimal_player_id) {
  static const struct {
    uint64_t id;
    const char *text;
  } cases[] = {{0, "0"},
               {7, "7"},
               {10, "10"},
               {1234567890123ULL, "1234567890123"},
               {UINT64_MAX, "18446744073709551615"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char key[24];
    memset(key, 'x', sizeof key);
    size_t n = gb_kafka_key(cases[i].id, key);
    cr_assert_eq(n, strlen(cases[i].text));
    cr_assert_str_eq(key, cases[i].text, "NUL-terminated");
  }
}

/* A replies record: entries read back as written (varints of 1, 2 and 6 bytes), then its end. */
Test(transport_kafka, replies_records_read_back_entry_by_entry) {
  static const struct {
    uint64_t seq;
    const char *reply;
  } in[] = {{1, "a"}, {300, ""}, {1ULL << 40, "\x00\x01\x02 decision"}};
  size_t lens[] = {1, 0, 13};
  uint8_t buf[3 * KREPLY_ENTRY_MAX + 32];
  size_t n = 0;
  for (size_t i = 0; i < 3; i++)
    n += gb_kafka_replies_put(buf + n, in[i].seq, in[i].reply, lens[i]);
  cr_assert_eq(n, (1 + 1 + 1) + (2 + 1 + 0) + (6 + 1 + 13), "varint seq, varint length, bytes");
  const uint8_t *at = buf, *end = buf + n;
  for (size_t i = 0; i < 3; i++) {
    uint64_t seq = 0;
    const void *reply = NULL;
    size_t len = 99;
    cr_assert(gb_kafka_replies_next(&at, end, &seq, &reply, &len), "entry %zu", i);
    cr_assert_eq(seq, in[i].seq);
    cr_assert_eq(len, lens[i]);
    cr_assert_eq(memcmp(reply, in[i].reply, len), 0);
  }
  uint64_t seq;
  const void *reply;
  size_t len;
  cr_assert_not(gb_kafka_replies_next(&at, end, &seq, &reply, &len));
  cr_assert_eq(at, end, "the end, not a malformed entry");
}

/* A truncated reply, a length past the record and a varint that never ends are malformed: the
 * reader stops before them (at < end). */
Test(transport_kafka, malformed_replies_records_are_told_from_their_end) {
  uint8_t buf[64];
  size_t n = gb_kafka_replies_put(buf, 7, "decision", 8);
  const uint8_t *tails[] = {buf + n - 1, buf + 2};
  for (size_t i = 0; i < 2; i++) {
    const uint8_t *at = buf;
    uint64_t seq;
    const void *reply;
    size_t len;
    cr_assert_not(gb_kafka_replies_next(&at, tails[i], &seq, &reply, &len));
    cr_assert_eq(at, buf, "not consumed");
  }
  uint8_t endless[11];
  memset(endless, 0xff, sizeof endless); /* continuation bits all the way: over 64 bits */
  const uint8_t *at = endless;
  uint64_t seq;
  const void *reply;
  size_t len;
  cr_assert_not(gb_kafka_replies_next(&at, endless + sizeof endless, &seq, &reply, &len));
  cr_assert_eq(at, endless);
  /* Ten bytes whose last one carries more than the 64th bit. */
  uint8_t wide[12];
  memset(wide, 0xff, 9);
  wide[9] = 0x02;
  wide[10] = 0x00; /* length 0 */
  at = wide;
  cr_assert_not(gb_kafka_replies_next(&at, wide + 11, &seq, &reply, &len));
  wide[9] = 0x01; /* exactly UINT64_MAX */
  cr_assert(gb_kafka_replies_next(&at, wide + 11, &seq, &reply, &len));
  cr_assert_eq(seq, UINT64_MAX);
  cr_assert_eq(len, 0);
}
