/* gb_workload_int: what the workload loader's files share (gb_workload.c describes the three
 * layers and which file holds each). Not for other modules. */
#ifndef GB_WORKLOAD_INT_H
#define GB_WORKLOAD_INT_H

#include "gb_workload.h"

#include <cyaml/cyaml.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "gb_err.h"

/* ---- Ranges and defaults (docs/workloads.md lists the same) ---- */

/* The ranges are the workload contract (issue text and docs/workloads.md). */
enum {
  WL_NAME_MAX = 64,          /* the name goes into results/<name>-<UTC time>/: short, portable */
  WL_PLAYERS_MAX = 10000000, /* the population one process is specified to simulate */
  WL_THREADS_MAX = 256,      /* sim and engine threads */
  WL_QUEUE_MIN = 64,         /* events per in-process queue... */
  WL_QUEUE_MAX = 1 << 24,    /* ...up to 16 M */
  WL_PARTITIONS_MAX = 1024,  /* Kafka partitions of the run's topics */
  WL_PORT_MAX = 65535,       /* TCP ports */
  WL_FILE_MAX = 16 << 20,    /* a workload is a page of YAML: anything this large is not one */
  WL_PATH_MAX = 256,         /* key paths such as "arms[3].weight" */
  WL_TEXT_MAX = 256,         /* keys and values quoted in error messages */
  WL_FRAMES_MAX = 16,        /* backtrace depth recorded from libcyaml (the schema is 4 deep) */
  WL_DOUBLE_TEXT = 32        /* "%.17g" of any double */
};

/* engine.extra_work_per_event's top: about 1 ms of injected work per event. */
enum { WL_EXTRA_WORK_MAX = 1000000 };

/* The ranges the run's arithmetic needs (docs/workloads.md, "Ranges and why"). */
/* sim.time_scale: the sim clock is start + wall ns x time_scale / 1e6 in int64 ms, which stays
 * exact and far from overflow up to 1e9 (a wall day is then 8.6e16 sim ms); below 1e-6 a sim
 * second takes over 11 wall days. */
#define WL_TIME_SCALE_MIN 1e-6
#define WL_TIME_SCALE_MAX 1e9
/* The longest wall time a run may be paced for (sim.duration / sim.time_scale) and the longest
 * warmup: 100 years, so that the monotonic clock plus it stays far inside int64 ns (292 years). */
enum { WL_WALL_MAX_DAYS = 36500 };
#define WL_WALL_MAX_MS ((int64_t)WL_WALL_MAX_DAYS * 86400000)
/* arms[i].weight: the sum of GB_ARMS_MAX arms stays finite and exact to 1e-10, and the smallest
 * share (1e-12 of the sum) is far above a double's 2^-53 resolution of the draw. */
#define WL_WEIGHT_MIN 1e-6
#define WL_WEIGHT_MAX 1e6

#define WL_DEFAULT_CHALLENGES "challenges/default.yaml"
/* store.*: the store model's catalogue (gb_store_model.h), the engine's app limit (gb_slate.h:
 * GB_SLATE_APPS_MAX) and the discovery queue's places (GB_SLATE_MAX) */
#define WL_STORE_APPS_DEFAULT 20000
#define WL_STORE_APPS_MAX 65535
#define WL_STORE_SLATE_DEFAULT 5
#define WL_STORE_SLATE_MAX 16
#define WL_DEFAULT_BROKERS "embedded"
#define WL_DEFAULT_OUTPUT_DIR "results"
/* A Monday, 00:00 UTC. */
#define WL_DEFAULT_START "2026-01-05T00:00:00Z"
#define WL_TIME_FORMAT "%Y-%m-%dT%H:%M:%SZ"
static const uint64_t wl_default_seed = 1;
static const int64_t wl_default_players = 1000;
static const int64_t wl_default_queue = 65536;
static const int64_t wl_default_partitions = 8;

/* engine.aggregates (the stats cube, stats/gb_cube.h): its ranges are the cube's. */
enum {
  WL_DAY_MS = 86400000,
  WL_AGG_BUCKET_MIN_MS = 1000,
  WL_AGG_OFFSET_MIN = -12 * 60, /* the zones in use run from -12:00 ... */
  WL_AGG_OFFSET_MAX = 14 * 60,  /* ...to +14:00 */
  WL_AGG_DISTINCT_EXACT_MAX = 65536,
  WL_AGG_HLL_MIN = 4,
  WL_AGG_HLL_MAX = 18,
  WL_AGG_LEVEL_BAND_MAX = 1000
};
static const int64_t wl_default_bucket_ms = 60000;
static const int64_t wl_default_lateness_ms = 300000;
static const int64_t wl_default_distinct_exact = 256;
static const int64_t wl_default_hll_precision = 12; /* 4096 registers: 1.6 % standard error */
static const double wl_default_quantile_accuracy = 0.01;
static const double wl_max_quantile_accuracy = 0.5;
static const int64_t wl_default_level_band = 10;
static const gb_agg_dim wl_default_dims[] = {GB_AGG_DIM_TYPE, GB_AGG_DIM_GAME, GB_AGG_DIM_ARM,
                                             GB_AGG_DIM_CHALLENGE, GB_AGG_DIM_REWARD_TYPE};

