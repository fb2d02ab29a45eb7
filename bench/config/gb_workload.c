/* Workload loading in three layers:
 *
 * 1. libyaml's document API parses the text into a node tree. It reports syntax errors, empty
 *    files and non-mapping top levels, gives every key its line number, and is where --set
 *    overrides are applied before the tree is re-emitted as YAML.
 * 2. libcyaml loads the same text into wl_raw through the schema below: it rejects unknown keys,
 *    duplicate keys, values of the wrong shape (a list where a value belongs...) and unknown
 *    enum names. Its errors arrive through the log callback with a backtrace of the keys being
 *    read; wl_capture records them and wl_cyaml_error turns them into "file:line: key 'a.b': ...".
 * 3. wl_convert parses every scalar strictly (libcyaml 1.3 loads "2h" into an int as 2, and any
 *    word into a bool as true, so numbers and durations are loaded as strings and parsed here),
 *    checks ranges, fills defaults and builds the gb_workload.
 *
 * The file is validated alone first (its errors carry its own line numbers); overrides are then
 * applied to its tree and the result goes through layers 1-3 again, with errors attributed to
 * the --set argument that touched the key. */
#include "gb_workload.h"

#include "gb_opts.h"

#include <cyaml/cyaml.h>
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yaml.h>

#include "gb_rng.h"
#include "gb_sim.h"

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
  WL_FRAMES_MAX = 16,        /* backtrace depth recorded from libcyaml (the schema is 3 deep) */
  WL_DOUBLE_TEXT = 32        /* "%.17g" of any double */
};

#define WL_DEFAULT_CHALLENGES "challenges/default.yaml"
#define WL_DEFAULT_BROKERS "embedded"
#define WL_DEFAULT_OUTPUT_DIR "results"
/* A Monday, 00:00 UTC. */
#define WL_DEFAULT_START "2026-01-05T00:00:00Z"
#define WL_TIME_FORMAT "%Y-%m-%dT%H:%M:%SZ"
static const uint64_t wl_default_seed = 1;
static const int64_t wl_default_players = 1000;
static const int64_t wl_default_queue = 65536;
static const int64_t wl_default_partitions = 8;

/* Recommender algorithms the engine knows. More come as their engines land (popularity,
 * collaborative filtering, bandits): add the name here and to docs/workloads.md. Each value is
 * its index, so a loaded value v names wl_algorithms[v].str. */
static const cyaml_strval_t wl_algorithms[] = {{"random", 0}, {"none", 1}};
static const cyaml_strval_t wl_matchers[] = {{"scan", 0}, {"index", 1}};
static const cyaml_strval_t wl_formats[] = {{"json", GB_FORMAT_JSON}, {"binary", GB_FORMAT_BINARY}};
static const cyaml_strval_t wl_transports[] = {{"inproc", GB_TRANSPORT_INPROC},
                                               {"kafka", GB_TRANSPORT_KAFKA}};
/* YAML 1.2 booleans; libcyaml's own bool type would read any word as true. */
static const cyaml_strval_t wl_bools[] = {{"true", 1}, {"false", 0}};

#define WL_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- The libcyaml schema: every key optional (defaults and "required" are checked in
 * wl_convert, which knows the line to report), scalars as strings except enumerations. ---- */

typedef struct wl_raw_retention {
  char *d1, *d7, *completion_effect, *spam_effect;
} wl_raw_retention;

typedef struct wl_raw_sim {
  char *players, *duration, *time_scale, *threads, *start;
  char *arrivals, *sessions_per_day, *session_length, *session_shape, *peak_hour, *payer_share;
  wl_raw_retention *retention;
} wl_raw_sim;

typedef struct wl_raw_engine {
  char *threads, *queue_capacity, *challenges;
  int *matcher;
} wl_raw_engine;

typedef struct wl_raw_transport {
  int *kind;
  char *brokers, *partitions;
  int *format;
} wl_raw_transport;

typedef struct wl_raw_arm {
  char *name;
  int *algorithm;
  char *weight;
} wl_raw_arm;

typedef struct wl_raw_output {
  char *dir;
  int *plots;
} wl_raw_output;

typedef struct wl_raw {
  char *name, *seed, *warmup;
  wl_raw_sim *sim;
  wl_raw_engine *engine;
  wl_raw_transport *transport;
  wl_raw_arm *arms;
  unsigned arms_count;
  wl_raw_output *output;
} wl_raw;

#define WL_OPT (CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL)
#define WL_STR(key, type, member)                                                                  \
  CYAML_FIELD_STRING_PTR(key, WL_OPT, type, member, 0, CYAML_UNLIMITED)
#define WL_ENUM(key, flags, type, member, list)                                                    \
  CYAML_FIELD_ENUM_PTR(key, WL_OPT | CYAML_FLAG_STRICT | (flags), type, member, list,              \
                       WL_COUNT(list))

