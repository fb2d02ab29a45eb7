/* gb_transport_kafka_int: what the Kafka transport's files share (gb_transport_kafka.c: the header,
 * helpers, statistics; gb_transport_kafka_props.c: configuration; gb_transport_kafka_setup.c:
 * set-up; gb_transport_kafka_produce.c: the simulator side; gb_transport_kafka_group.c and
 * gb_transport_kafka_consume.c: the engine side). Not for other modules. */
#ifndef GB_TRANSPORT_KAFKA_INT_H
#define GB_TRANSPORT_KAFKA_INT_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "gb_doorbell.h"
#include "gb_queue.h"
#include "gb_transport_impl.h"
#include "gb_transport_kafka.h"

/* Room for librdkafka's error strings (its errstr arguments). */
enum { ERRSTR_MAX = 512 };

/* Topic indexes: the event channels first (same numbering as gb_event_channel), then the
 * replies. The card topic is the "anchor": the group assigns its partitions, and partition p of
 * the other event topics follows partition p of the card topic. */
enum {
  KT_ANCHOR = GB_CHANNEL_CARD,
  KT_EVENTS = GB_CHANNEL__COUNT,
  KT_DECISIONS = KT_EVENTS,
  KT_EPOCHS,     /* the exchange between engine processes (gb_transport_kafka_exchange_*) */
  KT_DEADLETTER, /* messages the engines rejected (gb_transport_kafka_dead_letter) */
  KT_AGGREGATES, /* the engines' counters and cubes (gb_transport_kafka_publish_aggregates) */
  KT__COUNT
};

/* The header every gamebench message carries: "gb" = kind, producer (u32 big-endian), seq (u64
 * big-endian). Events and end markers are numbered per (producer, partition) from 1; a reply
 * carries the number of the event it answers, an acknowledgement that of the end marker. */
#define KHDR_NAME "gb"
enum { KHDR_LEN = 13 };
typedef enum khdr_kind {
  KHDR_EVENT = 'E',
  KHDR_END = 'Z',     /* value: u64 big-endian, events the producer sent to this partition */
  KHDR_REPLY = 'R',   /* seq 0: the reply answers no numbered event (no duplicate check) */
  KHDR_REPLIES = 'B', /* value: replies to events of stream (producer, partition), in order, as
                         gb_kafka_replies_next reads them; seq: that of the last one */
  KHDR_ACK = 'A'      /* value: u64 big-endian, events the engine delivered from the stream */
} khdr_kind;

/* A KHDR_REPLIES record: one entry per reply, each the varint (LEB128) number of the event it
 * answers, the varint length of the reply, then the reply itself. A shard sends the replies of
 * one stream together because each Kafka record costs the clients and the broker far more
 * than its few dozen bytes (a third of the events are answered). */
enum {
  KREPLIES_BYTES = 16384, /* a record is sent once it holds this much (bounds the latency too) */
  KREPLY_ENTRY_MAX = 20   /* bytes of an entry's two varints at most (2 * GB_VARINT_MAX) */
};
/* Appends one entry to out (room for KREPLY_ENTRY_MAX + len bytes); returns the bytes written. */
size_t gb_kafka_replies_put(uint8_t *out, uint64_t seq, const void *reply, size_t len);
/* Reads the entry at *at (before end): its number, reply and length; advances *at. false at the
 * end or on a malformed entry (*at unchanged then; *at < end tells a malformed one). */
bool gb_kafka_replies_next(const uint8_t **at, const uint8_t *end, uint64_t *seq,
                           const void **reply, size_t *len);

typedef struct khdr {
  khdr_kind kind;
  uint32_t producer;
  uint64_t seq;
} khdr;

void gb_kafka_header_put(uint8_t out[KHDR_LEN], khdr_kind kind, uint32_t producer, uint64_t seq);
/* Reads the "gb" header of m; false when absent or malformed (a foreign message). */
bool gb_kafka_header_get(const rd_kafka_message_t *m, khdr *out);
void gb_kafka_put_u64(uint8_t out[8], uint64_t v);
uint64_t gb_kafka_get_u64(const uint8_t in[8]);

typedef struct gb_transport_kafka gb_transport_kafka;

/* The client types a librdkafka property is meant for (the C/P column of its CONFIGURATION.md):
 * each -X property goes to those only, so that librdkafka warns about none (CONFWARN). */
