/* gb_transport_kafka: the gb_transport interface over Apache Kafka, through librdkafka.
 *
 * Topics (all with the workload's transport.partitions partitions), named after a run id:
 *   gamebench.<run>.card, .steam, .feedback, .control   events, one topic per gb_event_channel
 *   gamebench.<run>.decisions                            replies (decisions/props) to the players
 *   gamebench.<run>.epochs                               the exchange between processes (only
 *                                                        partition 0: gb_transport_kafka_exchange)
 *   gamebench.<run>.deadletter                           messages the engines rejected
 *                                                        (gb_transport_kafka_dead_letter)
 *   gamebench.<run>.aggregates                           the engines' counters and stats cubes
 *                                                        (partition 0 only)
 * and the engine's consumer group gamebench.<run>.engine. docs/kafka.md describes the protocol.
 *
 * Producer side (simulator threads): one idempotent librdkafka producer per thread, tuned for
 * batching (lz4, linger), key = player_id. The partition is chosen by gamebench (a hash of the
 * player_id, the same for every topic), so that a player's events of every channel land in the
 * same partition index, and each message carries a header with its producer and a sequence
 * number per (producer, partition). When a producer is done it writes an end-of-stream marker to
 * each partition and waits until the engine acknowledged it.
 *
 * Engine side (shards): consumer-group members with cooperative-sticky assignment over the card
 * topic; a shard that is given partition p of the card topic also reads partition p of the other
 * event topics, and merges them back into each producer's send order by the sequence numbers
 * (which also drops redelivered messages and exposes gaps). Offsets are committed after
 * processing, once the replies of the processed events are delivered (at-least-once). When a
 * shard is given a partition it replays it from its first offset to rebuild the players' state
 * (the pipeline drops events it already processed by event_id); events below the committed
 * offsets, or delivered before by a shard of this process, are replays
 * (gb_transport_replaying): their replies are not sent again, and replies sent twice around a crash
 * are dropped on the simulator side by sequence number. Messages deleted by the broker before they
 * were read (a lagging consumer, retention) fail the transport with a message that says so.
 *
 * "embedded" brokers: librdkafka's mock cluster inside this process (the Kafka protocol over
 * loopback; it keeps about 5 MiB per partition, see docs/kafka.md).
 *
 * Properties ("key=value", the -X options): librdkafka properties, applied after gamebench's
 * defaults to the clients they are meant for (gb_transport_kafka_prop_for: producer properties
 * to producers and the admin client, consumer properties to consumers, the others to every
 * client), plus gamebench's own:
 *   gamebench.commit.interval.ms  offsets commit period, default 500 (1 .. 3600000)
 *   gamebench.ack.timeout.ms      producer_done's wait for the engine's acknowledgement, default
 *                                 120000 (1 .. 86400000)
 *   gamebench.ready.timeout.ms    set-up deadline (topics, group formation), default 60000
 *   gamebench.mock.brokers        embedded: number of mock brokers, default 1 (1 .. 16)
 *   gamebench.fault.broker.down   embedded: "AT_MS:FOR_MS" — every mock broker goes down AT_MS
 *                                 after set-up, for FOR_MS (fault tests)
 *   gamebench.fault.consumer.pause "AT_MS:FOR_MS" — the shards stop fetching AT_MS after set-up
 *                                 for FOR_MS: a lagging consumer, on purpose (fault tests)
 *   gamebench.fault.engine.leave  "AT_MS:FOR_MS" — shard 0 leaves the consumer group AT_MS after
 *                                 set-up and rejoins FOR_MS later: partitions move mid-run
 *                                 (fault tests)
 */
#ifndef GB_TRANSPORT_KAFKA_H
#define GB_TRANSPORT_KAFKA_H

#include <stdbool.h>
#include <stddef.h>

#include "gb_err.h"
#include "gb_transport.h"

typedef enum gb_kafka_role {
  GB_KAFKA_ROLE_ALL,   /* producers and shards in this process (`gamebench run`) */
  GB_KAFKA_ROLE_SIM,   /* producers only (`gamebench sim --to kafka`); n_shards is ignored */
  GB_KAFKA_ROLE_ENGINE /* shards only (`gamebench engine`); n_producers must be the simulator's
                          thread count (its streams are tracked per producer) */
} gb_kafka_role;