static const cyaml_schema_field_t wl_retention_fields[] = {
    WL_STR("d1", wl_raw_retention, d1),
    WL_STR("d7", wl_raw_retention, d7),
    WL_STR("completion_effect", wl_raw_retention, completion_effect),
    WL_STR("spam_effect", wl_raw_retention, spam_effect),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t wl_sim_fields[] = {
    WL_STR("players", wl_raw_sim, players),
    WL_STR("duration", wl_raw_sim, duration),
    WL_STR("time_scale", wl_raw_sim, time_scale),
    WL_STR("threads", wl_raw_sim, threads),
    WL_STR("start", wl_raw_sim, start),
    WL_STR("arrivals", wl_raw_sim, arrivals),
    WL_STR("sessions_per_day", wl_raw_sim, sessions_per_day),
    WL_STR("session_length", wl_raw_sim, session_length),
    WL_STR("session_shape", wl_raw_sim, session_shape),
    WL_STR("peak_hour", wl_raw_sim, peak_hour),
    WL_STR("payer_share", wl_raw_sim, payer_share),
    CYAML_FIELD_MAPPING_PTR("retention", WL_OPT, wl_raw_sim, retention, wl_retention_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t wl_engine_fields[] = {
    WL_STR("threads", wl_raw_engine, threads),
    WL_STR("queue_capacity", wl_raw_engine, queue_capacity),
    WL_STR("challenges", wl_raw_engine, challenges),
    WL_ENUM("matcher", 0, wl_raw_engine, matcher, wl_matchers),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t wl_transport_fields[] = {
    WL_ENUM("kind", 0, wl_raw_transport, kind, wl_transports),
    WL_STR("brokers", wl_raw_transport, brokers),
    WL_STR("partitions", wl_raw_transport, partitions),
    WL_ENUM("format", 0, wl_raw_transport, format, wl_formats),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t wl_arm_fields[] = {
    WL_STR("name", wl_raw_arm, name),
    WL_ENUM("algorithm", 0, wl_raw_arm, algorithm, wl_algorithms),
    WL_STR("weight", wl_raw_arm, weight),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t wl_arm_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, wl_raw_arm, wl_arm_fields),
};

static const cyaml_schema_field_t wl_output_fields[] = {
    WL_STR("dir", wl_raw_output, dir),
    WL_ENUM("plots", CYAML_FLAG_CASE_INSENSITIVE, wl_raw_output, plots, wl_bools),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t wl_top_fields[] = {
    WL_STR("name", wl_raw, name),
    WL_STR("seed", wl_raw, seed),
    WL_STR("warmup", wl_raw, warmup),
    CYAML_FIELD_MAPPING_PTR("sim", WL_OPT, wl_raw, sim, wl_sim_fields),
    CYAML_FIELD_MAPPING_PTR("engine", WL_OPT, wl_raw, engine, wl_engine_fields),
    CYAML_FIELD_MAPPING_PTR("transport", WL_OPT, wl_raw, transport, wl_transport_fields),
    CYAML_FIELD_SEQUENCE("arms", WL_OPT, wl_raw, arms, &wl_arm_schema, 1, CYAML_UNLIMITED),
    CYAML_FIELD_MAPPING_PTR("output", WL_OPT, wl_raw, output, wl_output_fields),
    CYAML_FIELD_END,
};

static const cyaml_schema_value_t wl_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, wl_raw, wl_top_fields),
};

/* ---- Key paths: "sim.players", "arms[1].weight" ---- */

typedef struct wl_step {
  const char *key; /* NULL for a list index */
  size_t key_len;
  size_t index;
} wl_step;

/* Reads the step at *p into *s and moves *p past it; false at the end of the path. */
static bool wl_next_step(const char **p, wl_step *s) {
  const char *c = *p;
  if (*c == '.')
    c++;
  if (*c == '\0')
    return false;
  if (*c == '[') {
    char *end = NULL;
    s->key = NULL;
    s->key_len = 0;
    s->index = (size_t)strtoul(c + 1, &end, 10);
    *p = *end == ']' ? end + 1 : end;
    return true;
  }
  s->key = c;
  s->key_len = strcspn(c, ".[");
  *p = c + s->key_len;
  return true;
}

/* Cuts the last step off path; false if path was already empty. */
static bool wl_path_parent(char *path) {
  if (path[0] == '\0')
    return false;
  size_t cut = 0; /* the last '.' or '[', or the start for a one-step path */
  for (size_t i = 0; path[i]; i++)
    if (path[i] == '.' || path[i] == '[')
      cut = i;
  path[cut] = '\0';
  return true;
}

/* Appends ".key" (or "key" to an empty path), truncating at size: a long path only shortens
 * the message it goes into. */
static void wl_path_append_key(char *path, size_t size, const char *key) {
  size_t len = strlen(path);
  if (len > 0 && len + 1 < size)
    path[len++] = '.';
  size_t n = strnlen(key, size - len - 1);
  memcpy(path + len, key, n);
  path[len + n] = '\0';
}

/* Whether a and b name the same key or one contains the other ("sim" and "sim.players"). */
static bool wl_path_related(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  size_t n = la < lb ? la : lb;
  if (strncmp(a, b, n) != 0)
    return false;
  char next = la < lb ? b[n] : a[n];
  return next == '\0' || next == '.' || next == '[';
}

/* ---- The libyaml tree ---- */

static bool wl_scalar_is(const yaml_node_t *n, const char *key, size_t len) {
  return n && n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
         memcmp(n->data.scalar.value, key, len) == 0;
}

/* Index of the last pair of mapping node id whose key is key[0..len), or -1. The last one,
 * because duplicate keys are reported at the duplicate. */
static long wl_pair_index(yaml_document_t *doc, int id, const char *key, size_t len) {
  yaml_node_t *map = yaml_document_get_node(doc, id);
  if (!map || map->type != YAML_MAPPING_NODE)
    return -1;
  long found = -1;
  yaml_node_pair_t *pairs = map->data.mapping.pairs.start;
  long n = map->data.mapping.pairs.top - pairs;
  for (long i = 0; i < n; i++)
    if (wl_scalar_is(yaml_document_get_node(doc, pairs[i].key), key, len))
      found = i;
  return found;
}

/* The node at path (the root for ""), or NULL; *key_out gets its key node when it is a mapping
 * value, NULL when it is a list item or the root. */
static yaml_node_t *wl_tree_find(yaml_document_t *doc, const char *path, yaml_node_t **key_out) {
  yaml_node_t *node = yaml_document_get_root_node(doc);
  int id = 1; /* the root is the first node of a loaded document */
  yaml_node_t *key = NULL;
  wl_step s;
  while (node && wl_next_step(&path, &s)) {
    key = NULL;
    if (!s.key) {
      bool ok = node->type == YAML_SEQUENCE_NODE &&
                s.index < (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
      id = ok ? node->data.sequence.items.start[s.index] : 0;
    } else {
      long i = wl_pair_index(doc, id, s.key, s.key_len);
      yaml_node_pair_t *pair = i < 0 ? NULL : &node->data.mapping.pairs.start[i];
      key = pair ? yaml_document_get_node(doc, pair->key) : NULL;
      id = pair ? pair->value : 0;
    }
    node = id ? yaml_document_get_node(doc, id) : NULL;
  }
  if (key_out)
    *key_out = key;
  return node;
}

/* The 1-based line to report for path: its key's line, or for a key that is absent (a missing
 * required key) the line of the nearest enclosing key that is present. */
static size_t wl_line_of(yaml_document_t *doc, const char *path) {
  char buf[WL_PATH_MAX];
  snprintf(buf, sizeof buf, "%s", path);
  do {
    yaml_node_t *key = NULL;
    yaml_node_t *node = wl_tree_find(doc, buf, &key);
    if (node)
      return (key ? key : node)->start_mark.line + 1;
  } while (wl_path_parent(buf));
  return 1;
}

/* ---- Error reporting ---- */

/* One --set argument, split. */
typedef struct wl_override {
  const char *arg; /* as given: "sim.players=500" */
  char *key;       /* "sim.players" */
  char *value;     /* the value read as a YAML scalar: "500" */
} wl_override;

/* The text being validated: the workload file alone, or the file with overrides applied. */
typedef struct wl_src {
  const char *file;
  yaml_document_t *doc;
  const wl_override *ovr; /* NULL while validating the file alone */
  size_t n_ovr;
} wl_src;

static int wl_oom(gb_err *err) { return gb_err_set(err, GB_ERR_RUNTIME, "out of memory"); }

/* The last override that touched path, or NULL. */
static const wl_override *wl_override_for(const wl_src *src, const char *path) {
  for (size_t i = src->n_ovr; i-- > 0;)
    if (wl_path_related(src->ovr[i].key, path))
      return &src->ovr[i];
  return NULL;
}

/* Fills err with "WHERE: key 'PATH': REASON", WHERE being "file:line" or "--set ARG"; -1. */
__attribute__((format(printf, 4, 5))) static int wl_fail(const wl_src *src, const char *path,
                                                         gb_err *err, const char *fmt, ...) {
  char reason[GB_ERR_MSG_MAX];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  char where[GB_ERR_MSG_MAX];
  const wl_override *o = src->ovr ? wl_override_for(src, path) : NULL;
  if (o)
    snprintf(where, sizeof where, "--set %s", o->arg);
  else if (src->ovr) /* not caused by one override alone: name the combination */
    snprintf(where, sizeof where, "%s with --set overrides", src->file);
  else
    snprintf(where, sizeof where, "%s:%zu", src->file, wl_line_of(src->doc, path));
  if (path[0] == '\0')
    return gb_err_set(err, GB_ERR_INPUT, "%s: %s", where, reason);
  return gb_err_set(err, GB_ERR_INPUT, "%s: key '%s': %s", where, path, reason);
}

/* ---- libcyaml errors ---- */

/* libcyaml 1.3 log formats understood here (src/load.c). Other error messages are reported
 * verbatim, still with the key path from the backtrace. */
#define WL_FMT_UNKNOWN_KEY "Load: Unexpected key: %s\n"
#define WL_FMT_BAD_ENUM "Load: Invalid ENUM value: %s\n"
#define WL_FMT_DUPLICATE "Load: Mapping field already seen: %s\n"
#define WL_FMT_EXPECTING "Load: Expecting %s, got event: %s\n"
#define WL_FMT_TOO_FEW "Load: Insufficient entries (%u of %u min) in sequence.\n"
#define WL_FMT_BACKTRACE "Load: Backtrace:\n"
#define WL_FMT_IN_MAPPING "  in mapping (line: %zu, column: %zu)\n"
#define WL_FMT_IN_FIELD "  in mapping field '%s' (line: %zu, column: %zu)\n"
#define WL_FMT_IN_ENTRY "  in sequence entry '%u' (line: %zu, column: %zu)\n"

typedef enum wl_problem {
  WL_NO_PROBLEM,
  WL_UNKNOWN_KEY,
  WL_BAD_ENUM,
  WL_DUPLICATE_KEY,
  WL_WRONG_SHAPE,
  WL_TOO_FEW,
  WL_OTHER
} wl_problem;

typedef struct wl_frame {
  bool is_entry;
  unsigned entry; /* sequence entries are counted from 1 in libcyaml's backtrace */
  char key[WL_TEXT_MAX];
} wl_frame;

/* The first error libcyaml logs during one load, with its backtrace. */
typedef struct wl_capture {
  wl_problem problem;
  char text[WL_TEXT_MAX];         /* the key, the value, the expected type, or the whole message */
  char got[WL_TEXT_MAX];          /* WL_WRONG_SHAPE: the YAML event found instead */
  unsigned count, min;            /* WL_TOO_FEW */
  int backtraces;                 /* frames are recorded from the first backtrace only */
  wl_frame frames[WL_FRAMES_MAX]; /* innermost first */
  size_t n_frames;
} wl_capture;

static void wl_capture_frame(wl_capture *c, bool is_entry, unsigned entry, const char *key) {
  if (c->backtraces != 1 || c->n_frames == WL_FRAMES_MAX)
    return;
  wl_frame *f = &c->frames[c->n_frames++];
  f->is_entry = is_entry;
  f->entry = entry;
  snprintf(f->key, sizeof f->key, "%s", key ? key : "");
}

static void wl_capture_problem(wl_capture *c, const char *fmt, va_list args) {
  if (strcmp(fmt, WL_FMT_UNKNOWN_KEY) == 0) {
    c->problem = WL_UNKNOWN_KEY;
    snprintf(c->text, sizeof c->text, "%s", va_arg(args, const char *));
  } else if (strcmp(fmt, WL_FMT_BAD_ENUM) == 0) {
    c->problem = WL_BAD_ENUM;
    snprintf(c->text, sizeof c->text, "%s", va_arg(args, const char *));
  } else if (strcmp(fmt, WL_FMT_DUPLICATE) == 0) {
    c->problem = WL_DUPLICATE_KEY;
    snprintf(c->text, sizeof c->text, "%s", va_arg(args, const char *));
  } else if (strcmp(fmt, WL_FMT_EXPECTING) == 0) {
    c->problem = WL_WRONG_SHAPE;
    snprintf(c->text, sizeof c->text, "%s", va_arg(args, const char *));
    snprintf(c->got, sizeof c->got, "%s", va_arg(args, const char *));
  } else if (strcmp(fmt, WL_FMT_TOO_FEW) == 0) {
    c->problem = WL_TOO_FEW;
    c->count = va_arg(args, unsigned);
    c->min = va_arg(args, unsigned);
  } else {
    c->problem = WL_OTHER;
    vsnprintf(c->text, sizeof c->text, fmt, args);
    c->text[strcspn(c->text, "\n")] = '\0';
  }
}

/* libcyaml's log_fn (log_ctx is the wl_capture of the current load). */
static void wl_cyaml_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args) {
  wl_capture *c = ctx;
  if (level < CYAML_LOG_ERROR)
    return;
  if (strcmp(fmt, WL_FMT_BACKTRACE) == 0) {
    c->backtraces++;
  } else if (strcmp(fmt, WL_FMT_IN_FIELD) == 0) {
    wl_capture_frame(c, false, 0, va_arg(args, const char *));
  } else if (strcmp(fmt, WL_FMT_IN_ENTRY) == 0) {
    wl_capture_frame(c, true, va_arg(args, unsigned), NULL);
  } else if (strcmp(fmt, WL_FMT_IN_MAPPING) == 0) {
    /* the mapping's own frame adds nothing to the key path */
  } else if (c->problem == WL_NO_PROBLEM) {
    wl_capture_problem(c, fmt, args);
  }
}

/* The key path of the backtrace, outermost first: "arms[1].weight". */
static void wl_capture_path(const wl_capture *c, char *path, size_t size) {
  path[0] = '\0';
  for (size_t i = c->n_frames; i-- > 0;) {
    const wl_frame *f = &c->frames[i];
    size_t len = strlen(path);
    if (!f->is_entry)
      wl_path_append_key(path, size, f->key);
    else if (f->entry > 0) /* entry 0 is the empty list of a "too few entries" error */
      snprintf(path + len, size - len, "[%u]", f->entry - 1);
  }
}

static const cyaml_schema_field_t *wl_schema_field(const cyaml_schema_value_t *v, const char *key,
                                                   size_t len) {
  if (v->type != CYAML_MAPPING)
    return NULL;
  for (const cyaml_schema_field_t *f = v->mapping.fields; f->key; f++)
    if (strlen(f->key) == len && strncmp(f->key, key, len) == 0)
      return f;
  return NULL;
}

/* The schema of the value at path, or NULL if the schema has no such key. */
static const cyaml_schema_value_t *wl_schema_find(const char *path) {
  const cyaml_schema_value_t *v = &wl_schema;
  wl_step s;
  while (v && wl_next_step(&path, &s)) {
    if (!s.key) {
      v = v->type == CYAML_SEQUENCE ? v->sequence.entry : NULL;
    } else {
      const cyaml_schema_field_t *f = wl_schema_field(v, s.key, s.key_len);
      v = f ? &f->value : NULL;
    }
  }
  return v;
}

/* "inproc, kafka": the names of the enumeration at path. */
static const char *wl_choices(const char *path, char *buf, size_t size) {
  const cyaml_schema_value_t *v = wl_schema_find(path);
  buf[0] = '\0';
  if (!v || v->type != CYAML_ENUM)
    return "the documented values";
  for (uint32_t i = 0; i < v->enumeration.count; i++) {
    size_t len = strlen(buf);
    snprintf(buf + len, size - len, "%s%s", i ? ", " : "", v->enumeration.strings[i].str);
  }
  return buf;
}

/* What the schema wanted, from libcyaml's type name. */
static const char *wl_expected(const char *type, const char *path, char *buf, size_t size) {
  if (strcmp(type, "MAPPING") == 0)
    return "a mapping of keys";
  if (strcmp(type, "SEQUENCE") == 0)
    return "a list";
  if (strcmp(type, "ENUM") == 0) {
    size_t len = (size_t)snprintf(buf, size, "one of ");
    wl_choices(path, buf + len, size - len);
    return buf;
  }
  return "a single value";
}

/* What the YAML had instead, from libcyaml's event name: a scalar is quoted from the tree. */
static const char *wl_found(const wl_src *src, const char *event, const char *path, char *buf,
                            size_t size) {
  if (strcmp(event, "SEQUENCE_START") == 0)
    return "a list";
  if (strcmp(event, "MAPPING_START") == 0)
    return "a mapping";
  yaml_node_t *n = wl_tree_find(src->doc, path, NULL);
  if (strcmp(event, "SCALAR") == 0 && n && n->type == YAML_SCALAR_NODE) {
    snprintf(buf, size, "'%s'", (const char *)n->data.scalar.value);
    return buf;
  }
  return "a single value";
}

static int wl_cyaml_error(const wl_src *src, const wl_capture *c, cyaml_err_t cerr, gb_err *err) {
  if (cerr == CYAML_ERR_OOM)
    return wl_oom(err);
  char path[WL_PATH_MAX], a[WL_TEXT_MAX], b[WL_TEXT_MAX];
  wl_capture_path(c, path, sizeof path);
  switch (c->problem) {
  case WL_UNKNOWN_KEY:
    wl_path_append_key(path, sizeof path, c->text);
    return wl_fail(src, path, err, "unknown key");
  case WL_DUPLICATE_KEY:
    return wl_fail(src, path, err, "duplicate key");
  case WL_BAD_ENUM:
    return wl_fail(src, path, err, "'%s' is not one of %s", c->text, wl_choices(path, a, sizeof a));
  case WL_WRONG_SHAPE:
    return wl_fail(src, path, err, "expected %s, got %s", wl_expected(c->text, path, a, sizeof a),
                   wl_found(src, c->got, path, b, sizeof b));
  case WL_TOO_FEW:
    return wl_fail(src, path, err, "needs at least %u %s, got %u", c->min,
                   c->min == 1 ? "entry" : "entries", c->count);
  case WL_OTHER:
    return wl_fail(src, path, err, "%s", strncmp(c->text, "Load: ", 6) ? c->text : c->text + 6);
  case WL_NO_PROBLEM:
    break;
  }
  return wl_fail(src, path, err, "cannot be loaded (%s)", cyaml_strerror(cerr));
}

/* ---- Scalars ---- */

typedef enum wl_num { WL_NUM_OK, WL_NUM_BAD, WL_NUM_RANGE } wl_num;

static bool wl_is_digit(char c) { return c >= '0' && c <= '9'; }

/* "-?[0-9]+" exactly (strtoll alone accepts spaces, '+' and trailing text). */
static wl_num wl_parse_int(const char *text, int64_t *out) {
  const char *digits = text[0] == '-' ? text + 1 : text;
  if (!wl_is_digit(digits[0]) || digits[strspn(digits, "0123456789")] != '\0')
    return WL_NUM_BAD;
  errno = 0;
  long long v = strtoll(text, NULL, 10);
  if (errno == ERANGE)
    return WL_NUM_RANGE;
  *out = v;
  return WL_NUM_OK;
}

/* "[0-9]+" within uint64_t; a negative integer is out of range, not malformed. */
static wl_num wl_parse_uint(const char *text, uint64_t *out) {
  int64_t ignored;
  if (text[0] == '-')
    return wl_parse_int(text, &ignored) == WL_NUM_BAD ? WL_NUM_BAD : WL_NUM_RANGE;
  if (!wl_is_digit(text[0]) || text[strspn(text, "0123456789")] != '\0')
    return WL_NUM_BAD;
  errno = 0;
  unsigned long long v = strtoull(text, NULL, 10);
  if (errno == ERANGE)
    return WL_NUM_RANGE;
  *out = v;
  return WL_NUM_OK;
}

/* A finite decimal number ("2", "0.5", "1e3"); strtod alone would also take leading spaces,
 * hexadecimal, "inf" and "nan". */
static wl_num wl_parse_double(const char *text, double *out) {
  if (text[0] == '\0' || text[strspn(text, "0123456789+-.eE")] != '\0')
    return WL_NUM_BAD;
  char *end = NULL;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || *end != '\0' || isnan(v))
    return WL_NUM_BAD;
  if (errno == ERANGE || !isfinite(v))
    return WL_NUM_RANGE;
  *out = v;
  return WL_NUM_OK;
}

/* Shortest text that reads back as the same double: 0.1 -> "0.1" (not 0.10000000000000001),
 * 720 -> "720" (not 7.2e+02: whole numbers below 1e17 print exactly without an exponent). */
static void wl_format_double(double v, char *buf, size_t size) {
  if (v == floor(v) && fabs(v) < 1e17) {
    snprintf(buf, size, "%.0f", v);
    return;
  }
  for (int precision = 1; precision <= 17; precision++) {
    snprintf(buf, size, "%.*g", precision, v);
    if (strtod(buf, NULL) == v)
      return;
  }
}

static bool wl_valid_name(const char *s) {
  size_t len = strlen(s);
  return len >= 1 && len <= WL_NAME_MAX &&
         s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")] == '\0';
}

/* One "host:port" of a broker list: a non-empty host without spaces, a port 1 .. 65535. */
static bool wl_valid_broker(const char *s, size_t len) {
  const char *colon = NULL;
  for (const char *c = s; c < s + len; c++)
    if (*c == ':')
      colon = c;
  if (!colon || colon == s || memchr(s, ' ', (size_t)(colon - s)))
    return false;
  size_t port_len = (size_t)(s + len - colon - 1);
  if (port_len < 1 || port_len > 5)
    return false;
  long port = 0;
  for (const char *c = colon + 1; c < s + len; c++) {
    if (!wl_is_digit(*c))
      return false;
    port = port * 10 + (*c - '0');
  }
  return port >= 1 && port <= WL_PORT_MAX;
}

static bool wl_valid_brokers(const char *s) {
  if (strcmp(s, "embedded") == 0)
    return true;
  for (;;) {
    size_t len = strcspn(s, ",");
    if (!wl_valid_broker(s, len))
      return false;
    if (s[len] == '\0')
      return true;
    s += len + 1;
  }
}

/* "YYYY-MM-DDTHH:MM:SSZ" exactly, a real date and time: formatting the parsed time must give
 * the text back, which rejects 2026-02-30 and unpadded fields. */
static bool wl_parse_time(const char *text, int64_t *out_ms) {
  struct tm tm = {0};
  const char *rest = strptime(text, WL_TIME_FORMAT, &tm);
  if (!rest || *rest != '\0')
    return false;
  time_t t = timegm(&tm);
  struct tm check;
  char again[sizeof "YYYY-MM-DDTHH:MM:SSZ" + 8];
  if (!gmtime_r(&t, &check) || strftime(again, sizeof again, WL_TIME_FORMAT, &check) == 0 ||
      strcmp(again, text) != 0)
    return false;
  *out_ms = (int64_t)t * 1000;
  return true;
}

static void wl_format_time(int64_t ms, char *buf, size_t size) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  if (!gmtime_r(&t, &tm) || strftime(buf, size, WL_TIME_FORMAT, &tm) == 0)
    snprintf(buf, size, "%" PRId64 "ms", ms);
}

/* ---- Field conversion: each reads one key (NULL text = absent = default) ---- */

typedef struct wl_ctx {
  const wl_src *src;
  gb_err *err;
} wl_ctx;

static int wl_get_int(const wl_ctx *c, const char *path, const char *text, int64_t def, int64_t min,
                      int64_t max, int64_t *out) {
  int64_t v = def;
  wl_num r = text ? wl_parse_int(text, &v) : WL_NUM_OK;
  if (r == WL_NUM_BAD)
    return wl_fail(c->src, path, c->err, "expected an integer, got '%s'", text);
  if (r == WL_NUM_RANGE || v < min || v > max)
    return wl_fail(c->src, path, c->err, "%s is out of range (%" PRId64 " .. %" PRId64 ")", text,
                   min, max);
  *out = v;
  return 0;
}

static int wl_get_u32(const wl_ctx *c, const char *path, const char *text, int64_t def, int64_t min,
                      int64_t max, uint32_t *out) {
  int64_t v;
  if (wl_get_int(c, path, text, def, min, max, &v) != 0)
    return -1;
  *out = (uint32_t)v;
  return 0;
}

static int wl_get_seed(const wl_ctx *c, const char *path, const char *text, uint64_t *out) {
  uint64_t v = wl_default_seed;
  wl_num r = text ? wl_parse_uint(text, &v) : WL_NUM_OK;
  if (r == WL_NUM_BAD)
    return wl_fail(c->src, path, c->err, "expected an integer, got '%s'", text);
  if (r == WL_NUM_RANGE)
    return wl_fail(c->src, path, c->err, "%s is out of range (0 .. %" PRIu64 ")", text, UINT64_MAX);
  *out = v;
  return 0;
}

/* A finite number > 0. */
static int wl_get_positive(const wl_ctx *c, const char *path, const char *text, double def,
                           double *out) {
  double v = def;
  wl_num r = text ? wl_parse_double(text, &v) : WL_NUM_OK;
  if (r == WL_NUM_BAD)
    return wl_fail(c->src, path, c->err, "expected a number, got '%s'", text);
  if (r == WL_NUM_RANGE || !(v > 0))
    return wl_fail(c->src, path, c->err, "%s is out of range (> 0)", text);
  *out = v;
  return 0;
}

/* A finite number in [min, max]. */
static int wl_get_double(const wl_ctx *c, const char *path, const char *text, double def,
                         double min, double max, double *out) {
  double v = def;
  wl_num r = text ? wl_parse_double(text, &v) : WL_NUM_OK;
  if (r == WL_NUM_BAD)
    return wl_fail(c->src, path, c->err, "expected a number, got '%s'", text);
  if (r == WL_NUM_RANGE || !(v >= min && v <= max))
    return wl_fail(c->src, path, c->err, "%s is out of range (%g .. %g)", text, min, max);
  *out = v;
  return 0;
}

/* A duration of at least min_ms (callers pass 0 or 1). */
static int wl_get_duration(const wl_ctx *c, const char *path, const char *text, int64_t def,
                           int64_t min_ms, int64_t *out) {
  int64_t v = def;
  gb_err derr = {0};
  if (text && gb_duration_parse_ms(text, &v, &derr) != 0)
    return wl_fail(c->src, path, c->err, "%s", derr.msg);
  if (v < min_ms)
    return wl_fail(c->src, path, c->err, "%s is out of range (> 0)", text);
  *out = v;
  return 0;
}

/* sim.time_scale: a number > 0, or "max" (stored as 0, the default). */
static int wl_get_time_scale(const wl_ctx *c, const char *path, const char *text, double *out) {
  if (!text || strcmp(text, "max") == 0) {
    *out = 0;
    return 0;
  }
  double v = 0;
  wl_num r = wl_parse_double(text, &v);
  if (r == WL_NUM_BAD)
    return wl_fail(c->src, path, c->err, "expected a number or max, got '%s'", text);
  if (r == WL_NUM_RANGE || !(v > 0))
    return wl_fail(c->src, path, c->err, "%s is out of range (> 0, or max)", text);
  *out = v;
  return 0;
}

static int wl_get_time(const wl_ctx *c, const char *path, const char *text, int64_t *out) {
  const char *t = text ? text : WL_DEFAULT_START;
  if (!wl_parse_time(t, out))
    return wl_fail(c->src, path, c->err, "'%s' is not a UTC time like %s", t, WL_DEFAULT_START);
  return 0;
}

/* A copy of text (or of def when absent); empty text is an error. */
static int wl_get_string(const wl_ctx *c, const char *path, const char *text, const char *def,
                         char **out) {
  const char *s = text ? text : def;
  if (s[0] == '\0')
    return wl_fail(c->src, path, c->err, "must not be empty");
  *out = strdup(s);
  return *out ? 0 : wl_oom(c->err);
}

static int wl_get_name(const wl_ctx *c, const char *path, const char *text, const char *def,
                       char **out) {
  if (!text && !def)
    return wl_fail(c->src, path, c->err, "required key is missing");
  const char *s = text ? text : def;
  if (!wl_valid_name(s))
    return wl_fail(c->src, path, c->err,
                   "'%s' is not a valid name (1 .. %d characters from A-Z a-z 0-9 _ . -)", s,
                   WL_NAME_MAX);
  return wl_get_string(c, path, s, s, out);
}

/* The name of enumeration value v (absent: def). */
static const char *wl_enum_name(const cyaml_strval_t *list, size_t n, const int *v, int def) {
  int want = v ? *v : def;
  for (size_t i = 0; i < n; i++)
    if (list[i].val == want)
      return list[i].str;
  return list[0].str; /* unreachable: libcyaml only stores listed values */
}

/* path resolved against the folder of the workload file, unless absolute. */
static int wl_resolve(const char *file, const char *path, char **out, gb_err *err) {
  const char *slash = strrchr(file, '/');
  int dir_len = path[0] == '/' || !slash ? 0 : (int)(slash - file + 1);
  size_t size = (size_t)dir_len + strlen(path) + 1;
  *out = malloc(size);
  if (!*out)
    return wl_oom(err);
  snprintf(*out, size, "%.*s%s", dir_len, file, path);
  return 0;
}

/* ---- Sections ---- */

static int wl_conv_top(const wl_ctx *c, const wl_raw *r, gb_workload *w) {
  int64_t warmup_ms = 0;
  if (wl_get_name(c, "name", r->name, NULL, &w->name) != 0 ||
      wl_get_seed(c, "seed", r->seed, &w->seed) != 0 ||
      wl_get_duration(c, "warmup", r->warmup, 0, 0, &warmup_ms) != 0)
    return -1;
  w->warmup_ns = warmup_ms * 1000000; /* fits: durations are at most GB_DURATION_MAX_MS */
  return 0;
}

static int wl_conv_retention(const wl_ctx *c, const wl_raw_retention *r, gb_sim_model *m) {
  static const wl_raw_retention absent = {0};
  r = r ? r : &absent;
  bool bad =
      wl_get_double(c, "sim.retention.d1", r->d1, m->retention_d1, 0, 1, &m->retention_d1) != 0 ||
      wl_get_double(c, "sim.retention.d7", r->d7, m->retention_d7, 0, 1, &m->retention_d7) != 0 ||
      wl_get_double(c, "sim.retention.completion_effect", r->completion_effect,
                    m->completion_effect, 0, GB_SIM_EFFECT_MAX, &m->completion_effect) != 0 ||
      wl_get_double(c, "sim.retention.spam_effect", r->spam_effect, m->spam_effect, 0,
                    GB_SIM_EFFECT_MAX, &m->spam_effect) != 0;
  return bad ? -1 : 0;
}

/* The population keys (gb_sim_model.h), their cross-checks and the population's size. */
static int wl_conv_sim_model(const wl_ctx *c, const wl_raw_sim *s, gb_workload *w) {
  gb_sim_model *m = &w->sim.model;
  *m = gb_sim_model_defaults();
  int64_t peak = m->peak_hour;
  if (wl_get_double(c, "sim.arrivals", s->arrivals, m->arrival_rate, 0, GB_SIM_ARRIVAL_RATE_MAX,
                    &m->arrival_rate) != 0 ||
      wl_get_double(c, "sim.sessions_per_day", s->sessions_per_day, m->sessions_per_day,
                    GB_SIM_SESSIONS_PER_DAY_MIN, GB_SIM_SESSIONS_PER_DAY_MAX,
                    &m->sessions_per_day) != 0 ||
      wl_get_duration(c, "sim.session_length", s->session_length, m->session_scale_ms, 1,
                      &m->session_scale_ms) != 0)
    return -1;
  if (m->session_scale_ms < GB_SIM_SESSION_SCALE_MIN_MS ||
      m->session_scale_ms > GB_SIM_SESSION_SCALE_MAX_MS)
    return wl_fail(c->src, "sim.session_length", c->err, "%s is out of range (1s .. 1d)",
                   s->session_length);
  if (wl_get_double(c, "sim.session_shape", s->session_shape, m->session_shape,
                    GB_SIM_SESSION_SHAPE_MIN, GB_SIM_SESSION_SHAPE_MAX, &m->session_shape) != 0 ||
      wl_get_int(c, "sim.peak_hour", s->peak_hour, peak, 0, 23, &peak) != 0 ||
      wl_get_double(c, "sim.payer_share", s->payer_share, m->payer_share, 0, 1, &m->payer_share) !=
          0 ||
      wl_conv_retention(c, s->retention, m) != 0)
    return -1;
  m->peak_hour = (int)peak;
  char key[WL_PATH_MAX], path[WL_PATH_MAX + 8];
  gb_err merr = {0};
  if (gb_sim_model_check(m, key, sizeof key, &merr) != 0) {
    snprintf(path, sizeof path, "sim.%s", key);
    return wl_fail(c->src, path, c->err, "%s", merr.msg);
  }
  uint64_t population = gb_sim_population(w->sim.players, w->sim.duration_ms, m);
  if (population > GB_SIM_POPULATION_MAX)
    return wl_fail(c->src, "sim.arrivals", c->err,
                   "%g x sim.players new players a day over sim.duration make %" PRIu64
                   " players, above the maximum of %llu",
                   m->arrival_rate, population, (unsigned long long)GB_SIM_POPULATION_MAX);
  return 0;
}

static int wl_conv_sim(const wl_ctx *c, const wl_raw_sim *s, gb_workload *w) {
  static const wl_raw_sim absent = {0};
  s = s ? s : &absent;
  if (wl_get_u32(c, "sim.players", s->players, wl_default_players, 1, WL_PLAYERS_MAX,
                 &w->sim.players) != 0)
    return -1;
  if (!s->duration)
    return wl_fail(c->src, "sim.duration", c->err, "required key is missing");
  if (wl_get_duration(c, "sim.duration", s->duration, 0, 1, &w->sim.duration_ms) != 0 ||
      wl_get_time_scale(c, "sim.time_scale", s->time_scale, &w->sim.time_scale) != 0 ||
      wl_get_u32(c, "sim.threads", s->threads, 1, 1, WL_THREADS_MAX, &w->sim.threads) != 0 ||
      wl_get_time(c, "sim.start", s->start, &w->sim.start_ms) != 0)
    return -1;
  return wl_conv_sim_model(c, s, w);
}

static int wl_conv_engine(const wl_ctx *c, const wl_raw_engine *e, gb_workload *w) {
  static const wl_raw_engine absent = {0};
  e = e ? e : &absent;
  if (wl_get_u32(c, "engine.threads", e->threads, 1, 1, WL_THREADS_MAX, &w->engine.threads) != 0)
    return -1;
  /* The queue is a ring indexed with a mask: a power of two, in range. */
  const char *qtext = e->queue_capacity;
  int64_t q;
  if (wl_get_int(c, "engine.queue_capacity", qtext, wl_default_queue, INT64_MIN, INT64_MAX, &q) !=
      0)
    return -1;
  if (q < WL_QUEUE_MIN || q > WL_QUEUE_MAX || (q & (q - 1)) != 0)
    return wl_fail(c->src, "engine.queue_capacity", c->err,
                   "%s is out of range (a power of two, %d .. %d)", qtext, WL_QUEUE_MIN,
                   WL_QUEUE_MAX);
  w->engine.queue_capacity = (uint32_t)q;
  char *rel = NULL;
  if (wl_get_string(c, "engine.challenges", e->challenges, WL_DEFAULT_CHALLENGES, &rel) != 0)
    return -1;
  int rc = wl_resolve(c->src->file, rel, &w->engine.challenges, c->err);
  free(rel);
  if (rc != 0)
    return -1;
  const char *matcher = wl_enum_name(wl_matchers, WL_COUNT(wl_matchers), e->matcher, 0);
  return wl_get_string(c, "engine.matcher", matcher, matcher, &w->engine.matcher);
}

static int wl_conv_transport(const wl_ctx *c, const wl_raw_transport *t, gb_workload *w) {
  static const wl_raw_transport absent = {0};
  t = t ? t : &absent;
  w->transport.kind = t->kind ? (gb_transport_kind)*t->kind : GB_TRANSPORT_INPROC;
  w->transport.format = t->format ? (gb_wire_format)*t->format : GB_FORMAT_BINARY;
  if (t->brokers && !wl_valid_brokers(t->brokers))
    return wl_fail(c->src, "transport.brokers", c->err,
                   "'%s' is not embedded or host:port[,host:port...]", t->brokers);
  if (wl_get_string(c, "transport.brokers", t->brokers, WL_DEFAULT_BROKERS,
                    &w->transport.brokers) != 0)
    return -1;
  return wl_get_u32(c, "transport.partitions", t->partitions, wl_default_partitions, 1,
                    WL_PARTITIONS_MAX, &w->transport.partitions);
}

static int wl_conv_arm(const wl_ctx *c, const wl_raw_arm *a, size_t i, gb_workload *w) {
  char path[WL_PATH_MAX];
  gb_arm_config *arm = &w->arms[i];
  snprintf(path, sizeof path, "arms[%zu].name", i);
  if (wl_get_name(c, path, a->name, NULL, &arm->name) != 0)
    return -1;
  for (size_t j = 0; j < i; j++)
    if (strcmp(w->arms[j].name, arm->name) == 0)
      return wl_fail(c->src, path, c->err, "duplicate arm name '%s' (also arms[%zu].name)",
                     arm->name, j);
  snprintf(path, sizeof path, "arms[%zu].algorithm", i);
  if (!a->algorithm)
    return wl_fail(c->src, path, c->err, "required key is missing");
  const char *algo = wl_enum_name(wl_algorithms, WL_COUNT(wl_algorithms), a->algorithm, 0);
  if (wl_get_string(c, path, algo, algo, &arm->algorithm) != 0)
    return -1;
  snprintf(path, sizeof path, "arms[%zu].weight", i);
  return wl_get_positive(c, path, a->weight, 1.0, &arm->weight);
}

static int wl_conv_arms(const wl_ctx *c, const wl_raw *r, gb_workload *w) {
  int random_algorithm = 0; /* wl_algorithms[0] */
  wl_raw_arm default_arm = {"random", &random_algorithm, NULL};
  const wl_raw_arm *arms = r->arms ? r->arms : &default_arm;
  size_t n = r->arms ? r->arms_count : 1;
  w->arms = calloc(n, sizeof *w->arms);
  if (!w->arms)
    return wl_oom(c->err);
  w->n_arms = n;
  for (size_t i = 0; i < n; i++)
    if (wl_conv_arm(c, &arms[i], i, w) != 0)
      return -1;
  return 0;
}

static int wl_conv_output(const wl_ctx *c, const wl_raw_output *o, gb_workload *w) {
  static const wl_raw_output absent = {0};
  o = o ? o : &absent;
  w->output.plots = o->plots ? *o->plots != 0 : true;
  return wl_get_string(c, "output.dir", o->dir, WL_DEFAULT_OUTPUT_DIR, &w->output.dir);
}

/* Validates raw and builds the workload (without resolved_json). */
static int wl_convert(const wl_src *src, const wl_raw *raw, gb_workload **out, gb_err *err) {
  wl_ctx c = {src, err};
  gb_workload *w = calloc(1, sizeof *w);
  if (!w)
    return wl_oom(err);
  w->path = strdup(src->file);
  if (!w->path || wl_conv_top(&c, raw, w) != 0 || wl_conv_sim(&c, raw->sim, w) != 0 ||
      wl_conv_engine(&c, raw->engine, w) != 0 || wl_conv_transport(&c, raw->transport, w) != 0 ||
      wl_conv_arms(&c, raw, w) != 0 || wl_conv_output(&c, raw->output, w) != 0) {
    if (!w->path)
      wl_oom(err);
    gb_workload_free(w);
    return -1;
  }
  *out = w;
  return 0;
}

/* Loads text (whose tree is src->doc) through libcyaml and validates it. */
static int wl_load_text(const wl_src *src, const char *text, size_t len, gb_workload **out,
                        gb_err *err) {
  wl_capture cap;
  memset(&cap, 0, sizeof cap);
  const cyaml_config_t cfg = {
      .log_fn = wl_cyaml_log,
      .log_ctx = &cap,
      .mem_fn = cyaml_mem,
      .log_level = CYAML_LOG_ERROR,
      .flags = CYAML_CFG_DEFAULT, /* unknown keys are errors */
  };
  wl_raw *raw = NULL;
  cyaml_err_t cerr =
      cyaml_load_data((const uint8_t *)text, len, &cfg, &wl_schema, (cyaml_data_t **)&raw, NULL);
  if (cerr != CYAML_OK)
    return wl_cyaml_error(src, &cap, cerr, err);
  int rc = wl_convert(src, raw, out, err);
  cyaml_free(&cfg, &wl_schema, raw, 0);
  return rc;
}

/* ---- Reading and parsing the file ---- */

static int wl_read_file(const char *path, char **out, size_t *len, gb_err *err) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return gb_err_set(err, GB_ERR_INPUT, "%s: cannot open: %s", path, strerror(errno));
  char *buf = malloc(WL_FILE_MAX + 1);
  if (!buf) {
    fclose(f);
    return wl_oom(err);
  }
  size_t n = fread(buf, 1, WL_FILE_MAX + 1, f);
  int read_errno = ferror(f) ? errno : 0;
  fclose(f);
  if (read_errno || n > WL_FILE_MAX) {
    free(buf);
    if (read_errno)
      return gb_err_set(err, GB_ERR_INPUT, "%s: cannot read: %s", path, strerror(read_errno));
    return gb_err_set(err, GB_ERR_INPUT, "%s: too large for a workload file (over %d MiB)", path,
                      WL_FILE_MAX >> 20);
  }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return 0;
}

