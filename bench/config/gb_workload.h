/* gb_workload: workload files (YAML, read through a libcyaml schema), `--set key.path=value`
 * overrides, and validation with errors that name the file, the line and the key.
 *
 * A workload is validated completely by gb_workload_load: a caller that gets 0 back may create
 * its results directory and run without further checks of these fields. The keys, types, ranges
 * and defaults are documented in docs/workloads.md; the ranges are repeated on each field below.
 *
 * Errors are GB_ERR_INPUT (the CLI exits 2) with messages such as
 *   workloads/x.yaml:7: key 'sim.playres': unknown key
 *   workloads/x.yaml:5: key 'sim.players': -5 is out of range (1 .. 10000000)
 *   workloads/nope.yaml: cannot open: No such file or directory
 *   --set sim.players=-5: key 'sim.players': -5 is out of range (1 .. 10000000)
 *   --set foo: expected key.path=value
 * Only running out of memory is GB_ERR_RUNTIME. */
#ifndef GB_WORKLOAD_H
#define GB_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_agg.h"
#include "gb_arms.h"
#include "gb_duration.h"
#include "gb_err.h"
#include "gb_sim_model.h"

typedef enum gb_transport_kind { GB_TRANSPORT_INPROC, GB_TRANSPORT_KAFKA } gb_transport_kind;
/* How events and decisions are encoded on the wire (gb_codec.h: gb_event_encode_wire). */
typedef enum gb_wire_format { GB_FORMAT_JSON, GB_FORMAT_BINARY } gb_wire_format;
/* The simulated platforms (sim.platform): bits, so that mixed is both. */
typedef enum gb_platforms {
  GB_PLATFORMS_CARD = 1,  /* the card/board-game platform (the default) */
  GB_PLATFORMS_STORE = 2, /* the Steam-style store */
  GB_PLATFORMS_MIXED = 3  /* both at once, each on its own topics */
} gb_platforms;

/* One A/B arm: a share of the players served by one recommender algorithm. */
typedef struct gb_arm_config {
  char *name;      /* unique among the arms; [A-Za-z0-9_.-]+, 1 .. 64 chars */
  char *algorithm; /* a recommender algorithm of the registry (gb_algo.h) */
  double weight;   /* relative share of players, finite and > 0 (shares are weight / sum) */
  /* arms[].params: the algorithm's parameters by position in its table, every one filled
   * (defaults for those not given) and checked against its range */
  double params[GB_ARM_PARAMS_MAX];
} gb_arm_config;

/* A loaded, validated workload. Every pointer is owned by the gb_workload and freed by
 * gb_workload_free; strings are NUL-terminated and never NULL. */
