/* Readers of results-directory files shared by the integration suites (docs/results.md). They
 * assert (Criterion) on the file's format, so a malformed file fails the calling test. */
#ifndef GB_TEST_RESULTS_H
#define GB_TEST_RESULTS_H

#include <stddef.h>

/* Columns of partitions.csv, in file order. */
enum {
  GBT_P_ID,
  GBT_P_SENT,
  GBT_P_PRODUCED,
  GBT_P_FAILED,
  GBT_P_ACKED,
  GBT_P_CONSUMED,
  GBT_P_DELIVERED,
  GBT_P_REPLAYED,
  GBT_P_REDELIVERED,
  GBT_P_GAPS,
  GBT_P_LOST,
  GBT_PART_COLS
};

/* Reads DIR/partitions.csv into rows (at most max); returns the row count. Asserts the header
 * and that every row has GBT_PART_COLS unsigned integers. */
size_t gbt_read_partitions(const char *dir, unsigned long long rows[][GBT_PART_COLS], size_t max);

#endif
