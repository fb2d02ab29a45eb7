/* Kafka transport: configuration, the embedded cluster, topics, set-up and statistics. The
 * simulator side lives in gb_transport_kafka_produce.c, the engine side in
 * gb_transport_kafka_consume.c; gb_transport_kafka.h describes the whole. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gb_clock.h"
#include "gb_rng.h"
#include "gb_transport_kafka_int.h"
#include "gb_varint.h"

enum {
  ERRSTR_MAX = 512,
  /* gb_run sizes its encode buffers by the largest message: room for a challenge_upsert with a
   * full definition (GB_DEFINITION_MAX) and its envelope, well under Kafka's 1 MB default. */
  KAFKA_MAX_MESSAGE = 256 * 1024,
  METADATA_POLL_MS = 100, /* between metadata attempts while topics appear */
  SEND_HELD_MS = 1        /* gb_kafka_send_held's wait for the broker's acknowledgement, at most */
};

/* ---- header and small helpers */

void gb_kafka_put_u64(uint8_t out[8], uint64_t v) {
  for (int i = 7; i >= 0; i--) {
    out[i] = (uint8_t)(v & 0xFF);
    v >>= 8;
  }
}

uint64_t gb_kafka_get_u64(const uint8_t in[8]) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++)
    v = (v << 8) | in[i];
  return v;
}

void gb_kafka_header_put(uint8_t out[KHDR_LEN], khdr_kind kind, uint32_t producer, uint64_t seq) {
  out[0] = (uint8_t)kind;
  out[1] = (uint8_t)(producer >> 24);
  out[2] = (uint8_t)(producer >> 16);
  out[3] = (uint8_t)(producer >> 8);
  out[4] = (uint8_t)producer;
  gb_kafka_put_u64(out + 5, seq);
}

bool gb_kafka_header_get(const rd_kafka_message_t *m, khdr *out) {
  rd_kafka_headers_t *hdrs = NULL;
  if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return false;
  const void *v = NULL;
  size_t len = 0;
  if (rd_kafka_header_get_last(hdrs, KHDR_NAME, &v, &len) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      len != KHDR_LEN || !v)
    return false;
  const uint8_t *b = v;
  if (b[0] != KHDR_EVENT && b[0] != KHDR_END && b[0] != KHDR_REPLY && b[0] != KHDR_REPLIES &&
      b[0] != KHDR_ACK)
    return false;
  out->kind = (khdr_kind)b[0];
  out->producer = (uint32_t)b[1] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 8 | b[4];
  out->seq = gb_kafka_get_u64(b + 5);
  return true;
}

size_t gb_kafka_replies_put(uint8_t *out, uint64_t seq, const void *reply, size_t len) {
  size_t n = gb_varint_put(out, seq);
  n += gb_varint_put(out + n, len);
  memcpy(out + n, reply, len);
  return n + len;
}

bool gb_kafka_replies_next(const uint8_t **at, const uint8_t *end, uint64_t *seq,
                           const void **reply, size_t *len) {
  const uint8_t *p = *at;
  uint64_t n;
  if (!gb_varint_get(&p, end, seq) || !gb_varint_get(&p, end, &n) || n > (uint64_t)(end - p))
    return false;
  *reply = p;
  *len = (size_t)n;
  *at = p + n;
  return true;
}

size_t gb_kafka_consume(rd_kafka_queue_t *q, int timeout_ms, rd_kafka_message_t **out, size_t cap) {
  if (cap == 0)
    return 0;
  rd_kafka_message_t *first = timeout_ms > 0 ? rd_kafka_consume_queue(q, timeout_ms) : NULL;
  size_t n = 0;
  if (first)
    out[n++] = first;
  ssize_t more = rd_kafka_consume_batch_queue(q, 0, out + n, cap - n);
  return n + (more > 0 ? (size_t)more : 0);
}

void gb_kafka_send_held(const gb_transport_kafka *k, rd_kafka_t *rk) {
  if (k->throughput && rd_kafka_outq_len(rk) > 0)
    rd_kafka_flush(rk, SEND_HELD_MS);
}

rd_kafka_resp_err_t gb_kafka_flush(rd_kafka_t *rk, int timeout_ms) {
  int64_t deadline = gb_clock_now_ns() + (int64_t)timeout_ms * 1000000;
  while (rd_kafka_outq_len(rk) > 0) {
    if (gb_clock_now_ns() >= deadline)
      return RD_KAFKA_RESP_ERR__TIMED_OUT;
    rd_kafka_poll(rk, KFLUSH_POLL_MS);
  }
  return RD_KAFKA_RESP_ERR_NO_ERROR;
}

size_t gb_kafka_key(uint64_t player_id, char out[24]) {
  /* By hand: snprintf costs more than the rest of a send (one per event and per reply). */
  char digits[20]; /* UINT64_MAX has 20 */
  size_t n = 0;
  do {
    digits[n++] = (char)('0' + player_id % 10);
    player_id /= 10;
  } while (player_id > 0);
  for (size_t i = 0; i < n; i++)
    out[i] = digits[n - 1 - i];
  out[n] = '\0';
  return n;
}