static int wl_syntax_error(const char *label, const yaml_parser_t *p, gb_err *err) {
  if (p->error == YAML_MEMORY_ERROR)
    return wl_oom(err);
  const char *problem = p->problem ? p->problem : "syntax error";
  if (p->context)
    return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: invalid YAML: %s (%s)", label,
                      p->problem_mark.line + 1, problem, p->context);
  return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: invalid YAML: %s", label, p->problem_mark.line + 1,
                    problem);
}

/* Fails unless the rest of the stream holds no second document. */
static int wl_check_single_document(const char *label, yaml_parser_t *p, gb_err *err) {
  yaml_document_t next;
  if (!yaml_parser_load(p, &next))
    return wl_syntax_error(label, p, err);
  yaml_node_t *root = yaml_document_get_root_node(&next);
  size_t line = root ? root->start_mark.line + 1 : 0;
  yaml_document_delete(&next);
  if (root)
    return gb_err_set(err, GB_ERR_INPUT,
                      "%s:%zu: a second YAML document (a workload is a single mapping)", label,
                      line);
  return 0;
}

static const char *wl_node_kind(const yaml_node_t *n) {
  return n->type == YAML_SEQUENCE_NODE  ? "a list"
         : n->type == YAML_MAPPING_NODE ? "a mapping"
                                        : "a single value";
}