typedef enum kscope { KSCOPE_ALL, KSCOPE_PRODUCER, KSCOPE_CONSUMER } kscope;

/* ---- simulator side */

typedef struct kproducer {
  gb_transport_kafka *k;
  unsigned index;
  rd_kafka_t *rk;
  rd_kafka_topic_t *topics[KT_EVENTS];
  uint64_t *next_seq; /* [P]: the last sequence number used per partition */
  uint64_t *sent;     /* [P]: events accepted */
  uint64_t *produced; /* [P]: delivery reports without error (events only) */
  uint64_t *failed;   /* [P]: delivery reports with an error (events only) */
  uint64_t full_waits;
  uint64_t sends; /* all partitions together */
  bool done;
  gb_queue *replies; /* filled by the router thread (inline: by gb_kafka_producer_done) */
  gb_doorbell bell;  /* rung by the router after it filled `replies`; inline: by librdkafka when
                        the decisions queue stops being empty */
  uint64_t replies_received;
  /* Router-owned (inline: the producer's): copies of replies waiting for room in `replies`,
   * oldest first, so that a producer that does not poll holds up neither the router nor the
   * other producers' replies. */
  struct kblob **overflow;
  size_t overflow_head, overflow_n, overflow_cap;
  _Atomic uint64_t *acked; /* [P]: events the engine confirmed; KACK_NONE until it did */
} kproducer;

#define KACK_NONE UINT64_MAX

/* ---- engine side */

/* Engine side (gb_transport_kafka_group.c, gb_transport_kafka_consume.c). */
enum {
  BATCH_MAX = 1024,         /* messages a shard takes from librdkafka per call */
  HELD_MAX = 1 << 20,       /* messages a shard may hold back waiting for a predecessor */
  BROKER_CALL_MS = 10000,   /* committed-offset and watermark queries, final flushes */
  SETTLE_POLL_MS = 50,      /* the set-up's poll of each member while the group forms */
  JOIN_GRACE_MS = 15000,    /* a member still joining at shutdown: more than the 6 s session */
  COMMIT_OVERDUE_FACTOR = 8 /* after this many periods a commit waits for the replies */
};

typedef struct kheld { /* a message held back until its predecessors arrive */
  rd_kafka_message_t *m;
  uint64_t seq;
} kheld;

typedef struct kstream { /* one producer's messages to one partition */
  uint64_t next;         /* the sequence number expected next (from 1) */
  kheld *heap;           /* min-heap by seq */
  size_t n, cap;
  bool ended;
} kstream;

typedef struct kpart {             /* a partition this shard owns */
  kstream *streams;                /* [n_producers] */
  int64_t replay_until[KT_EVENTS]; /* offsets below were processed before (committed) */
  int64_t committed[KT_EVENTS];    /* the last committed offset (or -1) */
  int64_t next_offset[KT_EVENTS];  /* one past the last offset read (or -1) */
  unsigned ended;                  /* streams whose end marker was delivered */
  size_t held;
} kpart;

typedef struct kpending { /* the replies to one stream waiting to go as one record */
  uint8_t *buf;           /* KHDR_REPLIES entries */
  size_t len, cap;
  uint64_t last_seq;
  bool listed; /* in the shard's pending_streams */
} kpending;