unsigned gb_kafka_partition_of(const gb_transport_kafka *k, uint64_t player_id) {
  /* A fixed salt, so that partitions are independent of the arm split and the shard hash. */
  return (unsigned)(gb_hash3(0x506172746974ULL /* "Partit" */, player_id, 0) % k->P);
}

void gb_kafka_fail(gb_transport_kafka *k, const char *fmt, ...) {
  pthread_mutex_lock(&k->fail_mu);
  if (!atomic_load(&k->failed)) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(k->failure, sizeof k->failure, fmt, ap);
    va_end(ap);
    fprintf(stderr, "gamebench: kafka: %s\n", k->failure);
    atomic_store(&k->failed, true);
  }
  pthread_mutex_unlock(&k->fail_mu);
}

/* ---- properties */

typedef struct kint_setting {
  const char *key;
  size_t offset; /* into ksettings */
  long min, max;
} kint_setting;

static const kint_setting kint_settings[] = {
    {"gamebench.commit.interval.ms", offsetof(ksettings, commit_interval_ms), 1, 3600000},
    {"gamebench.ack.timeout.ms", offsetof(ksettings, ack_timeout_ms), 1, 86400000},
    {"gamebench.ready.timeout.ms", offsetof(ksettings, ready_timeout_ms), 1, 86400000},
    {"gamebench.mock.brokers", offsetof(ksettings, mock_brokers), 1, 16},
};

static ksettings ksettings_defaults(void) {
  return (ksettings){.commit_interval_ms = 500,
                     .ack_timeout_ms = 120000,
                     .ready_timeout_ms = 60000,
                     .mock_brokers = 1};
}

static int parse_long(const char *s, long min, long max, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

/* Applies one gamebench.* property to *set. */
static int apply_own_prop(const char *prop, const char *key, size_t key_len, const char *value,
                          ksettings *set, gb_err *err) {
  for (size_t i = 0; i < sizeof kint_settings / sizeof kint_settings[0]; i++) {
    const kint_setting *s = &kint_settings[i];
    if (strlen(s->key) != key_len || strncmp(s->key, key, key_len) != 0)
      continue;
    long v;
    if (parse_long(value, s->min, s->max, &v) != 0)
      return gb_err_set(err, GB_ERR_INPUT, "-X %s: expected an integer in %ld .. %ld", prop, s->min,
                        s->max);
    *(int *)((char *)set + s->offset) = (int)v;
    return 0;
  }
  /* The fault windows: "AT_MS:FOR_MS" after set-up. */
  static const struct {
    const char *key;
    size_t at, dur; /* offsets into ksettings */
  } windows[] = {
      {"gamebench.fault.broker.down", offsetof(ksettings, fault_at_ms),
       offsetof(ksettings, fault_for_ms)},
      {"gamebench.fault.consumer.pause", offsetof(ksettings, pause_at_ms),
       offsetof(ksettings, pause_for_ms)},
      {"gamebench.fault.engine.leave", offsetof(ksettings, leave_at_ms),
       offsetof(ksettings, leave_for_ms)},
  };
  for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++) {
    if (strlen(windows[i].key) != key_len || strncmp(windows[i].key, key, key_len) != 0)
      continue;
    char at[32], dur[32];
    const char *colon = strchr(value, ':');
    long a, d;
    if (!colon || (size_t)(colon - value) >= sizeof at || strlen(colon + 1) >= sizeof dur)
      return gb_err_set(err, GB_ERR_INPUT, "-X %s: expected AT_MS:FOR_MS", prop);
    memcpy(at, value, (size_t)(colon - value));
    at[colon - value] = '\0';
    strcpy(dur, colon + 1);
    if (parse_long(at, 0, 86400000, &a) != 0 || parse_long(dur, 1, 86400000, &d) != 0)
      return gb_err_set(err, GB_ERR_INPUT,
                        "-X %s: expected AT_MS:FOR_MS with AT_MS in 0 .. 86400000 and FOR_MS in "
                        "1 .. 86400000",
                        prop);
    *(int *)((char *)set + windows[i].at) = (int)a;
    *(int *)((char *)set + windows[i].dur) = (int)d;
    return 0;
  }
  return gb_err_set(err, GB_ERR_INPUT,
                    "-X %s: unknown gamebench property (known: gamebench.commit.interval.ms, "
                    "gamebench.ack.timeout.ms, gamebench.ready.timeout.ms, "
                    "gamebench.mock.brokers, gamebench.fault.broker.down, "
                    "gamebench.fault.consumer.pause, gamebench.fault.engine.leave)",
                    prop);
}

