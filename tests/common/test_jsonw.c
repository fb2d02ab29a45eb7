#include <criterion/criterion.h>
#include <stdlib.h>

#include "gb_jsonw.h"

static char *render(int indent, void (*body)(gb_jsonw *)) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  gb_jsonw w;
  gb_jsonw_init(&w, f, indent);
  body(&w);
  fclose(f);
  return buf;
}

static void sample(gb_jsonw *w) {
  gb_jsonw_object_begin(w);
  gb_jsonw_key(w, "name");
  gb_jsonw_string(w, "a \"q\"\n\x01");
  gb_jsonw_key(w, "list");
  gb_jsonw_array_begin(w);
  gb_jsonw_int(w, -3);
  gb_jsonw_uint(w, 18446744073709551615ULL);
  gb_jsonw_double(w, 0.5);
  gb_jsonw_double(w, 1.0 / 0.0);
  gb_jsonw_array_end(w);
  gb_jsonw_key(w, "empty");
  gb_jsonw_object_begin(w);
  gb_jsonw_object_end(w);
  gb_jsonw_key(w, "ok");
  gb_jsonw_bool(w, true);
  gb_jsonw_object_end(w);
}

Test(jsonw, compact_output_is_exact) {
  char *s = render(0, sample);
  cr_assert_str_eq(s, "{\"name\":\"a \\\"q\\\"\\n\\u0001\",\"list\":[-3,18446744073709551615,0.5,"
                      "null],\"empty\":{},\"ok\":true}");
  free(s);
}

Test(jsonw, indented_output_is_exact) {
  char *s = render(2, sample);
  cr_assert_str_eq(s, "{\n  \"name\": \"a \\\"q\\\"\\n\\u0001\",\n  \"list\": [\n    -3,\n    "
                      "18446744073709551615,\n    0.5,\n    null\n  ],\n  \"empty\": {},\n  "
                      "\"ok\": true\n}\n");
  free(s);
}
