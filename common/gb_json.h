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
  GB_JSON_ARRAY,  /* elements in .items/.n_items (scalars; nested containers come as raw text:
                     an element that is itself an array has kind ARRAY, no items, text in .str) */
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

/* Creates a parser on the default API (On-Demand) into *out, which the caller frees with
 * gb_json_parser_free. Returns 0, or -1 with GB_ERR_RUNTIME when out of memory (*out is then
 * unchanged). */
int gb_json_parser_new(gb_json_parser **out, gb_err *err);

/* Frees p and its buffers; NULL is allowed. */
void gb_json_parser_free(gb_json_parser *p);

/* Parses json[0..len) as one JSON object (surrounding whitespace allowed, nothing else after
 * it). Returns 0, or -1 with a GB_ERR_INPUT error such as "invalid JSON: ..." or "expected a
 * JSON object"; or the callback's error. Does not read past len. */
int gb_json_parse_object(gb_json_parser *p, const char *json, size_t len, gb_json_field_fn on_field,
                         void *ctx, gb_err *err);

/* Which simdjson API a parser runs on. Both give the same callbacks for valid input; On-Demand is
 * the default (it measured faster on one ~270-byte event, see docs/benchmarks.md). The DOM API
 * is kept so that the choice stays measurable (`gamebench bench json`); its differences: an
 * integer beyond the 64-bit ranges (above uint64's largest, below int64's smallest) fails the
 * parse instead of coming as GB_JSON_DOUBLE, trailing content is reported as plain invalid JSON,
 * and nested containers come re-serialized (minified, numbers normalised) rather than as their
 * raw text. */
typedef enum gb_json_api { GB_JSON_API_ONDEMAND, GB_JSON_API_DOM } gb_json_api;

/* gb_json_parser_new on the given API. Returns 0, or -1 with GB_ERR_INPUT when api is not one of
 * gb_json_api's values, GB_ERR_RUNTIME when out of memory (*out is then unchanged). */
int gb_json_parser_new_api(gb_json_api api, gb_json_parser **out, gb_err *err);

/* Parses text[0..len) as exactly one JSON number (RFC 8259 grammar: no sign '+', no leading
 * zeros, no surrounding spaces, no inf/nan) into out (kind INT, UINT or DOUBLE, filled like the
 * parser's numbers; an integer beyond uint64 becomes DOUBLE). Returns 0, or -1 when the text is
 * not a JSON number or its magnitude overflows a double. For numbers that arrive as JSON strings
 * ("123", "1.5"). Locale-independent. */
int gb_json_number_parse(const char *text, size_t len, gb_json_value *out);

/* Longest text gb_json_format_double writes (sign, 17 digits, point, exponent, ".0"), no NUL. */
enum { GB_JSON_DOUBLE_MAX = 32 };

/* Writes d as the shortest decimal text that parses back to the same double (std::to_chars),
 * with ".0" appended when the text would otherwise read as an integer, so that -0.0 keeps its
 * sign and a double stays a double through JSON. Non-finite values have no JSON form: they are
 * written as `null`. buf needs GB_JSON_DOUBLE_MAX bytes; returns the length written (no NUL). */
size_t gb_json_format_double(double d, char *buf);

/* Copies the JSON text json[0..len) to out without the whitespace between tokens (simdjson's
 * minifier: it does not validate, but it rejects an unterminated string). out needs room for len
 * bytes and must not overlap json; *out_len receives the minified length. Returns 0, or -1 with a
 * GB_ERR_INPUT error. */
int gb_json_minify(const char *json, size_t len, char *out, size_t *out_len, gb_err *err);

/* simdjson's version ("3.0.1") and the kernel it picked for this CPU at run time ("icelake",
 * "haswell", "westmere", "fallback"...): static strings, for benchmark reports. */
const char *gb_json_simdjson_version(void);
const char *gb_json_simdjson_kernel(void);

#endif