/* Splits "key=value"; *value points into prop. */
static int split_prop(const char *prop, size_t *key_len, const char **value, gb_err *err) {
  const char *eq = strchr(prop, '=');
  if (!eq || eq == prop)
    return gb_err_set(err, GB_ERR_INPUT, "-X %s: expected key=value", prop);
  *key_len = (size_t)(eq - prop);
  *value = eq + 1;
  return 0;
}

static bool is_own_prop(const char *prop) { return strncmp(prop, "gamebench.", 10) == 0; }

/* Sets one librdkafka property; user says whether it came from -X (an input error) or from
 * gamebench's defaults (a bug, reported as a runtime error). */
static int conf_set(rd_kafka_conf_t *conf, const char *prop, bool user, gb_err *err) {
  size_t key_len = 0;
  const char *value = NULL;
  if (split_prop(prop, &key_len, &value, err) != 0)
    return -1;
  char key[256];
  if (key_len >= sizeof key)
    return gb_err_set(err, GB_ERR_INPUT, "-X %s: key too long", prop);
  memcpy(key, prop, key_len);
  key[key_len] = '\0';
  char errstr[ERRSTR_MAX];
  if (rd_kafka_conf_set(conf, key, value, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
    return gb_err_set(err, user ? GB_ERR_INPUT : GB_ERR_RUNTIME, "%s%s: %s", user ? "-X " : "",
                      prop, errstr);
  return 0;
}

int gb_transport_kafka_check_props(const char *const *props, size_t n_props, gb_err *err) {
  ksettings set = ksettings_defaults();
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  int rc = 0;
  for (size_t i = 0; i < n_props && rc == 0; i++) {
    size_t key_len = 0;
    const char *value = NULL;
    if (split_prop(props[i], &key_len, &value, err) != 0)
      rc = -1;
    else if (is_own_prop(props[i]))
      rc = apply_own_prop(props[i], props[i], key_len, value, &set, err);
    else
      rc = conf_set(conf, props[i], true, err);
  }
  rd_kafka_conf_destroy(conf);
  return rc;
}

/* What every client gets, before the role's defaults: quiet about idle connections the brokers
 * close, and no Nagle delay on small messages (decisions are latency-bound). */
static const char *const common_defaults[] = {"log.connection.close=false",
                                              "socket.nagle.disable=true"};

rd_kafka_conf_t *gb_kafka_conf_new(gb_transport_kafka *k, rd_kafka_type_t type,
                                   const char *const *defaults, size_t n_defaults,
                                   const char *client_id, gb_err *err) {
  kscope other = type == RD_KAFKA_PRODUCER ? KSCOPE_CONSUMER : KSCOPE_PRODUCER;
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  char errstr[ERRSTR_MAX];
  if (rd_kafka_conf_set(conf, "bootstrap.servers", k->bootstrap, errstr, sizeof errstr) !=
          RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "client.id", client_id, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    gb_err_set(err, GB_ERR_INPUT, "brokers '%s': %s", k->bootstrap, errstr);
    return NULL;
  }
  for (size_t i = 0; i < sizeof common_defaults / sizeof common_defaults[0]; i++)
    if (conf_set(conf, common_defaults[i], false, err) != 0)
      goto fail;
  for (size_t i = 0; i < n_defaults; i++)
    if (conf_set(conf, defaults[i], false, err) != 0)
      goto fail;
  for (size_t i = 0; i < k->n_props; i++)
    if (k->prop_scope[i] != other && conf_set(conf, k->props[i], true, err) != 0)
      goto fail;
  return conf;
fail:
  rd_kafka_conf_destroy(conf);
  return NULL;
}

/* librdkafka's property table (rd_kafka_conf_properties_show: the text of its CONFIGURATION.md),
 * "name | C/P | range | default | importance | description" rows. NULL when out of memory. */
static char *property_table(void) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f)
    return NULL;
  rd_kafka_conf_properties_show(f);
  if (fclose(f) != 0) {
    free(text);
    return NULL;
  }
  return text;
}

/* The scope of property `key` (key_len bytes) in the table: its row's C/P cell. A property the
 * table does not list (librdkafka rejects it anyway) goes to every client. */
static kscope scope_of(const char *table, const char *key, size_t key_len) {
  for (const char *line = table; line && *line;) {
    const char *end = strchr(line, '\n');
    size_t n = end ? (size_t)(end - line) : strlen(line);
    const char *bar = memchr(line, '|', n);
    size_t name_len = bar ? (size_t)(bar - line) : 0;
    while (name_len > 0 && line[name_len - 1] == ' ')
      name_len--;
    if (bar && name_len == key_len && strncmp(line, key, key_len) == 0) {
      const char *cell = bar + 1 + strspn(bar + 1, " ");
      return *cell == 'P' ? KSCOPE_PRODUCER : *cell == 'C' ? KSCOPE_CONSUMER : KSCOPE_ALL;
    }
    line = end ? end + 1 : NULL;
  }
  return KSCOPE_ALL;
}