/* libcyaml cannot read keys that are lists or mappings ("? [a]\n: 1") and would blame another
 * key: report them here, with their line. depth bounds the walk (aliases can make the tree
 * cyclic); the schema is WL_SCHEMA_DEPTH mappings deep. */
enum { WL_SCHEMA_DEPTH = 3 };
static int wl_check_keys(const char *label, yaml_document_t *doc, int id, int depth, gb_err *err) {
  yaml_node_t *n = yaml_document_get_node(doc, id);
  if (!n || depth > WL_SCHEMA_DEPTH)
    return 0;
  if (n->type == YAML_SEQUENCE_NODE)
    for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++)
      if (wl_check_keys(label, doc, *i, depth + 1, err) != 0)
        return -1;
  if (n->type != YAML_MAPPING_NODE)
    return 0;
  for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
    yaml_node_t *key = yaml_document_get_node(doc, p->key);
    if (key && key->type != YAML_SCALAR_NODE)
      return gb_err_set(err, GB_ERR_INPUT, "%s:%zu: a key must be a single value, got %s", label,
                        key->start_mark.line + 1, wl_node_kind(key));
    if (wl_check_keys(label, doc, p->value, depth + 1, err) != 0)
      return -1;
  }
  return 0;
}

/* Parses text into *doc, which must then be a single non-empty mapping; on success the
 * caller deletes *doc. label names the text in errors. */
