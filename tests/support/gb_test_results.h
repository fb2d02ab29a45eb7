/* Readers of results-directory files shared by the integration suites (docs/results.md). They
 * assert (Criterion) on the file's format, so a malformed file fails the calling test. */
#ifndef GB_TEST_RESULTS_H
#define GB_TEST_RESULTS_H

#include <stddef.h>

/* The text of DIR/name (a results file), heap-owned; asserts that it exists. */
char *gbt_result_text(const char *dir, const char *name);

/* The value of a metric in summary.csv text ("metric,value,unit" rows), or -1 when absent. */
double gbt_metric(const char *summary, const char *name);

/* Asserts that DIR_A/name and DIR_B/name have the same bytes (e.g. arms.csv of two runs). */
void gbt_assert_same_result(const char *dir_a, const char *dir_b, const char *name);

/* The same for a binary file (cube.gbc): byte for byte. */
void gbt_assert_same_bytes(const char *dir_a, const char *dir_b, const char *name);

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
