/* gb_jsonw: a small streaming JSON writer for the harness's own files (manifest.json, dead
 * letters): correct string escaping, commas and indentation handled in one place. Writes to a
 * FILE*; I/O errors surface through ferror on that stream. Nesting up to 32 levels. */
#ifndef GB_JSONW_H
#define GB_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { GB_JSONW_DEPTH = 32 };

typedef struct gb_jsonw {
  FILE *out;
  int indent; /* spaces per level; 0 = compact, one line */
  int depth;
  bool first[GB_JSONW_DEPTH]; /* no element written yet at this level */
  bool after_key;
} gb_jsonw;

void gb_jsonw_init(gb_jsonw *w, FILE *out, int indent);
void gb_jsonw_object_begin(gb_jsonw *w);
void gb_jsonw_object_end(gb_jsonw *w);
void gb_jsonw_array_begin(gb_jsonw *w);
void gb_jsonw_array_end(gb_jsonw *w);
void gb_jsonw_key(gb_jsonw *w, const char *key);
void gb_jsonw_string(gb_jsonw *w, const char *s);
void gb_jsonw_string_n(gb_jsonw *w, const char *s, size_t len);
void gb_jsonw_int(gb_jsonw *w, int64_t v);
void gb_jsonw_uint(gb_jsonw *w, uint64_t v);
void gb_jsonw_double(gb_jsonw *w, double v); /* non-finite → null */
void gb_jsonw_bool(gb_jsonw *w, bool v);
void gb_jsonw_null(gb_jsonw *w);
/* Inserts already-encoded JSON text as one value (e.g. the resolved workload). */
void gb_jsonw_raw(gb_jsonw *w, const char *json);

#endif
