#include "gb_test_results.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_test_support.h"

char *gbt_result_text(const char *dir, const char *name) {
  char *path = gbt_path(dir, name);
  char *text = gbt_read_file(path, NULL);
  cr_assert_not_null(text, "%s missing", path);
  free(path);
  return text;
}

double gbt_metric(const char *summary, const char *name) {
  char key[128];
  snprintf(key, sizeof key, "\n%s,", name);
  const char *at = strstr(summary, key);
  if (!at)
    return -1;
  const char *text = at + strlen(key);
  char *end = NULL;
  double v = strtod(text, &end);
  cr_assert(end != text && (*end == ',' || *end == '\n' || *end == '\0'),
            "summary.csv: %s: not a number", name);
  return v;
}

void gbt_assert_same_result(const char *dir_a, const char *dir_b, const char *name) {
  char *x = gbt_result_text(dir_a, name), *y = gbt_result_text(dir_b, name);
  cr_assert_str_eq(x, y, "%s differs between %s and %s", name, dir_a, dir_b);
  free(x);
  free(y);
}

void gbt_assert_same_bytes(const char *dir_a, const char *dir_b, const char *name) {
  char *pa = gbt_path(dir_a, name), *pb = gbt_path(dir_b, name);
  size_t la = 0, lb = 0;
  char *x = gbt_read_file(pa, &la), *y = gbt_read_file(pb, &lb);
  cr_assert_not_null(x, "%s: unreadable", pa);
  cr_assert_not_null(y, "%s: unreadable", pb);
  cr_assert(la == lb && memcmp(x, y, la) == 0, "%s differs between %s (%zu bytes) and %s (%zu)",
            name, dir_a, la, dir_b, lb);
  free(x);
  free(y);
  free(pa);
  free(pb);
}

size_t gbt_read_partitions(const char *dir, unsigned long long rows[][GBT_PART_COLS], size_t max) {
  char *text = gbt_result_text(dir, "partitions.csv");
  const char *header = "partition,sent,produced,failed,acknowledged,consumed,delivered,replayed,"
                       "redelivered,gaps,lost\n";
  cr_assert(strncmp(text, header, strlen(header)) == 0, "header: %s", text);
  size_t n = 0;
  for (char *line = strchr(text, '\n') + 1; *line && n < max; n++) {
    char *end;
    for (int c = 0; c < GBT_PART_COLS; c++) {
      rows[n][c] = strtoull(line, &end, 10);
      cr_assert(end != line && *end == (c + 1 < GBT_PART_COLS ? ',' : '\n'), "row %zu: %s", n,
                line);
      line = end + 1;
    }
  }
  free(text);
  return n;
}
