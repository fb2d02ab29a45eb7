/* The jansson row of `gamebench bench json`, in a translation unit of its own: jansson and json-c
 * both define json_object, json_type and json_object_get, so one file cannot include both. */
#ifndef GB_BENCH_JSON_JANSSON_H
#define GB_BENCH_JSON_JANSSON_H

#include <stddef.h>

/* jansson's json_object_iter_next. json-c exports a function of the same name and is linked
 * first, so a plain call binds to json-c's and crashes; this one is looked up by symbol version. */
typedef void *(*gb_jansson_iter_next_fn)(void *object, void *iter);

/* Returns jansson's own json_object_iter_next, or NULL when it cannot be found. */
gb_jansson_iter_next_fn gb_bench_json_jansson_iter_next(void);

/* Parses json[0..len) with jansson, visits every top-level field (advancing with next) and frees
 * the tree. Returns the sum of the numbers, string lengths and true booleans it read (the bench's
 * fairness checksum), or -1 when jansson rejects the text. */
double gb_bench_json_walk_jansson(gb_jansson_iter_next_fn next, const char *json, size_t len);

/* jansson's version string ("2.14"). */
const char *gb_bench_json_jansson_version(void);

#endif
