/* gb_transport_kafka_props: the transport's configuration: gamebench's own -X properties
 * (gamebench.*), the librdkafka ones checked up front and given to the client types they are
 * meant for, and the configuration of each client. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_transport_kafka_int.h"

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
    memcpy(dur, colon + 1, strlen(colon + 1) + 1); /* checked above: it fits with its NUL */
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

int gb_kafka_conf_new(gb_transport_kafka *k, rd_kafka_type_t type, const char *const *defaults,
                      size_t n_defaults, const char *client_id, rd_kafka_conf_t **out,
                      gb_err *err) {
  kscope other = type == RD_KAFKA_PRODUCER ? KSCOPE_CONSUMER : KSCOPE_PRODUCER;
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  char errstr[ERRSTR_MAX];
  if (rd_kafka_conf_set(conf, "bootstrap.servers", k->bootstrap, errstr, sizeof errstr) !=
          RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "client.id", client_id, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return gb_err_set(err, GB_ERR_INPUT, "brokers '%s': %s", k->bootstrap, errstr);
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
  *out = conf;
  return 0;
fail:
  rd_kafka_conf_destroy(conf);
  return -1;
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
    k->props[k->n_props] = strdup(kc->props[i]);
    if (!k->props[k->n_props++])
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

int gb_kafka_copy_props(gb_transport_kafka *k, const gb_transport_kafka_config *kc, gb_err *err) {
  k->set = ksettings_defaults();
  k->props = calloc(kc->n_props ? kc->n_props : 1, sizeof *k->props);
  k->prop_scope = calloc(kc->n_props ? kc->n_props : 1, sizeof *k->prop_scope);
  char *table = kc->n_props ? property_table() : NULL;
  int rc = copy_scoped_props(k, kc, table, err);
  free(table);
  return rc;
}