/* Keeps the librdkafka properties of kc (applying gamebench's own to k->set) with their scope,
 * read from table (NULL: out of memory). */
static int copy_scoped_props(gb_transport_kafka *k, const gb_transport_kafka_config *kc,
                             const char *table, gb_err *err) {
  if (!k->props || !k->prop_scope || (kc->n_props > 0 && !table))
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  for (size_t i = 0; i < kc->n_props; i++) {
    size_t key_len = 0;
    const char *value = NULL;
    if (split_prop(kc->props[i], &key_len, &value, err) != 0)
      return -1;
    if (is_own_prop(kc->props[i])) {
      if (apply_own_prop(kc->props[i], kc->props[i], key_len, value, &k->set, err) != 0)
        return -1;
      continue;
    }
    k->prop_scope[k->n_props] = scope_of(table, kc->props[i], key_len);
    if (!(k->props[k->n_props++] = strdup(kc->props[i])))
      return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  }
  rd_kafka_conf_t *conf = rd_kafka_conf_new(); /* validates every property once, up front */
  int rc = 0;
  for (size_t i = 0; i < k->n_props && rc == 0; i++)
    rc = conf_set(conf, k->props[i], true, err);
  rd_kafka_conf_destroy(conf);
  return rc;
}

bool gb_transport_kafka_prop_for(const char *prop, bool producer) {
  char *table = property_table();
  const char *eq = strchr(prop, '=');
  kscope scope =
      table ? scope_of(table, prop, eq ? (size_t)(eq - prop) : strlen(prop)) : KSCOPE_ALL;
  free(table);
  return scope == KSCOPE_ALL || scope == (producer ? KSCOPE_PRODUCER : KSCOPE_CONSUMER);
}

static int copy_props(gb_transport_kafka *k, const gb_transport_kafka_config *kc, gb_err *err) {
  k->set = ksettings_defaults();
  k->props = calloc(kc->n_props ? kc->n_props : 1, sizeof *k->props);
  k->prop_scope = calloc(kc->n_props ? kc->n_props : 1, sizeof *k->prop_scope);
  char *table = kc->n_props ? property_table() : NULL;
  int rc = copy_scoped_props(k, kc, table, err);
  free(table);
  return rc;
}

/* ---- names */

static int set_run_id(gb_transport_kafka *k, const char *run_id, gb_err *err) {
  if (!run_id) {
    /* A new namespace per run: the wall clock and the process id make it unique on a broker
     * shared by several machines' runs in practice; the name says when it was made. */
    int64_t wall = gb_clock_wall_ns();
    time_t secs = (time_t)(wall / 1000000000LL);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(k->run_id, sizeof k->run_id, "run-%s-%ld-%06" PRIx64, stamp, (long)getpid(),
             gb_hash3((uint64_t)wall, (uint64_t)getpid(), 0) & 0xFFFFFFu);
    return 0;
  }
  size_t n = strlen(run_id);
  if (n == 0 || n > GB_KAFKA_RUN_ID_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "run id '%s': expected 1 .. %d characters", run_id,
                      GB_KAFKA_RUN_ID_MAX);
  for (size_t i = 0; i < n; i++) {
    char c = run_id[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok)
      return gb_err_set(err, GB_ERR_INPUT,
                        "run id '%s': '%c' is not allowed (Kafka topic names take "
                        "[A-Za-z0-9._-])",
                        run_id, c);
  }
  memcpy(k->run_id, run_id, n + 1);
  return 0;
}

static int set_names(gb_transport_kafka *k, gb_err *err) {
  static const char *const suffix[KT__COUNT] = {"card", "steam", "feedback", "control",
                                                "decisions"};
  char buf[256];
  for (int i = 0; i < KT__COUNT; i++) {
    snprintf(buf, sizeof buf, "gamebench.%s.%s", k->run_id, suffix[i]);
    if (!(k->topics[i] = strdup(buf)))
      return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  }
  snprintf(buf, sizeof buf, "gamebench.%s.engine", k->run_id);
  if (!(k->group = strdup(buf)))
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  return 0;
}

/* ---- brokers and topics */

static int start_embedded(gb_transport_kafka *k, gb_err *err) {
  char errstr[ERRSTR_MAX];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* The host handle only runs the mock cluster's thread; it never connects anywhere, so its
   * notice about having no bootstrap servers is noise (log level 4 = warnings and worse). The
   * mock brokers' sockets take its socket options: without socket.nagle.disable, a response
   * written while the previous one is unacknowledged waits for the client's delayed ACK (40 ms
   * on Linux) — the last replies of a run took 40-50 ms to be confirmed. */
  if (rd_kafka_conf_set(conf, "client.id", "gamebench-embedded", errstr, sizeof errstr) !=
          RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "log_level", "4", errstr, sizeof errstr) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "socket.nagle.disable", "true", errstr, sizeof errstr) !=
          RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return gb_err_set(err, GB_ERR_RUNTIME, "embedded broker: %s", errstr);
  }
  if (!(k->mock_host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr)))
    return gb_err_set(err, GB_ERR_RUNTIME, "embedded broker: %s", errstr);
  if (!(k->mock = rd_kafka_mock_cluster_new(k->mock_host, k->set.mock_brokers)))
    return gb_err_set(err, GB_ERR_RUNTIME,
                      "embedded broker: cannot start librdkafka's mock "
                      "cluster");
  if (!(k->bootstrap = strdup(rd_kafka_mock_cluster_bootstraps(k->mock))))
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  for (int i = 0; i < KT__COUNT; i++) {
    rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(k->mock, k->topics[i], (int)k->P, 1);
    if (e)
      return gb_err_set(err, GB_ERR_RUNTIME, "embedded broker: cannot create %s: %s", k->topics[i],
                        rd_kafka_err2str(e));
  }
  return 0;
}