/* engine.aggregates.measures, in this order in resolved_json. The first four are always kept;
 * the last two are the optional ones (gb_cube's GB_CUBE_DISTINCT and GB_CUBE_QUANTILES). */
enum { WL_MEASURE_DISTINCT = 4, WL_MEASURE_QUANTILES = 5, WL_MEASURES = 6 };
static const char *const wl_measures[WL_MEASURES] = {
    "count", "sum", "min", "max", "distinct_players", "quantiles"};

/* The enumerations below are small and used by the schema (gb_workload_schema.c), the
 * conversion (gb_workload_convert.c) and resolved_json (gb_workload_json.c): each file that
 * names one has its own copy of these few bytes, all from this one list. */

/* Recommender algorithms the engine knows. More come as their engines land (popularity,
 * collaborative filtering, bandits): add the name here and to docs/workloads.md. Each value is
 * its index, so a loaded value v names wl_algorithms[v].str. */
static const cyaml_strval_t wl_matchers[] = {{"scan", 0}, {"index", 1}};
static const cyaml_strval_t wl_platforms[] = {
    {"card", GB_PLATFORMS_CARD}, {"store", GB_PLATFORMS_STORE}, {"mixed", GB_PLATFORMS_MIXED}};
static const cyaml_strval_t wl_formats[] = {{"json", GB_FORMAT_JSON}, {"binary", GB_FORMAT_BINARY}};
static const cyaml_strval_t wl_transports[] = {{"inproc", GB_TRANSPORT_INPROC},
                                               {"kafka", GB_TRANSPORT_KAFKA}};
/* YAML 1.2 booleans; libcyaml's own bool type would read any word as true. */
static const cyaml_strval_t wl_bools[] = {{"true", 1}, {"false", 0}};

#define WL_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- The raw workload libcyaml loads (gb_workload_schema.c has the schema) ---- */

typedef struct wl_raw_retention {
  char *d1, *d7, *completion_effect, *spam_effect;
} wl_raw_retention;

typedef struct wl_raw_sim {
  char *players, *duration, *time_scale, *threads, *start;
  char *arrivals, *sessions_per_day, *session_length, *session_shape, *peak_hour, *payer_share;
  wl_raw_retention *retention;
  int *platform;
} wl_raw_sim;

typedef struct wl_raw_store {
  char *players, *apps, *catalog, *slate, *reference;
} wl_raw_store;

typedef struct wl_raw_aggregates {
  char *bucket, *day_offset;
  char **dimensions; /* NULL when absent; an empty list is a list */
  unsigned dimensions_count;
  char **measures;
  unsigned measures_count;
  char *allowed_lateness, *distinct_exact, *hll_precision, *quantile_accuracy, *level_band;
} wl_raw_aggregates;

typedef struct wl_raw_engine {
  char *threads, *queue_capacity, *challenges;
  int *matcher;
  wl_raw_aggregates *aggregates;
  char *extra_work_per_event;
} wl_raw_engine;

typedef struct wl_raw_transport {
  int *kind;
  char *brokers, *partitions, *drain_timeout;
  int *format;
} wl_raw_transport;

/* arms[].params: every parameter name of every algorithm (gb_algo.h's tables); a name the
 * schema lacks is an unknown key (test_workload checks that the lists agree). */
/* clang-format re-wraps this list differently on each pass: it is left alone */
/* clang-format off */
#define WL_ALGO_PARAMS(X)                                                                          \
  X(epoch) X(window) X(prior_strength) X(prior_mean) X(epsilon) X(prior_a) X(prior_b)              \
  X(segment) X(alpha) X(lambda) X(v) X(similarity) X(neighbours) X(min_users) X(factors) X(reg)    \
  X(iterations)
/* clang-format on */

typedef struct wl_raw_params {
#define WL_PARAM_MEMBER(n) char *n;
  WL_ALGO_PARAMS(WL_PARAM_MEMBER)
#undef WL_PARAM_MEMBER
} wl_raw_params;

typedef struct wl_raw_arm {
  char *name;
  char *algorithm;
  char *weight;
  wl_raw_params *params;
} wl_raw_arm;

typedef struct wl_raw_output {
  char *dir;
  int *plots;
} wl_raw_output;

typedef struct wl_raw {
  char *name, *seed, *warmup;
  wl_raw_sim *sim;
  wl_raw_store *store;
  wl_raw_engine *engine;
  wl_raw_transport *transport;
  wl_raw_arm *arms;
  unsigned arms_count;
  wl_raw_output *output;
} wl_raw;

/* The libcyaml schema of a whole workload file (gb_workload_schema.c). */
extern const cyaml_schema_value_t gb_workload_schema;

/* The field of mapping schema v named key[0..len), or NULL (also when v is not a mapping). */
const cyaml_schema_field_t *gb_workload_schema_field(const cyaml_schema_value_t *v, const char *key,
                                                     size_t len);

