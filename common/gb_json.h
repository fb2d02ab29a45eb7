/* gb_json: the one JSON parsing layer of gamebench, a thin C shim over simdjson (chosen by
 * measurement: see `gamebench bench json` and docs/benchmarks.md).
 *
 * It parses one JSON object and calls back once per top-level field, in document order. Values
 * handed to the callback (strings, arrays) point into the parser's buffers and are valid only
 * until the callback returns: copy what you keep. A parser is reusable and not thread-safe: use
 * one per thread. */
#ifndef GB_JSON_H
#define GB_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

typedef struct gb_json_parser gb_json_parser;

typedef enum gb_json_kind {
  GB_JSON_NULL,
  GB_JSON_BOOL,
  GB_JSON_INT,    /* fits int64_t: value in .i (and .d) */
  GB_JSON_UINT,   /* above INT64_MAX, fits uint64_t: value in .u (and .d) */
  GB_JSON_DOUBLE, /* any other number: value in .d */
  GB_JSON_STRING, /* unescaped UTF-8 bytes in .str/.len (not NUL-terminated) */
  GB_JSON_ARRAY,  /* elements in .items/.n_items (scalars; nested containers come as raw text) */
  GB_JSON_OBJECT  /* raw JSON text of the nested object in .str/.len */
} gb_json_kind;

typedef struct gb_json_value {
  gb_json_kind kind;
  bool b;
  int64_t i;
  uint64_t u;
  double d;
  const char *str;
  size_t len;
  const struct gb_json_value *items;
  size_t n_items;
} gb_json_value;

enum { GB_JSON_ARRAY_MAX = 256 /* elements of a top-level array field; more is an error */ };

/* Called once per top-level field. Return 0 to go on, or -1 (after filling err) to stop the
 * parse, which then returns -1 with that error. */
typedef int (*gb_json_field_fn)(void *ctx, const char *key, size_t key_len,
                                const gb_json_value *value, gb_err *err);

/* Creates a parser; NULL only when out of memory. */
gb_json_parser *gb_json_parser_new(void);
void gb_json_parser_free(gb_json_parser *p);

/* Parses json[0..len) as one JSON object (surrounding whitespace allowed, nothing else after
 * it). Returns 0, or -1 with a GB_ERR_INPUT error such as "invalid JSON: ..." or "expected a
 * JSON object"; or the callback's error. Does not read past len. */
int gb_json_parse_object(gb_json_parser *p, const char *json, size_t len, gb_json_field_fn on_field,
                         void *ctx, gb_err *err);

#endif