typedef struct kshard {
  gb_transport_kafka *k;
  unsigned index;
  rd_kafka_t *rk;
  rd_kafka_queue_t *queue;
  /* Handles of the event topics on rk, held for the shard's life: librdkafka keeps one topic
   * object per name, so a message's rkt is one of these and its topic is found by pointer. */
  rd_kafka_topic_t *event_topics[KT_EVENTS];
  rd_kafka_t *reply_rk;
  rd_kafka_topic_t *decisions;
  kpart **parts; /* [P]: NULL unless owned */
  /* Written by the shard's rebalance callback, read by other threads (settling, the engine's
   * ownership report): atomic. */
  _Atomic unsigned owned;
  bool joined; /* the group gave this member an assignment (perhaps empty) at least once */
  size_t held;
  /* The event being handed to the callback: what a reply answers, where a dead letter comes
   * from. */
  bool delivering, cur_sequenced, cur_suppress;
  unsigned cur_p, cur_producer;
  uint64_t cur_seq;
  int cur_ti;         /* its topic (KT_*) */
  int64_t cur_offset; /* its offset there */
  /* Dead letters or aggregates produced since the last flush of reply_rk: flushed before the
   * next acknowledgement, so that they are on the broker when the simulator reads it. */
  bool results_unflushed;
  bool dirty;      /* something to commit */
  int pause_state; /* fault injection: 0 before the pause window, 1 in it, 2 after */
  int leave_state; /* fault injection (shard 0): 0 before the leave window, 1 in it, 2 after */
  int64_t next_commit_ns;
  uint64_t *consumed, *delivered, *replayed, *redelivered; /* [P] */
  uint64_t replies_sent, replies_suppressed, acks_sent;
  rd_kafka_message_t **batch; /* fetched, not yet handled: [batch_pos, batch_n) */
  size_t batch_pos, batch_n;
  /* Replies not sent yet, per stream (index p * n_producers + producer); sent when a record is
   * full, before an acknowledgement of the stream, and before gb_kafka_receive returns: outside it
   * (commits, rebalances, shutdown) nothing is pending. */
  kpending *pending;
  unsigned *pending_streams; /* the streams added to since the last send_all_pending (some may
                                be empty again: sent full or before an acknowledgement) */
  unsigned n_pending;
} kshard;

/* ---- the transport */

typedef struct ksettings {
  int commit_interval_ms;
  int ack_timeout_ms;
  int ready_timeout_ms;
  int mock_brokers;
  int fault_at_ms, fault_for_ms; /* brokers down (embedded); fault_for_ms == 0: never */
  int pause_at_ms, pause_for_ms; /* shards stop fetching; pause_for_ms == 0: never */
  int leave_at_ms, leave_for_ms; /* shard 0 leaves the group, then rejoins; 0: never */
} ksettings;

struct gb_transport_kafka {
  gb_transport base;
  gb_kafka_role role;
  bool throughput; /* gb_transport_kafka_config.throughput */
  unsigned P;      /* partitions */
  ksettings set;
  int64_t ready_ns; /* gb_clock time the set-up finished: fault windows count from here */
  char **props;     /* the librdkafka properties ("key=value"), gamebench.* excluded */
  size_t n_props;
  kscope *prop_scope; /* [n_props]: the client types each property is for */
  char run_id[GB_KAFKA_RUN_ID_MAX + 1];
  char *bootstrap;
  char *topics[KT__COUNT];
  char *group;
  rd_kafka_t *mock_host;
  rd_kafka_mock_cluster_t *mock;
  kproducer *producers; /* [n_producers], roles ALL and SIM (only the owned ones have clients) */
  /* Role SIM split over processes (gb_transport_kafka_config.instances): this process owns the
   * producers x with x % instances == instance; instances 1 otherwise (every producer). */
  unsigned instance, instances;
  unsigned first_owned; /* the lowest producer index this process owns */
  kshard *shards;       /* [n_shards], roles ALL and ENGINE */
  unsigned n_producers, n_shards;
  _Atomic unsigned char *finished; /* [P]: every producer's end marker delivered (role ALL) */
  /* [P * n_producers] (roles ALL and ENGINE): per stream, the highest sequence number a shard
   * of this process delivered. A partition that moves to another shard of the process (a member
   * timed out) is replayed up to there, not processed and answered a second time, even the part
   * its former owner had not committed. */
  _Atomic uint64_t *delivered_seq;
  /* router: routes replies from the decisions topic to the producers' rings. With one producer
   * there is nothing to route between threads: that producer's thread reads the queue itself
   * (router_inline: no router thread, no copy through the ring). */
  rd_kafka_t *router_rk;
  rd_kafka_queue_t *router_queue;
  pthread_t router;
  bool router_started;
  bool router_inline;
  /* router_inline: set by librdkafka's thread when router_queue stops being empty, cleared by
   * the producer before it empties the queue, so that a poll with nothing waiting costs one
   * load rather than librdkafka's locks and clock read. */
  _Atomic bool replies_pending;
  uint64_t *last_reply_seq; /* [n_producers * P] */
  _Atomic uint64_t replies_redelivered;
  _Atomic bool stop;
  /* the exchange (gb_transport_kafka_exchange_*): its producer, and its reader's client and
   * thread, which hands every message of the epochs topic's partition 0 to exchange_fn */
  rd_kafka_t *exchange_out, *exchange_in;
  pthread_t exchange;
  bool exchange_started;
  gb_transport_kafka_exchange_fn exchange_fn;
  void *exchange_ctx;
  /* engine side: called before each acknowledgement (gb_transport_kafka_on_stream_end) */
  gb_transport_kafka_stream_end_fn stream_end_fn;
  void *stream_end_ctx;
  /* fault injection (embedded) */
  pthread_t fault;
  bool fault_started;
  pthread_mutex_t fault_mu;
  pthread_cond_t fault_cv;
  /* the first unrecoverable condition */
  pthread_mutex_t fail_mu;
  _Atomic bool failed;
  char failure[GB_ERR_MSG_MAX];
};