static int create_topics(gb_transport_kafka *k, rd_kafka_t *rk, gb_err *err) {
  char errstr[ERRSTR_MAX];
  rd_kafka_NewTopic_t *nt[KT__COUNT] = {0};
  rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  rd_kafka_event_t *ev = NULL;
  int rc = -1;
  for (int i = 0; i < KT__COUNT; i++) {
    /* replication factor -1: the broker's default.replication.factor (Kafka >= 2.4) */
    if (!(nt[i] = rd_kafka_NewTopic_new(k->topics[i], (int)k->P, -1, errstr, sizeof errstr))) {
      gb_err_set(err, GB_ERR_INPUT, "topic %s: %s", k->topics[i], errstr);
      goto out;
    }
  }
  rd_kafka_AdminOptions_set_request_timeout(opt, k->set.ready_timeout_ms, errstr, sizeof errstr);
  rd_kafka_CreateTopics(rk, nt, KT__COUNT, opt, q);
  if (!(ev = rd_kafka_queue_poll(q, k->set.ready_timeout_ms + 1000))) {
    gb_err_set(err, GB_ERR_RUNTIME, "brokers %s: no answer to CreateTopics within %d ms",
               k->bootstrap, k->set.ready_timeout_ms);
    goto out;
  }
  if (rd_kafka_event_error(ev)) {
    gb_err_set(err, GB_ERR_RUNTIME, "brokers %s: cannot create topics: %s", k->bootstrap,
               rd_kafka_event_error_string(ev));
    goto out;
  }
  size_t n = 0;
  const rd_kafka_topic_result_t **res =
      rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
  for (size_t i = 0; i < n; i++) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(res[i]);
    if (e && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      gb_err_set(err, GB_ERR_RUNTIME, "brokers %s: cannot create topic %s: %s", k->bootstrap,
                 rd_kafka_topic_result_name(res[i]), rd_kafka_topic_result_error_string(res[i]));
      goto out;
    }
  }
  rc = 0;
out:
  if (ev)
    rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(q);
  rd_kafka_AdminOptions_destroy(opt);
  for (int i = 0; i < KT__COUNT; i++)
    if (nt[i])
      rd_kafka_NewTopic_destroy(nt[i]);
  return rc;
}

/* Partitions of topic per the cluster's metadata: >= 0, -1 while unknown (just created). */
static int topic_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms) {
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
  const struct rd_kafka_metadata *md = NULL;
  int n = -1;
  if (rkt && rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
      n = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
  }
  if (rkt)
    rd_kafka_topic_destroy(rkt);
  return n;
}

/* Waits until every topic is known with P partitions (CreateTopics returns before the
 * metadata shows them), and for role SIM until every partition has a leader that says it is
 * empty. */
static int check_topics(gb_transport_kafka *k, rd_kafka_t *rk, gb_err *err) {
  int64_t deadline = gb_clock_now_ns() + (int64_t)k->set.ready_timeout_ms * 1000000;
  for (int i = 0; i < KT__COUNT; i++) {
    int n;
    while ((n = topic_partitions(rk, k->topics[i], METADATA_POLL_MS * 10)) < 0) {
      if (gb_clock_now_ns() > deadline)
        return gb_err_set(err, GB_ERR_RUNTIME, "brokers %s: topic %s not visible within %d ms",
                          k->bootstrap, k->topics[i], k->set.ready_timeout_ms);
      gb_clock_sleep_until_ns(gb_clock_now_ns() + (int64_t)METADATA_POLL_MS * 1000000);
    }
    if ((unsigned)n != k->P)
      return gb_err_set(err, GB_ERR_INPUT,
                        "topic %s has %d partitions, transport.partitions is %u (another run "
                        "id gives new topics)",
                        k->topics[i], n, k->P);
  }
  if (k->role != GB_KAFKA_ROLE_SIM)
    return 0;
  for (int i = 0; i < KT__COUNT; i++) {
    for (unsigned p = 0; p < k->P; p++) {
      int64_t lo, hi;
      rd_kafka_resp_err_t e;
      while ((e = rd_kafka_query_watermark_offsets(rk, k->topics[i], (int32_t)p, &lo, &hi,
                                                   METADATA_POLL_MS * 10)) != 0) {
        if (gb_clock_now_ns() > deadline)
          return gb_err_set(err, GB_ERR_RUNTIME, "brokers %s: %s[%u]: %s", k->bootstrap,
                            k->topics[i], p, rd_kafka_err2str(e));
        gb_clock_sleep_until_ns(gb_clock_now_ns() + (int64_t)METADATA_POLL_MS * 1000000);
      }
      if (hi > 0)
        return gb_err_set(err, GB_ERR_INPUT,
                          "topic %s already holds messages (partition %u: %" PRId64
                          "): a previous run used run id '%s'; choose another one (--run) "
                          "or delete the topics",
                          k->topics[i], p, hi, k->run_id);
    }
  }
  return 0;
}