typedef struct gb_workload {
  char *name;        /* [A-Za-z0-9_.-]+, 1 .. 64 chars: safe in the results directory name */
  uint64_t seed;     /* 0 .. 2^64-1, default 1 */
  int64_t warmup_ns; /* wall time excluded from headline figures, ns, 0 .. 106751 d; default 0 */
  struct {
    uint32_t players;       /* 1 .. 10,000,000; default 1000 */
    int64_t duration_ms;    /* sim time to simulate, ms, 1 .. 106751 d; required */
    double time_scale;      /* sim seconds per wall second, finite and > 0; 0 means "max" (as fast
                               as possible), the default */
    uint32_t threads;       /* simulator threads, 1 .. 256; default 1 */
    int64_t start_ms;       /* sim epoch, ms since 1970-01-01T00:00:00Z, whole seconds; default
                               2026-01-05T00:00:00Z */
    gb_sim_model model;     /* the population keys (sim.arrivals, sim.sessions_per_day,
                               sim.session_length, sim.session_shape, sim.peak_hour,
                               sim.payer_share, sim.retention.*): ranges and defaults in
                               gb_sim_model.h; checked with gb_sim_model_check, and the population
                               (gb_sim_population) is at most GB_SIM_POPULATION_MAX */
    gb_platforms platforms; /* sim.platform: card (default), store or mixed */
  } sim;
  /* The Steam-style store (read when sim.platform is store or mixed; docs/workloads.md). */
  struct {
    uint32_t players; /* store players present at the start, 1 .. 10,000,000; default sim.players
                         (store ids start at 2^32 in a mixed run, above the card players') */
    uint32_t apps;    /* a generated catalogue's apps, 1 .. 65535; default 20000 (with catalog:
                         the file's usable rows, known once it is loaded) */
    char *catalog;    /* CSV catalogue path resolved like engine.challenges, or NULL: generated */
    uint32_t slate;   /* places of the discovery queue, 1 .. 16; default 5 */
    char *reference;  /* the real Steam play log for the realism report (steam-200k-plays.csv),
                         resolved like engine.challenges; NULL: none. A missing file is not an
                         error: the report says so. */
  } store;
  struct {
    uint32_t threads;        /* engine threads, 1 .. 256; default 1 */
    uint32_t queue_capacity; /* events per in-process queue, a power of two in 64 .. 2^24;
                                default 65536 */
    char *challenges;        /* challenge catalogue path, resolved against the workload file's
                                folder unless absolute (default challenges/default.yaml there).
                                Not opened here: the catalogue loader reports a missing file. */
    char *matcher;           /* "scan" (default) or "index" */
    /* engine.aggregates: the aggregator's stats cube, in the aggregator's own configuration
     * (gb_agg.h; keep is always true here). Milliseconds of sim time, minutes east of UTC:
     *   bucket -> bucket_ms: a duration, 1 s … 1 d, dividing a day; default 1m
     *   day_offset -> day_offset_min: "+08:00", "-05:30", "Z"/"+00:00"; -12:00 … +14:00;
     *     default +00:00
     *   dimensions -> dims, n_dims: a list of names (gb_agg_dim_parse), no repeats; default
     *     [type, game, arm, challenge, reward_type]
     *   measures -> distinct_players, quantiles: a list from count, sum, min, max,
     *     distinct_players, quantiles (count..max are always kept; listing them is allowed);
     *     default all six
     *   allowed_lateness -> allowed_lateness_ms: duration 0 … 1 d; default 5m
     *   distinct_exact -> distinct_exact_max: 0 … 65536; default 256
     *   hll_precision: 4 … 18; default 12 (1.6 % standard error)
     *   quantile_accuracy: (0, 0.5]; default 0.01
     *   level_band: levels per band, 1 … 1000; default 10 */
    gb_agg_cube_config aggregates;
    uint32_t extra_work_per_event; /* iterations of injected work per event, for testing
                                      regression gates (gb_pipeline_config): 0 .. 1,000,000;
                                      default 0 */
  } engine;
  struct {
    gb_transport_kind kind;   /* default GB_TRANSPORT_INPROC */
    char *brokers;            /* "embedded" (default) or "host:port[,host:port...]" */
    uint32_t partitions;      /* 1 .. 1024; default 8 */
    gb_wire_format format;    /* default GB_FORMAT_BINARY */
    int64_t drain_timeout_ms; /* kafka: how long a run waits with events or replies in flight
                                 and none arriving (a broker gone for good) before it fails
                                 naming the partitions not drained; 1 ms .. 1 d, default 30 s */
  } transport;
  gb_arm_config *arms; /* n_arms >= 1 entries, in file order; default one arm
                          {name: random, algorithm: random, weight: 1} */
  size_t n_arms;
  struct {
    char *dir;  /* parent folder of results/<name>-<UTC time>/, non-empty; default "results" */
    bool plots; /* default true */
  } output;
  char *path;             /* the workload file as given to gb_workload_load */
  char *resolved_json;    /* the resolved workload as one compact JSON object: every key (defaults
                             filled, overrides applied, engine.challenges resolved) in the fixed
                             order of docs/workloads.md, durations in canonical form ("2h"),
                             time_scale a number or "max". Same workload -> same bytes. */
  uint64_t resolved_hash; /* xxh3-64 (gb_hash_bytes, seed 0) of resolved_json */
} gb_workload;

/* Loads the workload file at path, applies overrides[0 .. n_overrides) in order (each
 * "key.path=value", e.g. "sim.players=500" or "sim.time_scale=max"; the value is read as a YAML
 * scalar, or for a list of single values as a YAML flow sequence that replaces the whole list,
 * e.g. "engine.aggregates.dimensions=[type,game]"; sections and arms cannot be set), and
 * validates everything.
 *
 * The file is validated on its own first, so its errors carry its own line numbers; errors
 * caused by an override name that override ("--set sim.players=-5: ..."). overrides may be NULL
 * when n_overrides is 0.
 *
 * Returns 0 with *out set to a new workload owned by the caller (gb_workload_free), or -1 with
 * *out set to NULL and err filled: GB_ERR_INPUT naming the file, line and key path (or the
 * override), GB_ERR_RUNTIME only when out of memory. Creates no files. */
int gb_workload_load(const char *path, const char *const *overrides, size_t n_overrides,
                     gb_workload **out, gb_err *err);

/* Frees w and everything it owns; NULL is allowed. */
void gb_workload_free(gb_workload *w);

/* Loads the workload of a Kafka command (`sim --to kafka`, `engine`, `bench kafka`): the
 * command's defaults (at most GB_WORKLOAD_KAFKA_DEFAULTS_MAX; --set may override them), the
 * user's --set overrides, then transport.kind=kafka and, when brokers is not NULL,
 * transport.brokers=BROKERS (--brokers wins over the file and --set). Returns 0 with *out (free
 * it with gb_workload_free), or -1 with err: the workload's errors (file, line, key), or
 * GB_ERR_INPUT "--brokers: too long". */
enum { GB_WORKLOAD_KAFKA_DEFAULTS_MAX = 4 };
struct gb_opt_list;
int gb_workload_load_kafka(const char *path, const char *const *defaults, size_t n_defaults,
                           const struct gb_opt_list *sets, const char *brokers, gb_workload **out,
                           gb_err *err);

/* The workload's A/B split (arms and seed), for the simulator and every engine shard. Returns 0
 * with *out (gb_arms_free), or -1 with err (GB_ERR_RUNTIME: out of memory; the arms were
 * validated by gb_workload_load). */
int gb_workload_arms(const gb_workload *w, gb_arms **out, gb_err *err);

#endif