/* Whether producer x runs in this process (every producer unless the simulator is split over
 * several processes). */
static inline bool gb_kafka_owns(const gb_transport_kafka *k, unsigned x) {
  return x % k->instances == k->instance;
}

/* gb_transport_kafka_exchange.c: stops the reader, flushes and frees the exchange's clients. */
void gb_kafka_exchange_stop(gb_transport_kafka *k);

/* Records an unrecoverable condition (the first one wins) and reports it on stderr. */
void gb_kafka_fail(gb_transport_kafka *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A new configuration for a client of that type into *out: gamebench's defaults for the role,
 * then the user's properties meant for the type. client_id names the client in the broker's
 * logs. The caller owns *out: rd_kafka_new takes it when it succeeds, rd_kafka_conf_destroy
 * otherwise. Returns 0, or -1 with GB_ERR_INPUT naming the brokers or the property librdkafka
 * rejected (*out is then unchanged). */
int gb_kafka_conf_new(gb_transport_kafka *k, rd_kafka_type_t type, const char *const *defaults,
                      size_t n_defaults, const char *client_id, rd_kafka_conf_t **out, gb_err *err);

/* gb_transport_kafka_props.c: resets k->set to the defaults, applies kc's gamebench.* properties
 * to it and keeps the others (validated) with the client types they are for. 0, or -1 with err
 * set. */
int gb_kafka_copy_props(gb_transport_kafka *k, const gb_transport_kafka_config *kc, gb_err *err);

/* gb_transport_kafka_setup.c: sets k up after gb_transport_kafka_new filled its role, counts
 * and locks: properties, names, the brokers (or the embedded cluster) and topics, the producers,
 * router and shards its role has, and fault injection. 0, or -1 with err set (k is then freed by
 * the caller). */
int gb_kafka_init(gb_transport_kafka *k, const gb_transport_kafka_config *kc, gb_err *err);

/* The embedded (mock) broker answers an empty fetch only when fetch.wait.max.ms has passed,
 * never earlier when data arrives, so its consumers ask again every millisecond. */
#define KMOCK_FETCH_WAIT "fetch.wait.max.ms=1"

/* The partition of a player: the same in every topic. */
unsigned gb_kafka_partition_of(const gb_transport_kafka *k, uint64_t player_id);

/* Takes up to cap messages from q into out, waiting up to timeout_ms for the first one only
 * (rd_kafka_consume_batch_queue alone would wait the whole timeout to fill the batch). */
size_t gb_kafka_consume(rd_kafka_queue_t *q, int timeout_ms, rd_kafka_message_t **out, size_t cap);

/* rd_kafka_flush for the end of a stream: librdkafka 2.0.2's flush looks at the queue every 10
 * ms, so the last replies of a run cost 10 ms there; this looks every KFLUSH_POLL_MS (delivery
 * reports wake the poll at once). RD_KAFKA_RESP_ERR__TIMED_OUT when messages are left. */
#define KFLUSH_POLL_MS 1
rd_kafka_resp_err_t gb_kafka_flush(rd_kafka_t *rk, int timeout_ms);

/* At time_scale max (k->throughput), a thread about to idle sends what producer rk holds now
 * rather than after linger.ms: nothing would join the batch meanwhile, and in the closed loop
 * those are the messages everything waits for. librdkafka ignores the linger only while a flush
 * runs, so this waits for the broker's acknowledgement, 1 ms at most. A paced run does
 * nothing here: its waits end when the next event is due. */
void gb_kafka_send_held(const gb_transport_kafka *k, rd_kafka_t *rk);

/* Decimal text of a player id as the message key; returns its length. */
size_t gb_kafka_key(uint64_t player_id, char out[24]);

/* gb_transport_kafka_produce.c */
int gb_kafka_producers_new(gb_transport_kafka *k, gb_err *err);
void gb_kafka_producers_free(gb_transport_kafka *k);
int gb_kafka_router_start(gb_transport_kafka *k, gb_err *err);
void gb_kafka_router_stop(gb_transport_kafka *k);
void gb_kafka_send(gb_transport *t, unsigned producer, gb_event_channel channel, uint64_t player_id,
                   const void *msg, size_t len);
void gb_kafka_producer_done(gb_transport *t, unsigned producer);
size_t gb_kafka_poll_replies(gb_transport *t, unsigned producer, gb_transport_msg_fn fn, void *ctx);
void gb_kafka_wait_replies(gb_transport *t, unsigned producer, int64_t timeout_ns);

/* gb_transport_kafka_group.c */
int gb_kafka_shards_new(gb_transport_kafka *k, gb_err *err);
/* Polls every shard's consumer from the calling thread until the group has settled. */
int gb_kafka_shards_wait_settled(gb_transport_kafka *k, gb_err *err);
void gb_kafka_shards_free(gb_transport_kafka *k);

/* The event topic (KT_*) named name, or -1. */
int gb_kafka_topic_named(const gb_transport_kafka *k, const char *name);
/* The event topic of m, or -1. Every message asks: by the handle's address, not by name (the
 * names differ only at their end, after the run id, and comparing them showed in the shard
 * thread's profile). By name only if librdkafka ever hands out a handle other than the one it
 * gave the shard. */
static inline int topic_index(const kshard *sh, const rd_kafka_message_t *m) {
  for (int i = 0; i < KT_EVENTS; i++)
    if (m->rkt == sh->event_topics[i])
      return i;
  return gb_kafka_topic_named(sh->k, rd_kafka_topic_name(m->rkt));
}

/* Commits what shard sh processed (its replies first; sync: waits for them and for the commit,
 * else gives up until the next call while replies are in flight). */
void gb_kafka_commit(kshard *sh, bool sync);

/* gb_transport_kafka_setup.c: the end offset of k->topics[topic] partition p (once its leader
 * answers, until deadline: gb_clock ns) into *hi, asked through client rk. 0, or -1 with
 * GB_ERR_RUNTIME. */
int gb_kafka_end_offset(gb_transport_kafka *k, rd_kafka_t *rk, int topic, unsigned p,
                        int64_t deadline, int64_t *hi, gb_err *err);

/* A message read by gb_kafka_read_topics from topic (KT_*): 0, or -1 with err set to stop. */
typedef int (*gb_kafka_read_fn)(void *ctx, const rd_kafka_message_t *m, int topic, gb_err *err);

/* Reads the partitions p of topics [first, last) with hi[topic * P + p] > 0 from their start
 * (earliest: the first offset kept, with auto.offset.reset=earliest; else offset 0 itself, an
 * error when it was deleted) up to hi, with a consumer of its own outside any group (group id
 * <group>.<name>, never joined nor committed to), handing each message to fn. Returns 0, or -1
 * with err set: fn's error, or GB_ERR_RUNTIME when deadline (gb_clock ns) passes first. */
int gb_kafka_read_topics(gb_transport_kafka *k, const char *name, int first, int last,
                         const int64_t *hi, bool earliest, int64_t deadline, gb_kafka_read_fn fn,
                         void *ctx, gb_err *err);

/* gb_transport_kafka_results.c: before shard sh acknowledges the end of a stream: the
 * stream-end hook, then a flush of what it published (dead letters, aggregates). */
void gb_kafka_before_ack(kshard *sh);

/* gb_transport_kafka_consume.c */
size_t gb_kafka_receive(gb_transport *t, unsigned shard, size_t max, gb_transport_msg_fn fn,
                        void *ctx, bool *finished);
void gb_kafka_reply(gb_transport *t, unsigned shard, uint64_t player_id, const void *msg,
                    size_t len);
unsigned gb_kafka_current_partition(const gb_transport *t, unsigned shard);
bool gb_kafka_replaying(const gb_transport *t, unsigned shard);
void gb_kafka_wait_events(gb_transport *t, unsigned shard, int64_t timeout_ns);
/* Messages this shard holds back for partition p and how many sequence numbers they wait for. */
uint64_t gb_kafka_shard_gaps(const kshard *sh, unsigned p);

#endif
