/* The exchange between the processes of a run (gb_transport_kafka.h): partition 0 of the epochs
 * topic, appended to by an idempotent producer that does not linger (the whole run waits on what
 * it carries) and read from offset 0 by a consumer outside any group. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "gb_thread.h"
#include "gb_transport_kafka_int.h"

enum {
  EXCHANGE_BATCH = 64,  /* messages taken per poll */
  EXCHANGE_POLL_MS = 50 /* the reader's longest wait, to look at the stop flag */
};

static const char *const out_defaults[] = {"enable.idempotence=true", "linger.ms=0"};
static const char *const in_defaults[] = {"enable.partition.eof=false", "auto.offset.reset=error",
                                          "fetch.wait.max.ms=5", "enable.auto.commit=false"};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  gb_transport_kafka *k = opaque;
  if (m->err)
    gb_kafka_fail(k, "exchange: delivery to %s failed for good: %s", k->topics[KT_EPOCHS],
                  rd_kafka_err2str(m->err));
}

static void *reader_main(void *arg) {
  gb_transport_kafka *k = arg;
  rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(k->exchange_in);
  rd_kafka_message_t *batch[EXCHANGE_BATCH];
  while (!atomic_load(&k->stop)) {
    rd_kafka_poll(k->exchange_out, 0); /* the producer's delivery reports */
    size_t n = gb_kafka_consume(q, EXCHANGE_POLL_MS, batch, EXCHANGE_BATCH);
    for (size_t i = 0; i < n; i++) {
      const rd_kafka_message_t *m = batch[i];
      if (m->err)
        gb_kafka_fail(k, "exchange: reading %s: %s", k->topics[KT_EPOCHS],
                      rd_kafka_message_errstr(m));
      else
        k->exchange_fn(k->exchange_ctx, m->payload, m->len);
      rd_kafka_message_destroy(batch[i]);
    }
  }
  rd_kafka_queue_destroy(q);
  return NULL;
}

static rd_kafka_t *client(rd_kafka_type_t type, rd_kafka_conf_t *conf, gb_err *err) {
  char errstr[ERRSTR_MAX];
  rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
  if (!rk) {
    rd_kafka_conf_destroy(conf); /* still ours when rd_kafka_new fails */
    gb_err_set(err, GB_ERR_INPUT, "kafka %s: %s",
               type == RD_KAFKA_PRODUCER ? "producer" : "consumer", errstr);
  }
  return rk;
}

static int open_clients(gb_transport_kafka *k, gb_err *err) {
  rd_kafka_conf_t *conf = NULL;
  if (gb_kafka_conf_new(k, RD_KAFKA_PRODUCER, out_defaults,
                        sizeof out_defaults / sizeof out_defaults[0], "gamebench-exchange", &conf,
                        err) != 0)
    return -1;
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, k);
  k->exchange_out = client(RD_KAFKA_PRODUCER, conf, err);
  if (!k->exchange_out)
    return -1;
  char group[300];
  snprintf(group, sizeof group, "group.id=%s.exchange", k->group);
  const char *defaults[sizeof in_defaults / sizeof in_defaults[0] + 2];
  size_t n = 0;
  for (size_t i = 0; i < sizeof in_defaults / sizeof in_defaults[0]; i++)
    defaults[n++] = in_defaults[i];
  defaults[n++] = group; /* never joined nor committed to: the reader assigns itself */
  if (k->mock)
    defaults[n++] = KMOCK_FETCH_WAIT;
  conf = NULL;
  if (gb_kafka_conf_new(k, RD_KAFKA_CONSUMER, defaults, n, "gamebench-exchange", &conf, err) != 0)
    return -1;
  k->exchange_in = client(RD_KAFKA_CONSUMER, conf, err);
  if (!k->exchange_in)
    return -1;
  rd_kafka_topic_partition_list_t *list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, k->topics[KT_EPOCHS], 0)->offset = 0;
  rd_kafka_resp_err_t e = rd_kafka_assign(k->exchange_in, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (e)
    return gb_err_set(err, GB_ERR_RUNTIME, "exchange consumer: %s", rd_kafka_err2str(e));
  return 0;
}

int gb_transport_kafka_exchange_start(gb_transport *t, gb_transport_kafka_exchange_fn fn, void *ctx,
                                      gb_err *err) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  GB_ASSERT(!k->exchange_started && fn);
  k->exchange_fn = fn;
  k->exchange_ctx = ctx;
  if (open_clients(k, err) != 0)
    return -1;
  if (pthread_create(&k->exchange, NULL, reader_main, k) != 0)
    return gb_err_set(err, GB_ERR_RUNTIME, "cannot start the exchange thread");
  gb_thread_name(k->exchange, "exchange", -1);
  k->exchange_started = true;
  return 0;
}

void gb_transport_kafka_exchange_send(gb_transport *t, const void *msg, size_t len) {
  gb_transport_kafka *k = (gb_transport_kafka *)t;
  GB_ASSERT(k->exchange_out);
  rd_kafka_resp_err_t e = rd_kafka_producev(
      k->exchange_out, RD_KAFKA_V_TOPIC(k->topics[KT_EPOCHS]), RD_KAFKA_V_PARTITION(0),
      RD_KAFKA_V_VALUE((void *)msg, len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  if (e)
    gb_kafka_fail(k, "exchange: cannot produce to %s: %s", k->topics[KT_EPOCHS],
                  rd_kafka_err2str(e));
}

void gb_kafka_exchange_stop(gb_transport_kafka *k) {
  atomic_store(&k->stop, true);
  if (k->exchange_started)
    pthread_join(k->exchange, NULL);
  k->exchange_started = false;
  if (k->exchange_in) {
    rd_kafka_consumer_close(k->exchange_in);
    rd_kafka_destroy(k->exchange_in);
  }
  if (k->exchange_out) {
    /* what this process said reaches the others even when it stops right after */
    if (gb_kafka_flush(k->exchange_out, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR)
      fprintf(stderr, "gamebench: exchange: messages still unsent after 10 s\n");
    rd_kafka_destroy(k->exchange_out);
  }
  k->exchange_in = k->exchange_out = NULL;
}
