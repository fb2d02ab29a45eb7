#include "gb_jsonw.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void gb_jsonw_init(gb_jsonw *w, FILE *out, int indent) {
  *w = (gb_jsonw){.out = out, .indent = indent};
  w->first[0] = true;
}

static void newline(gb_jsonw *w) {
  if (w->indent == 0)
    return;
  fputc('\n', w->out);
  for (int i = 0; i < w->depth * w->indent; i++)
    fputc(' ', w->out);
}

/* Separator before a value or key at the current level. */
static void before_value(gb_jsonw *w) {
  if (w->after_key) {
    w->after_key = false;
    return;
  }
  if (!w->first[w->depth])
    fputc(',', w->out);
  w->first[w->depth] = false;
  if (w->depth > 0)
    newline(w);
}

static void open(gb_jsonw *w, char c) {
  before_value(w);
  fputc(c, w->out);
  if (w->depth + 1 < GB_JSONW_DEPTH)
    w->depth++;
  w->first[w->depth] = true;
}

static void close(gb_jsonw *w, char c) {
  bool empty = w->first[w->depth];
  if (w->depth > 0)
    w->depth--;
  if (!empty)
    newline(w);
  fputc(c, w->out);
  if (w->depth == 0 && w->indent)
    fputc('\n', w->out);
}

void gb_jsonw_object_begin(gb_jsonw *w) { open(w, '{'); }
void gb_jsonw_object_end(gb_jsonw *w) { close(w, '}'); }
void gb_jsonw_array_begin(gb_jsonw *w) { open(w, '['); }
void gb_jsonw_array_end(gb_jsonw *w) { close(w, ']'); }

static void write_escaped(FILE *out, const char *s, size_t len) {
  fputc('"', out);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
    case '"':
      fputs("\\\"", out);
      break;
    case '\\':
      fputs("\\\\", out);
      break;
    case '\n':
      fputs("\\n", out);
      break;
    case '\r':
      fputs("\\r", out);
      break;
    case '\t':
      fputs("\\t", out);
      break;
    default:
      if (c < 0x20)
        fprintf(out, "\\u%04x", c);
      else
        fputc(c, out);
    }
  }
  fputc('"', out);
}

void gb_jsonw_key(gb_jsonw *w, const char *key) {
  before_value(w);
  write_escaped(w->out, key, strlen(key));
  fputs(w->indent ? ": " : ":", w->out);
  w->after_key = true;
}

void gb_jsonw_string_n(gb_jsonw *w, const char *s, size_t len) {
  before_value(w);
  write_escaped(w->out, s, len);
}

void gb_jsonw_string(gb_jsonw *w, const char *s) {
  if (!s) {
    gb_jsonw_null(w);
    return;
  }
  gb_jsonw_string_n(w, s, strlen(s));
}

void gb_jsonw_int(gb_jsonw *w, int64_t v) {
  before_value(w);
  fprintf(w->out, "%" PRId64, v);
}

void gb_jsonw_uint(gb_jsonw *w, uint64_t v) {
  before_value(w);
  fprintf(w->out, "%" PRIu64, v);
}

void gb_jsonw_double(gb_jsonw *w, double v) {
  before_value(w);
  if (isfinite(v))
    fprintf(w->out, "%.17g", v);
  else
    fputs("null", w->out);
}

void gb_jsonw_bool(gb_jsonw *w, bool v) {
  before_value(w);
  fputs(v ? "true" : "false", w->out);
}

void gb_jsonw_null(gb_jsonw *w) {
  before_value(w);
  fputs("null", w->out);
}

void gb_jsonw_raw(gb_jsonw *w, const char *json) {
  before_value(w);
  fputs(json, w->out);
}
