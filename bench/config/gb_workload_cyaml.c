/* gb_workload_cyaml: loading through libcyaml (layer 2 of gb_workload.c) and turning what it
 * logs into "file:line: key 'a.b': ..." errors. */
#include "gb_workload_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

/* fmt is libcyaml's own format string: the attribute tells the compiler so (clang checks it). */
__attribute__((format(printf, 2, 0))) static void wl_capture_problem(wl_capture *c, const char *fmt,
                                                                     va_list args) {
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
__attribute__((format(printf, 3, 0))) static void wl_cyaml_log(cyaml_log_t level, void *ctx,
                                                               const char *fmt, va_list args) {
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
      gb_workload_path_append_key(path, size, f->key);
    else if (f->entry > 0) /* entry 0 is the empty list of a "too few entries" error */
      snprintf(path + len, size - len, "[%u]", f->entry - 1);
  }
}

/* "inproc, kafka": the names of the enumeration at path. */
static const char *wl_choices(const char *path, char *buf, size_t size) {
  const cyaml_schema_value_t *v = gb_workload_schema_find(path);
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
  yaml_node_t *n = gb_workload_tree_find(src->doc, path, NULL);
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
    gb_workload_path_append_key(path, sizeof path, c->text);
    return gb_workload_fail(src, path, err, "unknown key");
  case WL_DUPLICATE_KEY:
    return gb_workload_fail(src, path, err, "duplicate key");
  case WL_BAD_ENUM:
    return gb_workload_fail(src, path, err, "'%s' is not one of %s", c->text,
                            wl_choices(path, a, sizeof a));
  case WL_WRONG_SHAPE:
    return gb_workload_fail(src, path, err, "expected %s, got %s",
                            wl_expected(c->text, path, a, sizeof a),
                            wl_found(src, c->got, path, b, sizeof b));
  case WL_TOO_FEW:
    return gb_workload_fail(src, path, err, "needs at least %u %s, got %u", c->min,
                            c->min == 1 ? "entry" : "entries", c->count);
  case WL_OTHER:
    return gb_workload_fail(src, path, err, "%s",
                            strncmp(c->text, "Load: ", 6) ? c->text : c->text + 6);
  case WL_NO_PROBLEM:
    break;
  }
  return gb_workload_fail(src, path, err, "cannot be loaded (%s)", cyaml_strerror(cerr));
}

/* Loads text (whose tree is src->doc) through libcyaml and validates it. */
int gb_workload_load_text(const wl_src *src, const char *text, size_t len, gb_workload **out,
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
  cyaml_err_t cerr = cyaml_load_data((const uint8_t *)text, len, &cfg, &gb_workload_schema,
                                     (cyaml_data_t **)&raw, NULL);
  if (cerr != CYAML_OK)
    return wl_cyaml_error(src, &cap, cerr, err);
  int rc = gb_workload_convert(src, raw, out, err);
  cyaml_free(&cfg, &gb_workload_schema, raw, 0);
  return rc;
}
