/* Fuzz target catalog: the definition compiler (gb_catalog_parse: YAML or JSON catalogues,
 * engine/matcher/gb_matcher_compile*.c) and, on what it accepts, the two matchers. Oracle: the
 * index matcher returns exactly the scan matcher's matches (gb_matcher.h promises it), before
 * and after a hot delete of the first definition.
 *
 * Input: the catalogue text, optionally followed by a line "#attrs" and then one attribute set
 * per line, "key=value;key=value" (values read like gb_attrs_set_str: numbers when they read as
 * numbers). Seeds: tests/fuzz/catalog/. */
#include <stdlib.h>
#include <string.h>

#include "gb_attrs.h"
#include "gb_catalog.h"
#include "gb_err.h"
#include "gb_fuzz.h"
#include "gb_matcher.h"

enum {
  LINES_MAX = 16,   /* attribute sets per input */
  PAIRS_MAX = 16,   /* attributes per set */
  KEY_MAX = 64,     /* bytes of a key */
  MATCHES_MAX = 256 /* ordinals compared per set */
};

static const char marker[] = "\n#attrs\n";

/* Fills a from line[0..len): "key=value;key=value" (pairs without '=' are skipped). */
static void fill_attrs(gb_attrs *a, const char *line, size_t len) {
  gb_attrs_clear(a);
  size_t pos = 0;
  for (int pair = 0; pair < PAIRS_MAX && pos < len; pair++) {
    const char *start = line + pos;
    const char *semi = memchr(start, ';', len - pos);
    size_t n = semi ? (size_t)(semi - start) : len - pos;
    pos += n + 1;
    const char *eq = memchr(start, '=', n);
    size_t klen = eq ? (size_t)(eq - start) : 0;
    if (klen == 0 || klen >= KEY_MAX)
      continue;
    char key[KEY_MAX];
    memcpy(key, start, klen);
    key[klen] = '\0';
    if (memchr(key, '\0', klen)) /* an embedded NUL: not a key */
      continue;
    gb_attrs_set_str(a, key, eq + 1, n - klen - 1);
  }
}

/* Matches every attribute line with both matchers and compares. */
static void compare_matchers(gb_matcher *scan, gb_matcher *index, gb_attrs *a, const char *lines,
                             size_t len, const char *when) {
  uint32_t by_scan[MATCHES_MAX], by_index[MATCHES_MAX];
  size_t pos = 0;
  for (int i = 0; i < LINES_MAX && pos <= len; i++) {
    const char *start = lines + pos;
    const char *nl = memchr(start, '\n', len - pos);
    size_t n = nl ? (size_t)(nl - start) : len - pos;
    pos += n + 1;
    fill_attrs(a, start, n);
    size_t ns = gb_matcher_match(scan, a, by_scan, MATCHES_MAX);
    size_t ni = gb_matcher_match(index, a, by_index, MATCHES_MAX);
    size_t kept = ns < MATCHES_MAX ? ns : MATCHES_MAX;
    if (ns != ni || memcmp(by_scan, by_index, kept * sizeof by_scan[0]) != 0)
      gbt_fuzz_finding("%s, attribute line %d: scan finds %zu matches, index %zu (or others)", when,
                       i + 1, ns, ni);
    for (size_t k = 1; k < kept; k++)
      if (by_scan[k - 1] >= by_scan[k])
        gbt_fuzz_finding("%s: matches not in ascending order", when);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;
  size_t text_len = size;
  const char *lines = "";
  size_t lines_len = 0;
  const char *m = memmem(text, size, marker, sizeof marker - 1);
  if (m) {
    text_len = (size_t)(m - text) + 1;
    lines = m + sizeof marker - 1;
    lines_len = size - (size_t)(lines - text);
  }
  gb_err err = {0};
  gb_catalog *c = NULL;
  gb_matcher *scan = NULL, *index = NULL;
  gb_attrs *a = NULL;
  if (gb_catalog_parse(text, text_len, "fuzz.yaml", &c, &err) != 0) {
    if (err.msg[0] == '\0')
      gbt_fuzz_finding("catalogue rejected without a message");
    return 0;
  }
  if (gb_catalog_active(c) != gb_catalog_size(c))
    gbt_fuzz_finding("a parsed catalogue has %zu of %zu definitions active", gb_catalog_active(c),
                     gb_catalog_size(c));
  for (size_t i = 0; i < gb_catalog_size(c); i++) {
    size_t found = 0;
    const gb_challenge *ch = gb_catalog_at(c, i);
    if (ch->ordinal != i || gb_catalog_find(c, ch->id, &found) != 0 || found != i)
      gbt_fuzz_finding("definition %zu ('%s') is not found at its ordinal", i, ch->id);
  }
  GB_ASSERT(gb_matcher_new(c, GB_MATCH_SCAN, &scan, &err) == 0);
  GB_ASSERT(gb_matcher_new(c, GB_MATCH_INDEX, &index, &err) == 0);
  GB_ASSERT(gb_attrs_new(&a, &err) == 0);
  compare_matchers(scan, index, a, lines, lines_len, "as loaded");
  if (gb_catalog_size(c) > 0) {
    GB_ASSERT(gb_catalog_delete(c, gb_catalog_at(c, 0)->id, 0, &err) == 0);
    gb_catalog_advance(c, 0);
    compare_matchers(scan, index, a, lines, lines_len, "after deleting the first definition");
  }
  gb_attrs_free(a);
  gb_matcher_free(index);
  gb_matcher_free(scan);
  gb_catalog_free(c);
  return 0;
}