static int setup_topics(gb_transport_kafka *k, gb_err *err) {
  if (k->mock)
    return 0; /* created with the cluster */
  rd_kafka_conf_t *conf = gb_kafka_conf_new(k, RD_KAFKA_PRODUCER, NULL, 0, "gamebench-admin", err);
  if (!conf)
    return -1;
  char errstr[ERRSTR_MAX];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk)
    return gb_err_set(err, GB_ERR_INPUT, "kafka client: %s", errstr);
  int rc = create_topics(k, rk, err);
  if (rc == 0)
    rc = check_topics(k, rk, err);
  rd_kafka_destroy(rk);
  return rc;
}

/* ---- fault injection (embedded) */

/* Waits on the fault condition variable until deadline (gb_clock ns) or stop; true on stop. */
static bool fault_wait(gb_transport_kafka *k, int64_t deadline) {
  pthread_mutex_lock(&k->fault_mu);
  while (!atomic_load(&k->stop)) {
    int64_t now = gb_clock_now_ns();
    if (now >= deadline)
      break;
    /* gb_clock is CLOCK_MONOTONIC, the clock fault_cv was created with */
    struct timespec ts = {.tv_sec = deadline / 1000000000LL, .tv_nsec = deadline % 1000000000LL};
    pthread_cond_timedwait(&k->fault_cv, &k->fault_mu, &ts);
  }
  bool stopped = atomic_load(&k->stop);
  pthread_mutex_unlock(&k->fault_mu);
  return stopped;
}

static void *fault_main(void *arg) {
  gb_transport_kafka *k = arg;
  int64_t down_at = gb_clock_now_ns() + (int64_t)k->set.fault_at_ms * 1000000;
  if (fault_wait(k, down_at))
    return NULL;
  fprintf(stderr, "gamebench: kafka: fault injection: %d embedded broker(s) down for %d ms\n",
          k->set.mock_brokers, k->set.fault_for_ms);
  for (int b = 1; b <= k->set.mock_brokers; b++)
    rd_kafka_mock_broker_set_down(k->mock, b);
  fault_wait(k, down_at + (int64_t)k->set.fault_for_ms * 1000000);
  for (int b = 1; b <= k->set.mock_brokers; b++)
    rd_kafka_mock_broker_set_up(k->mock, b);
  fprintf(stderr, "gamebench: kafka: fault injection: embedded broker(s) up again\n");
  return NULL;
}

static int start_fault(gb_transport_kafka *k, gb_err *err) {
  if (k->set.fault_for_ms == 0)
    return 0;
  if (!k->mock)
    return gb_err_set(err, GB_ERR_INPUT,
                      "-X gamebench.fault.broker.down: needs the embedded broker (brokers: "
                      "embedded)");
  if (pthread_create(&k->fault, NULL, fault_main, k) != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "cannot start the fault-injection thread");
  k->fault_started = true;
  return 0;
}

/* ---- the interface */

static const gb_transport_ops kafka_ops;

static void kafka_free(gb_transport *t) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  atomic_store(&k->stop, true);
  if (k->fault_started) {
    pthread_mutex_lock(&k->fault_mu);
    pthread_cond_broadcast(&k->fault_cv);
    pthread_mutex_unlock(&k->fault_mu);
    pthread_join(k->fault, NULL);
  }
  gb_kafka_shards_free(k);
  gb_kafka_router_stop(k);
  gb_kafka_producers_free(k);
  if (k->mock)
    rd_kafka_mock_cluster_destroy(k->mock);
  if (k->mock_host)
    rd_kafka_destroy(k->mock_host);
  for (size_t i = 0; i < k->n_props; i++)
    free(k->props[i]);
  free(k->props);
  free(k->prop_scope);
  for (int i = 0; i < KT__COUNT; i++)
    free(k->topics[i]);
  free(k->group);
  free(k->bootstrap);
  free((void *)k->finished);
  free(k->last_reply_seq);
  pthread_cond_destroy(&k->fault_cv);
  pthread_mutex_destroy(&k->fault_mu);
  pthread_mutex_destroy(&k->fail_mu);
  free(k);
}