typedef struct gb_transport_kafka_config {
  gb_kafka_role role;
  const char *brokers;      /* "embedded" (role ALL only) or "host:port[,host:port...]" */
  const char *run_id;       /* topic namespace, [A-Za-z0-9._-]{1,100}; NULL: a new unique id */
  unsigned partitions;      /* 1 .. 1024 */
  const char *const *props; /* n_props "key=value" strings (copied) */
  size_t n_props;
  /* The simulator runs as fast as it can (time_scale max): its event producers batch for
   * throughput (linger.ms 5) instead of latency (1); -X linger.ms overrides either. */
  bool throughput;
  /* Role SIM split over several processes (`gamebench sim --instance K/N`): this process is
   * instance `instance` (0-based) of `instances` and runs only the producers x (of
   * gb_transport_config.n_producers, the run's whole simulator thread count) with
   * x % instances == instance; the other producer indexes are another process's, and sending
   * on them is a caller bug. Replies and acknowledgements of those producers are skipped, and
   * the topics may already hold their messages (see gb_transport_kafka_new). instances 0 or 1:
   * every producer, as before. Other roles: must be 0. */
  unsigned instance, instances;
} gb_transport_kafka_config;

enum { GB_KAFKA_PARTITIONS_MAX = 1024, GB_KAFKA_RUN_ID_MAX = 100 };

/* Creates the transport: checks the properties, starts the embedded cluster when asked, creates
 * the topics when missing, and connects the clients of the role. Role ALL also waits until the
 * consumer group has settled (every partition assigned, evenly) so that no partition changes
 * hands once events flow. Role SIM refuses topics that already hold messages (a previous run
 * with the same run id); a SIM instance of several (kc->instances > 1) refuses only messages of
 * the producers it owns, and accepts those of the other instances of its run (it reads the
 * event topics up to their end at set-up to tell them apart: a few seconds of events at most
 * when the instances start together).
 *
 * Returns 0, or -1 with GB_ERR_INPUT for bad settings, naming them ("-X foo=1: No such
 * configuration property \"foo\"", "--brokers embedded: ...", "topic gamebench.x.card has 4
 * partitions, transport.partitions is 8") or GB_ERR_RUNTIME when the brokers cannot be reached
 * or the group does not settle before gamebench.ready.timeout.ms. */
int gb_transport_kafka_new(const gb_transport_config *cfg, const gb_transport_kafka_config *kc,
                           gb_transport **out, gb_err *err);

/* Checks "key=value" properties without connecting (the CLI's early validation). 0, or -1
 * with GB_ERR_INPUT naming the property. */
int gb_transport_kafka_check_props(const char *const *props, size_t n_props, gb_err *err);

/* Whether librdkafka property prop ("key=value" or "key") is meant for producers (producer
 * true) or consumers (false), per the C/P column of librdkafka's property table
 * (rd_kafka_conf_properties_show): "*" properties and unknown keys are meant for both. The
 * transport gives each -X property only to the client types it is meant for, so librdkafka
 * warns about none ("... is a producer property and will be ignored by this consumer"). Builds
 * the table on each call: for set-up, not hot paths. */
bool gb_transport_kafka_prop_for(const char *prop, bool producer);

/* The librdkafka settings ("key=value", *n of them, static) the simulator's event producers
 * start from, before -X, for a run with `throughput` as in gb_transport_kafka_config:
 * `gamebench bench kafka` gives its bare producer the same. */
const char *const *gb_transport_kafka_event_producer_defaults(bool throughput, size_t *n);

/* The run id in use (the generated one when the config had NULL). t must be a kafka transport. */
const char *gb_transport_kafka_run_id(const gb_transport *t);

/* Fails the transport from outside (the run's transport.drain_timeout: a broker gone for good):
 * gb_transport_failed becomes true with reason (printed once on stderr), and every thread's
 * wait ends as after any other failure. The first failure's reason is kept. */
void gb_transport_kafka_fail(gb_transport *t, const char *reason);

/* The bootstrap servers in use ("127.0.0.1:PORT" of the embedded cluster). */
const char *gb_transport_kafka_bootstrap(const gb_transport *t);

/* Embedded only: the mock cluster (librdkafka's rd_kafka_mock_cluster_t, for error injection in
 * tests); NULL for a real broker. */
struct rd_kafka_mock_cluster_s *gb_transport_kafka_mock(gb_transport *t);

/* Number of partitions shard currently owns (engine side; 0 for other roles). */
unsigned gb_transport_kafka_owned(const gb_transport *t, unsigned shard);

/* ---- the exchange: a log every process of a run appends to and reads whole, in one order
 * (partition 0 of gamebench.<run>.epochs). Engines in separate processes exchange the learning
 * arms' statistics through it (gb_epochs.h's shared mode). */