static int wl_parse_tree(const char *label, const char *text, size_t len, yaml_document_t *doc,
                         gb_err *err) {
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p))
    return wl_oom(err);
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  int rc = -1;
  if (!yaml_parser_load(&p, doc)) {
    wl_syntax_error(label, &p, err);
    goto out;
  }
  yaml_node_t *root = yaml_document_get_root_node(doc);
  if (!root)
    gb_err_set(err, GB_ERR_INPUT, "%s:1: empty workload (it needs at least name and sim.duration)",
               label);
  else if (root->type != YAML_MAPPING_NODE)
    gb_err_set(err, GB_ERR_INPUT, "%s:%zu: expected a mapping of keys at the top level, got %s",
               label, root->start_mark.line + 1, wl_node_kind(root));
  else if (wl_check_keys(label, doc, 1, 0, err) == 0)
    rc = wl_check_single_document(label, &p, err);
  if (rc != 0)
    yaml_document_delete(doc);
out:
  yaml_parser_delete(&p);
  return rc;
}

/* ---- --set overrides ---- */

static int wl_bad_override(const char *arg, gb_err *err) {
  return gb_err_set(err, GB_ERR_INPUT, "--set %s: expected key.path=value", arg);
}

/* Checks o->key against the schema: a known key that holds a single value. */
static int wl_override_check_key(const wl_override *o, gb_err *err) {
  const cyaml_schema_value_t *v = &wl_schema;
  const char *seg = o->key;
  for (;;) {
    size_t len = strcspn(seg, ".");
    size_t name_len = strcspn(seg, ".[");
    const cyaml_schema_field_t *f = wl_schema_field(v, seg, name_len);
    if (f && f->value.type == CYAML_SEQUENCE)
      return gb_err_set(err, GB_ERR_INPUT,
                        "--set %s: key '%.*s': is a list, which --set cannot change (edit the "
                        "workload file)",
                        o->arg, (int)(seg - o->key + name_len), o->key);
    if (!f || name_len != len)
      return gb_err_set(err, GB_ERR_INPUT, "--set %s: key '%s': unknown key", o->arg, o->key);
    v = &f->value;
    if (seg[len] == '\0')
      break;
    seg += len + 1;
  }
  if (v->type == CYAML_MAPPING)
    return gb_err_set(err, GB_ERR_INPUT,
                      "--set %s: key '%s': is a section; set its keys one by one (e.g. %s.%s=...)",
                      o->arg, o->key, o->key, v->mapping.fields[0].key);
  return 0;
}