static int check_config(const gb_transport_config *cfg, const gb_transport_kafka_config *kc,
                        gb_err *err) {
  if (kc->partitions < 1 || kc->partitions > GB_KAFKA_PARTITIONS_MAX)
    return gb_err_set(err, GB_ERR_INPUT, "transport.partitions: %u is out of range (1 .. %d)",
                      kc->partitions, GB_KAFKA_PARTITIONS_MAX);
  if (cfg->n_producers == 0 || (kc->role != GB_KAFKA_ROLE_SIM && cfg->n_shards == 0))
    return gb_err_set(err, GB_ERR_INPUT, "transport needs at least one producer and one shard");
  if (!kc->brokers || !*kc->brokers)
    return gb_err_set(err, GB_ERR_INPUT, "brokers: expected 'embedded' or host:port,...");
  if (strcmp(kc->brokers, "embedded") == 0 && kc->role != GB_KAFKA_ROLE_ALL)
    return gb_err_set(err, GB_ERR_INPUT,
                      "--brokers embedded: the embedded broker lives inside one process; "
                      "`gamebench sim` and `gamebench engine` need a real broker (host:port, "
                      "e.g. from scripts/kafka-local start)");
  return 0;
}

static int kafka_init(gb_transport_kafka *k, const gb_transport_kafka_config *kc, gb_err *err) {
  if (copy_props(k, kc, err) != 0 || set_run_id(k, kc->run_id, err) != 0 || set_names(k, err) != 0)
    return -1;
  if (!(k->finished = calloc(k->P, sizeof *k->finished)))
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  if (strcmp(kc->brokers, "embedded") == 0) {
    if (start_embedded(k, err) != 0)
      return -1;
  } else if (!(k->bootstrap = strdup(kc->brokers))) {
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory");
  }
  if (setup_topics(k, err) != 0)
    return -1;
  if (k->role != GB_KAFKA_ROLE_ENGINE &&
      (gb_kafka_producers_new(k, err) != 0 || gb_kafka_router_start(k, err) != 0))
    return -1;
  if (k->role != GB_KAFKA_ROLE_SIM && gb_kafka_shards_new(k, err) != 0)
    return -1;
  if (k->role == GB_KAFKA_ROLE_ALL && gb_kafka_shards_wait_settled(k, err) != 0)
    return -1;
  k->ready_ns = gb_clock_now_ns();
  return start_fault(k, err);
}

int gb_transport_kafka_new(const gb_transport_config *cfg, const gb_transport_kafka_config *kc,
                           gb_transport **out, gb_err *err) {
  *out = NULL;
  if (check_config(cfg, kc, err) != 0)
    return -1;
  gb_transport_kafka *k = calloc(1, sizeof *k);
  if (!k)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the Kafka transport");
  k->base.ops = &kafka_ops;
  k->base.cfg = *cfg;
  k->role = kc->role;
  k->throughput = kc->throughput;
  k->P = kc->partitions;
  k->n_producers = cfg->n_producers;
  k->n_shards = kc->role == GB_KAFKA_ROLE_SIM ? 0 : cfg->n_shards;
  pthread_mutex_init(&k->fail_mu, NULL);
  pthread_mutex_init(&k->fault_mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&k->fault_cv, &ca);
  pthread_condattr_destroy(&ca);
  if (kafka_init(k, kc, err) != 0) {
    kafka_free(&k->base);
    return -1;
  }
  *out = &k->base;
  return 0;
}

const char *gb_transport_kafka_run_id(const gb_transport *t) {
  return ((const gb_transport_kafka *)t)->run_id;
}

const char *gb_transport_kafka_bootstrap(const gb_transport *t) {
  return ((const gb_transport_kafka *)t)->bootstrap;
}

struct rd_kafka_mock_cluster_s *gb_transport_kafka_mock(gb_transport *t) {
  return ((gb_transport_kafka *)t)->mock;
}

unsigned gb_transport_kafka_owned(const gb_transport *t, unsigned shard) {
  const gb_transport_kafka *k = (const gb_transport_kafka *)t;
  return shard < k->n_shards ? k->shards[shard].owned : 0;
}

static unsigned kafka_shard_of(const gb_transport *t, uint64_t player_id) {
  const gb_transport_kafka *k = (const gb_transport_kafka *)t;
  return gb_kafka_partition_of(k, player_id) % (k->n_shards ? k->n_shards : 1);
}

static size_t kafka_max_message(const gb_transport *t) {
  const gb_transport_kafka *k = (const gb_transport_kafka *)t;
  size_t ring = k->producers ? gb_queue_max_message(k->producers[0].replies) : KAFKA_MAX_MESSAGE;
  return ring < KAFKA_MAX_MESSAGE ? ring : KAFKA_MAX_MESSAGE;
}

