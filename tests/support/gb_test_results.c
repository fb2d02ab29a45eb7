#include "gb_test_results.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gb_test_support.h"

size_t gbt_read_partitions(const char *dir, unsigned long long rows[][GBT_PART_COLS], size_t max) {
  char *path = gbt_path(dir, "partitions.csv");
  char *text = gbt_read_file(path, NULL);
  cr_assert_not_null(text, "%s missing", path);
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
  free(path);
  return n;
}