/* The value of --set read as a YAML scalar ("'a b'" -> "a b", "" -> ""). */
static int wl_override_value(wl_override *o, const char *text, gb_err *err) {
  yaml_parser_t p;
  yaml_document_t doc;
  if (!yaml_parser_initialize(&p))
    return wl_oom(err);
  yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
  int rc = -1;
  if (!yaml_parser_load(&p, &doc)) {
    gb_err_set(err, GB_ERR_INPUT, "--set %s: the value is not valid YAML: %s", o->arg,
               p.problem ? p.problem : "syntax error");
    goto out;
  }
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  if (root && root->type != YAML_SCALAR_NODE)
    gb_err_set(err, GB_ERR_INPUT, "--set %s: key '%s': expected a single value, got %s", o->arg,
               o->key, root->type == YAML_SEQUENCE_NODE ? "a list" : "a mapping");
  else if (!(o->value = strdup(root ? (const char *)root->data.scalar.value : "")))
    wl_oom(err);
  else
    rc = 0;
  yaml_document_delete(&doc);
out:
  yaml_parser_delete(&p);
  return rc;
}

static int wl_parse_override(const char *arg, wl_override *o, gb_err *err) {
  o->arg = arg;
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg)
    return wl_bad_override(arg, err);
  size_t key_len = (size_t)(eq - arg);
  /* every step of the key path is non-empty: no ".a", "a.", "a..b" */
  if (arg[0] == '.' || arg[key_len - 1] == '.' || memmem(arg, key_len, "..", 2))
    return wl_bad_override(arg, err);
  o->key = strndup(arg, key_len);
  if (!o->key)
    return wl_oom(err);
  if (wl_override_check_key(o, err) != 0)
    return -1;
  return wl_override_value(o, eq + 1, err);
}