/* A message of the exchange (msg, len: valid during the call), on the exchange's thread. */
typedef void (*gb_transport_kafka_exchange_fn)(void *ctx, const void *msg, size_t len);

/* Starts reading the exchange from its first message, each to fn on a thread of the transport
 * (until gb_transport_free), and makes gb_transport_kafka_exchange_send ready. Once per
 * transport. Returns 0, or -1 with GB_ERR_RUNTIME (or GB_ERR_INPUT for a property librdkafka
 * rejects). */
int gb_transport_kafka_exchange_start(gb_transport *t, gb_transport_kafka_exchange_fn fn, void *ctx,
                                      gb_err *err);

/* Appends msg (copied) to the exchange, after every message this process appended before. A
 * message the broker does not take fails the transport (gb_transport_failed). */
void gb_transport_kafka_exchange_send(gb_transport *t, const void *msg, size_t len);

/* ---- the engines' side of the results (`gamebench engine`): what the simulator's results
 * directory needs from engines in other processes. Each shard produces its records with its
 * reply producer and flushes them before its next acknowledgement of an end marker, so that a
 * simulator that has every acknowledgement finds them on the broker
 * (gb_transport_kafka_collect_results). */

/* Called on shard's thread, from gb_transport_receive, before the shard acknowledges the end of
 * a producer's stream: every event of that stream went through the shard's pipeline. The
 * engine publishes its aggregates there. */
typedef void (*gb_transport_kafka_stream_end_fn)(void *ctx, unsigned shard);

/* Sets the stream-end hook (role ENGINE; before the shards run). */
void gb_transport_kafka_on_stream_end(gb_transport *t, gb_transport_kafka_stream_end_fn fn,
                                      void *ctx);

/* Called from the callback of gb_transport_receive for a live message the shard rejected:
 * produces it to the dead-letter topic, in the partition it came from, with its first
 * GB_KAFKA_DEAD_LETTER_MAX bytes as the value and headers gb.topic (the event topic's name),
 * gb.partition, gb.offset, gb.length (the message's length), gb.shard, gb.sequenced (1: the message
 * was part of a simulator's stream, 0: a foreign one) and gb.reason (text). A record the client
 * does not take fails the transport. */
enum { GB_KAFKA_DEAD_LETTER_MAX = 65536 };
void gb_transport_kafka_dead_letter(gb_transport *t, unsigned shard, const void *msg, size_t len,
                                    const char *reason);

/* Publishes a snapshot of shard's aggregates (bytes: gb_agg_encode_counts) to partition 0 of
 * the aggregates topic, keyed by source ("<engine id>/<shard>": a later snapshot of one source
 * replaces its earlier ones), numbered by version (increasing per source), in chunks of up to
 * GB_KAFKA_AGGREGATES_CHUNK bytes (header gb.chunk "i/n", gb.version). On shard's thread. */
enum { GB_KAFKA_AGGREGATES_CHUNK = 512 * 1024 /* below Kafka's default 1 MB message limit */ };
void gb_transport_kafka_publish_aggregates(gb_transport *t, unsigned shard, const char *source,
                                           uint64_t version, const void *bytes, size_t len);

/* ---- the simulator's side (role SIM) */

/* A dead letter as read back: the fields are valid during the callback only. */
typedef struct gb_kafka_dead_letter {
  const char *topic; /* the event topic the message was read from */
  unsigned partition;
  int64_t offset;
  uint64_t length; /* the message's length (payload: its first bytes, len of them) */
  unsigned shard;  /* in the engine process that rejected it */
  bool sequenced;  /* part of a simulator's stream (acknowledged with it), not a foreign message
                      (one without gamebench's header, e.g. written with kcat) */
  const char *reason;
  const void *payload;
  size_t len;
} gb_kafka_dead_letter;

typedef struct gb_kafka_results_fns {
  void *ctx;
  void (*dead_letter)(void *ctx, const gb_kafka_dead_letter *d);
  /* A whole snapshot of one source (its chunks joined), in the order they were published. */
  void (*aggregates)(void *ctx, const char *source, uint64_t version, const void *bytes,
                     size_t len);
} gb_kafka_results_fns;

/* Reads the dead-letter and aggregates topics from their start to their end as of the call
 * (call it once the engines acknowledged every stream) and hands every record to fns.
 * Malformed records (without gamebench's headers) are skipped with a line on stderr. Returns
 * 0, or -1 with GB_ERR_RUNTIME when the broker cannot be read before gamebench.ready.timeout.ms
 * or memory runs out. */
int gb_transport_kafka_collect_results(gb_transport *t, const gb_kafka_results_fns *fns,
                                       gb_err *err);

#endif