/* What never reached the engine: with the shards in this process, what was sent and never
 * delivered a first time; a simulator alone knows what the engines acknowledged at the end of
 * each of its streams (nothing before). */
static uint64_t partition_lost(const gb_transport_kafka *k, unsigned p,
                               const gb_transport_partition_stats *ps) {
  if (k->role == GB_KAFKA_ROLE_ENGINE)
    return 0;
  if (k->role == GB_KAFKA_ROLE_ALL) {
    uint64_t first = ps->delivered - ps->replayed;
    return ps->sent > first ? ps->sent - first : 0;
  }
  uint64_t lost = 0;
  for (unsigned x = 0; x < k->n_producers; x++) {
    const kproducer *pr = &k->producers[x];
    uint64_t acked = atomic_load(&pr->acked[p]);
    if (acked == KACK_NONE)
      lost += pr->done ? pr->sent[p] : pr->failed[p];
    else if (acked < pr->sent[p])
      lost += pr->sent[p] - acked;
  }
  return lost;
}

static void kafka_get_partition_stats(const gb_transport *t, unsigned p,
                                      gb_transport_partition_stats *out) {
  const gb_transport_kafka *k = (const gb_transport_kafka *)t;
  *out = (gb_transport_partition_stats){0};
  for (unsigned x = 0; k->producers && x < k->n_producers; x++) {
    const kproducer *pr = &k->producers[x];
    out->sent += pr->sent[p];
    out->produced += pr->produced[p];
    out->failed += pr->failed[p];
    uint64_t acked = atomic_load(&pr->acked[p]);
    if (acked != KACK_NONE)
      out->acknowledged += acked;
  }
  for (unsigned s = 0; k->shards && s < k->n_shards; s++) {
    const kshard *sh = &k->shards[s];
    out->consumed += sh->consumed[p];
    out->delivered += sh->delivered[p];
    out->replayed += sh->replayed[p];
    out->redelivered += sh->redelivered[p];
    out->gaps += gb_kafka_shard_gaps(sh, p);
  }
  out->lost = partition_lost(k, p, out);
}

static void kafka_get_stats(const gb_transport *t, gb_transport_stats *out) {
  const gb_transport_kafka *k = (const gb_transport_kafka *)t;
  *out = (gb_transport_stats){0};
  for (unsigned x = 0; k->producers && x < k->n_producers; x++) {
    const kproducer *pr = &k->producers[x];
    out->full_waits += pr->full_waits;
    out->replies_received += pr->replies_received;
    for (unsigned p = 0; p < k->P; p++) {
      out->sent += pr->sent[p];
      uint64_t acked = atomic_load(&pr->acked[p]);
      if (acked != KACK_NONE)
        out->acknowledged += acked;
      /* Refused by the broker; and in role SIM, where what the engines consumed is only known
       * through their acknowledgements, whatever they never acknowledged once the producer
       * finished (in role ALL the caller compares what the shards consumed). */
      uint64_t unconfirmed = pr->failed[p];
      if (k->role == GB_KAFKA_ROLE_SIM && pr->done && acked == KACK_NONE)
        unconfirmed = pr->sent[p];
      else if (k->role == GB_KAFKA_ROLE_SIM && pr->done && acked < pr->sent[p])
        unconfirmed += pr->sent[p] - acked;
      out->lost += unconfirmed;
    }
  }
  out->redelivered = atomic_load(&k->replies_redelivered);
  for (unsigned s = 0; k->shards && s < k->n_shards; s++) {
    const kshard *sh = &k->shards[s];
    out->replies_sent += sh->replies_sent;
    for (unsigned p = 0; p < k->P; p++) {
      out->redelivered += sh->redelivered[p];
      out->received += sh->delivered[p];
      out->replayed += sh->replayed[p];
    }
  }
}

static unsigned kafka_partitions(const gb_transport *t) {
  return ((const gb_transport_kafka *)t)->P;
}

static bool kafka_failed(const gb_transport *t, gb_err *err) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  if (!atomic_load(&k->failed))
    return false;
  pthread_mutex_lock(&k->fail_mu);
  gb_err_set(err, GB_ERR_RUNTIME, "kafka: %s", k->failure);
  pthread_mutex_unlock(&k->fail_mu);
  return true;
}

static const gb_transport_ops kafka_ops = {
    .kind = "kafka",
    .free = kafka_free,
    .shard_of = kafka_shard_of,
    .max_message = kafka_max_message,
    .send = gb_kafka_send,
    .producer_done = gb_kafka_producer_done,
    .poll_replies = gb_kafka_poll_replies,
    .receive = gb_kafka_receive,
    .reply = gb_kafka_reply,
    .replaying = gb_kafka_replaying,
    .wait_events = gb_kafka_wait_events,
    .wait_replies = gb_kafka_wait_replies,
    .get_stats = kafka_get_stats,
    .partitions = kafka_partitions,
    .get_partition_stats = kafka_get_partition_stats,
    .failed = kafka_failed,
};