static void wl_overrides_free(wl_override *ovr, size_t n) {
  for (size_t i = 0; ovr && i < n; i++) {
    free(ovr[i].key);
    free(ovr[i].value);
  }
  free(ovr);
}

static int wl_add_scalar(yaml_document_t *doc, const char *s, size_t len) {
  return yaml_document_add_scalar(doc, NULL, (yaml_char_t *)s, (int)len, YAML_PLAIN_SCALAR_STYLE);
}

/* Sets o in the tree, creating the sections on its path that the file leaves out. */
static int wl_apply_override(yaml_document_t *doc, const wl_override *o, gb_err *err) {
  int map = 1; /* the root */
  const char *seg = o->key;
  for (;;) {
    size_t len = strcspn(seg, ".");
    bool leaf = seg[len] == '\0';
    long i = wl_pair_index(doc, map, seg, len);
    int value;
    if (leaf) {
      value = wl_add_scalar(doc, o->value, strlen(o->value));
      if (!value) /* libyaml checks the text: invalid UTF-8 is refused */
        return gb_err_set(err, GB_ERR_INPUT, "--set %s: the value is not valid UTF-8", o->arg);
    } else if (i >= 0) {
      value = yaml_document_get_node(doc, map)->data.mapping.pairs.start[i].value;
      /* the schema check made this step a section, and the file passed validation */
      if (yaml_document_get_node(doc, value)->type != YAML_MAPPING_NODE)
        return gb_err_set(err, GB_ERR_INPUT, "--set %s: key '%.*s' is not a section", o->arg,
                          (int)(seg - o->key + len), o->key);
    } else {
      value = yaml_document_add_mapping(doc, NULL, YAML_BLOCK_MAPPING_STYLE);
    }
    if (i < 0) {
      int key = wl_add_scalar(doc, seg, len);
      if (!value || !key || !yaml_document_append_mapping_pair(doc, map, key, value))
        return wl_oom(err);
    } else if (leaf) {
      yaml_document_get_node(doc, map)->data.mapping.pairs.start[i].value = value;
    }
    if (leaf)
      return 0;
    map = value;
    seg += len + 1;
  }
}

/* Emits doc as YAML text into *out (heap); doc is consumed (libyaml destroys it). */
static int wl_emit(yaml_document_t *doc, char **out, size_t *len, gb_err *err) {
  char *buf = NULL;
  size_t size = 0;
  FILE *f = open_memstream(&buf, &size);
  yaml_emitter_t e;
  if (!f || !yaml_emitter_initialize(&e)) {
    if (f)
      fclose(f);
    free(buf);
    yaml_document_delete(doc);
    return wl_oom(err);
  }
  yaml_emitter_set_output_file(&e, f);
  yaml_emitter_set_unicode(&e, 1);
  /* dump hands the nodes and directives to the emitter, which frees them: no document delete */
  bool ok = yaml_emitter_dump(&e, doc) && yaml_emitter_close(&e) && yaml_emitter_flush(&e);
  char problem[WL_TEXT_MAX];
  snprintf(problem, sizeof problem, "%s", e.problem ? e.problem : "out of memory");
  yaml_emitter_delete(&e);
  if (fclose(f) != 0 || !ok) {
    free(buf);
    return gb_err_set(err, GB_ERR_RUNTIME, "cannot write the workload with overrides: %s", problem);
  }
  *out = buf;
  *len = size;
  return 0;
}

/* Applies the overrides to the file's tree (consuming it), then loads and validates the
 * result with errors attributed to the overrides. */
static int wl_load_overridden(const char *path, yaml_document_t *doc, const wl_override *ovr,
                              size_t n, gb_workload **out, gb_err *err) {
  for (size_t i = 0; i < n; i++) {
    if (wl_apply_override(doc, &ovr[i], err) != 0) {
      yaml_document_delete(doc);
      return -1;
    }
  }
  char *text = NULL;
  size_t len = 0;
  if (wl_emit(doc, &text, &len, err) != 0)
    return -1;
  yaml_document_t merged;
  int rc = wl_parse_tree(path, text, len, &merged, err);
  if (rc == 0) {
    wl_src src = {path, &merged, ovr, n};
    rc = wl_load_text(&src, text, len, out, err);
    yaml_document_delete(&merged);
  }
  free(text);
  return rc;
}

/* ---- resolved_json ---- */

/* Adds val under key; false (val freed) when val is NULL (out of memory) or adding fails. */
static bool wl_json_put(json_object *obj, const char *key, json_object *val) {
  if (val && json_object_object_add(obj, key, val) == 0)
    return true;
  json_object_put(val);
  return false;
}

static json_object *wl_json_double(double v) {
  char buf[WL_DOUBLE_TEXT];
  wl_format_double(v, buf, sizeof buf);
  return json_object_new_double_s(v, buf);
}

static json_object *wl_json_duration(int64_t ms) {
  char buf[GB_DURATION_TEXT_MAX];
  gb_duration_format_ms(ms, buf, sizeof buf);
  return json_object_new_string(buf);
}

static json_object *wl_json_retention(const gb_sim_model *m) {
  json_object *o = json_object_new_object();
  bool ok = o && wl_json_put(o, "d1", wl_json_double(m->retention_d1)) &&
            wl_json_put(o, "d7", wl_json_double(m->retention_d7)) &&
            wl_json_put(o, "completion_effect", wl_json_double(m->completion_effect)) &&
            wl_json_put(o, "spam_effect", wl_json_double(m->spam_effect));
  if (!ok)
    json_object_put(o);
  return ok ? o : NULL;
}