/* The schema of the value at key path path ("arms[1].weight"), or NULL if the schema has no
 * such key. */
const cyaml_schema_value_t *gb_workload_schema_find(const char *path);

/* ---- Key paths and the libyaml tree (gb_workload_paths.c) ---- */

typedef struct wl_step {
  const char *key; /* NULL for a list index */
  size_t key_len;
  size_t index;
} wl_step;

/* Reads the step of key path *p ("sim.players", "arms[1].weight") into *s and moves *p past it;
 * false at the end of the path. */
bool gb_workload_next_step(const char **p, wl_step *s);

/* Appends ".key" (or "key" to an empty path) to path, a NUL-terminated string in a buffer of
 * size bytes, truncating at size. */
void gb_workload_path_append_key(char *path, size_t size, const char *key);

/* Index of the last pair of mapping node id of doc whose key is key[0..len), or -1 (also when
 * node id is not a mapping). */
long gb_workload_pair_index(yaml_document_t *doc, int id, const char *key, size_t len);

/* The node of doc at key path path (the root for ""), or NULL; *key_out (when key_out is not
 * NULL) gets its key node when it is a mapping value, NULL when it is a list item or the root. */
yaml_node_t *gb_workload_tree_find(yaml_document_t *doc, const char *path, yaml_node_t **key_out);

/* ---- Error reporting (gb_workload_paths.c) ---- */

/* One --set argument, split. */
typedef struct wl_override {
  const char *arg; /* as given: "sim.players=500" */
  char *key;       /* "sim.players" */
  char *value;     /* the value read as a YAML scalar: "500"; NULL for a list */
  bool is_list;    /* key names a list of single values ("engine.aggregates.dimensions") */
  char **items;    /* is_list: the value read as a YAML sequence, "[type, game]" -> type, game */
  size_t n_items;
} wl_override;

/* The text being validated: the workload file alone, or the file with overrides applied. */
typedef struct wl_src {
  const char *file;
  yaml_document_t *doc;
  const wl_override *ovr; /* NULL while validating the file alone */
  size_t n_ovr;
} wl_src;

static inline int wl_oom(gb_err *err) { return gb_err_set(err, GB_ERR_RUNTIME, "out of memory"); }

/* Fills err (GB_ERR_INPUT) with "WHERE: key 'PATH': REASON" (or "WHERE: REASON" for the path
 * ""), WHERE being "file:line" of src's file, "--set ARG" of the last override that touched path,
 * or "file with --set overrides"; returns -1. */
int gb_workload_fail(const wl_src *src, const char *path, gb_err *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- Loading (gb_workload_cyaml.c, gb_workload_convert.c) ---- */

/* Loads text[0..len) (whose tree is src->doc) through libcyaml and validates it into *out (free
 * with gb_workload_free; resolved_json not filled); 0, or -1 with err set. */
int gb_workload_load_text(const wl_src *src, const char *text, size_t len, gb_workload **out,
                          gb_err *err);

/* Validates raw (layer 3: strict scalars, ranges, defaults) and builds *out (without
 * resolved_json); 0, or -1 with err set. */
int gb_workload_convert(const wl_src *src, const wl_raw *raw, gb_workload **out, gb_err *err);

/* The shortest text of v that reads back as v ("0.1", "720") into buf[0..size). */
void gb_workload_format_double(double v, char *buf, size_t size);

/* ms since the epoch as "YYYY-MM-DDTHH:MM:SSZ" into buf[0..size). */
void gb_workload_format_time(int64_t ms, char *buf, size_t size);

/* The name of enumeration value *v (v NULL: of def) in list[0..n). */
const char *gb_workload_enum_name(const cyaml_strval_t *list, size_t n, const int *v, int def);

/* ---- The file's tree (gb_workload.c) ---- */

/* Parses text[0..len) into *doc, which must then be a single non-empty mapping; on success the
 * caller deletes *doc. label names the text in errors. 0, or -1 with err set. */
int gb_workload_parse_tree(const char *label, const char *text, size_t len, yaml_document_t *doc,
                           gb_err *err);

/* ---- --set overrides (gb_workload_set.c) ---- */

/* Parses the n --set arguments args[] ("key.path=value") into *out (n of them, NULL for none;
 * free with gb_workload_overrides_free even on failure); 0, or -1 with err set. */
int gb_workload_parse_overrides(const char *const *args, size_t n, wl_override **out, gb_err *err);

/* Frees the n overrides of ovr (NULL allowed). */
void gb_workload_overrides_free(wl_override *ovr, size_t n);

/* Applies the n overrides ovr[] to the file's tree doc (consuming it), then loads and validates
 * the result into *out with errors attributed to the overrides; 0, or -1 with err set. */
int gb_workload_load_overridden(const char *path, yaml_document_t *doc, const wl_override *ovr,
                                size_t n, gb_workload **out, gb_err *err);

/* ---- resolved_json (gb_workload_json.c) ---- */

/* Fills w->resolved_json and w->resolved_hash; 0, or -1 (out of memory) with err set. */
int gb_workload_resolve_json(gb_workload *w, gb_err *err);

#endif