static json_object *wl_json_sim(const gb_workload *w) {
  const gb_sim_model *m = &w->sim.model;
  json_object *o = json_object_new_object();
  char start[WL_TEXT_MAX];
  wl_format_time(w->sim.start_ms, start, sizeof start);
  bool ok = o && wl_json_put(o, "players", json_object_new_int64(w->sim.players)) &&
            wl_json_put(o, "duration", wl_json_duration(w->sim.duration_ms)) &&
            wl_json_put(o, "time_scale",
                        w->sim.time_scale > 0 ? wl_json_double(w->sim.time_scale)
                                              : json_object_new_string("max")) &&
            wl_json_put(o, "threads", json_object_new_int64(w->sim.threads)) &&
            wl_json_put(o, "start", json_object_new_string(start)) &&
            wl_json_put(o, "arrivals", wl_json_double(m->arrival_rate)) &&
            wl_json_put(o, "sessions_per_day", wl_json_double(m->sessions_per_day)) &&
            wl_json_put(o, "session_length", wl_json_duration(m->session_scale_ms)) &&
            wl_json_put(o, "session_shape", wl_json_double(m->session_shape)) &&
            wl_json_put(o, "peak_hour", json_object_new_int64(m->peak_hour)) &&
            wl_json_put(o, "payer_share", wl_json_double(m->payer_share)) &&
            wl_json_put(o, "retention", wl_json_retention(m));
  if (!ok)
    json_object_put(o);
  return ok ? o : NULL;
}

static json_object *wl_json_engine(const gb_workload *w) {
  json_object *o = json_object_new_object();
  bool ok = o && wl_json_put(o, "threads", json_object_new_int64(w->engine.threads)) &&
            wl_json_put(o, "queue_capacity", json_object_new_int64(w->engine.queue_capacity)) &&
            wl_json_put(o, "challenges", json_object_new_string(w->engine.challenges)) &&
            wl_json_put(o, "matcher", json_object_new_string(w->engine.matcher));
  if (!ok)
    json_object_put(o);
  return ok ? o : NULL;
}

static json_object *wl_json_transport(const gb_workload *w) {
  json_object *o = json_object_new_object();
  int kind_value = (int)w->transport.kind;
  const char *kind = wl_enum_name(wl_transports, WL_COUNT(wl_transports), &kind_value, 0);
  int format_value = (int)w->transport.format;
  const char *format = wl_enum_name(wl_formats, WL_COUNT(wl_formats), &format_value, 0);
  bool ok = o && wl_json_put(o, "kind", json_object_new_string(kind)) &&
            wl_json_put(o, "brokers", json_object_new_string(w->transport.brokers)) &&
            wl_json_put(o, "partitions", json_object_new_int64(w->transport.partitions)) &&
            wl_json_put(o, "format", json_object_new_string(format));
  if (!ok)
    json_object_put(o);
  return ok ? o : NULL;
}

static json_object *wl_json_arms(const gb_workload *w) {
  json_object *list = json_object_new_array();
  for (size_t i = 0; list && i < w->n_arms; i++) {
    json_object *o = json_object_new_object();
    bool ok = o && wl_json_put(o, "name", json_object_new_string(w->arms[i].name)) &&
              wl_json_put(o, "algorithm", json_object_new_string(w->arms[i].algorithm)) &&
              wl_json_put(o, "weight", wl_json_double(w->arms[i].weight));
    if (!ok || json_object_array_add(list, o) != 0) {
      json_object_put(o);
      json_object_put(list);
      return NULL;
    }
  }
  return list;
}

static json_object *wl_json_output(const gb_workload *w) {
  json_object *o = json_object_new_object();
  bool ok = o && wl_json_put(o, "dir", json_object_new_string(w->output.dir)) &&
            wl_json_put(o, "plots", json_object_new_boolean(w->output.plots));
  if (!ok)
    json_object_put(o);
  return ok ? o : NULL;
}

/* Fills resolved_json and resolved_hash. json-c keeps keys in insertion order, so the order
 * below is the order of the bytes. */
static int wl_resolve_json(gb_workload *w, gb_err *err) {
  json_object *o = json_object_new_object();
  bool ok = o && wl_json_put(o, "name", json_object_new_string(w->name)) &&
            wl_json_put(o, "seed", json_object_new_uint64(w->seed)) &&
            wl_json_put(o, "warmup", wl_json_duration(w->warmup_ns / 1000000)) &&
            wl_json_put(o, "sim", wl_json_sim(w)) && wl_json_put(o, "engine", wl_json_engine(w)) &&
            wl_json_put(o, "transport", wl_json_transport(w)) &&
            wl_json_put(o, "arms", wl_json_arms(w)) && wl_json_put(o, "output", wl_json_output(w));
  const char *text = ok ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                JSON_C_TO_STRING_NOSLASHESCAPE)
                        : NULL;
  w->resolved_json = text ? strdup(text) : NULL;
  json_object_put(o);
  if (!w->resolved_json)
    return wl_oom(err);
  w->resolved_hash = gb_hash_bytes(w->resolved_json, strlen(w->resolved_json), 0);
  return 0;
}

/* ---- Public API ---- */

static int wl_parse_overrides(const char *const *args, size_t n, wl_override **out, gb_err *err) {
  *out = n ? calloc(n, sizeof **out) : NULL;
  if (n && !*out)
    return wl_oom(err);
  for (size_t i = 0; i < n; i++)
    if (wl_parse_override(args[i], &(*out)[i], err) != 0)
      return -1;
  return 0;
}

int gb_workload_load(const char *path, const char *const *overrides, size_t n_overrides,
                     gb_workload **out, gb_err *err) {
  *out = NULL;
  char *text = NULL;
  size_t len = 0;
  wl_override *ovr = NULL;
  gb_workload *w = NULL;
  yaml_document_t doc;
  int rc = -1;
  if (wl_read_file(path, &text, &len, err) != 0 || wl_parse_tree(path, text, len, &doc, err) != 0)
    goto out;
  /* the file alone first, so that its errors carry its own line numbers */
  wl_src src = {path, &doc, NULL, 0};
  if (wl_load_text(&src, text, len, &w, err) != 0 ||
      wl_parse_overrides(overrides, n_overrides, &ovr, err) != 0) {
    yaml_document_delete(&doc);
    goto out;
  }
  if (n_overrides == 0) {
    yaml_document_delete(&doc);
  } else {
    gb_workload_free(w);
    w = NULL;
    if (wl_load_overridden(path, &doc, ovr, n_overrides, &w, err) != 0)
      goto out;
  }
  if (wl_resolve_json(w, err) != 0)
    goto out;
  *out = w;
  w = NULL;
  rc = 0;
out:
  gb_workload_free(w);
  wl_overrides_free(ovr, n_overrides);
  free(text);
  return rc;
}

void gb_workload_free(gb_workload *w) {
  if (!w)
    return;
  free(w->name);
  free(w->engine.challenges);
  free(w->engine.matcher);
  free(w->transport.brokers);
  for (size_t i = 0; w->arms && i < w->n_arms; i++) {
    free(w->arms[i].name);
    free(w->arms[i].algorithm);
  }
  free(w->arms);
  free(w->output.dir);
  free(w->path);
  free(w->resolved_json);
  free(w);
}

int gb_workload_arms(const gb_workload *w, gb_arms **out, gb_err *err) {
  gb_arm_spec *specs = calloc(w->n_arms, sizeof *specs);
  if (!specs)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the arms");
  for (size_t i = 0; i < w->n_arms; i++)
    specs[i] = (gb_arm_spec){
        .name = w->arms[i].name, .algorithm = w->arms[i].algorithm, .weight = w->arms[i].weight};
  int rc = gb_arms_new(specs, w->n_arms, w->seed, out, err);
  free(specs);
  return rc == 0 ? 0 : gb_err_prefix(err, "%s: ", w->path);
}

int gb_workload_load_kafka(const char *path, const char *const *defaults, size_t n_defaults,
                           const gb_opt_list *sets, const char *brokers, gb_workload **out,
                           gb_err *err) {
  /* defaults, --set ones, transport.kind and transport.brokers */
  const char *overrides[GB_WORKLOAD_KAFKA_DEFAULTS_MAX + GB_OPT_LIST_MAX + 2];
  char brokers_set[1024];
  size_t n = 0;
  for (size_t i = 0; i < n_defaults && i < GB_WORKLOAD_KAFKA_DEFAULTS_MAX; i++)
    overrides[n++] = defaults[i];
  for (size_t i = 0; i < sets->n; i++)
    overrides[n++] = sets->items[i];
  overrides[n++] = "transport.kind=kafka";
  if (brokers) {
    if (snprintf(brokers_set, sizeof brokers_set, "transport.brokers=%s", brokers) >=
        (int)sizeof brokers_set)
      return gb_err_set(err, GB_ERR_INPUT, "--brokers: too long");
    overrides[n++] = brokers_set;
  }
  return gb_workload_load(path, overrides, n, out, err);
}
