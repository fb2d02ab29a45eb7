/* gb_afile_read_max: the bounded read of the files people give (#16 item 3): a directory, a file
 * over the limit and a device without end fail at once, naming the file, the kind and the
 * limit; a file within the limit reads whole. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "gb_afile.h"
#include "gb_test_support.h"

/* gb_afile_read_max(path, max, what) must fail as an input error with the message want. */
static void expect_refused(const char *path, size_t max, const char *what, const char *want) {
  size_t len = 0;
  gb_err err = {0};
  cr_assert_null(gb_afile_read_max(path, max, what, &len, &err), "%s was read", path);
  cr_expect_eq(err.kind, GB_ERR_INPUT);
  cr_expect_str_eq(err.msg, want);
}

Test(afile, read_max_reads_a_file_within_the_limit_whole) {
  char *dir = gbt_tmpdir(), *path = gbt_path(dir, "f.yaml");
  gbt_write_file(path, "0123456789");
  size_t len = 0;
  gb_err err = {0};
  char *text = gb_afile_read_max(path, 10, "a test file", &len, &err);
  cr_assert_not_null(text, "%s", err.msg);
  cr_expect_eq(len, 10u);
  cr_expect_str_eq(text, "0123456789");
  free(text);
  char want[1024];
  snprintf(want, sizeof want, "%s: larger than 9 bytes, the limit for a test file", path);
  expect_refused(path, 9, "a test file", want);
  gbt_rmtree(dir);
  free(path);
  free(dir);
}

/* fopen opens a directory; the old reads then saw no byte or a bare EISDIR. */
Test(afile, read_max_names_a_directory) {
  char *dir = gbt_tmpdir();
  char want[1024];
  snprintf(want, sizeof want, "%s: is a directory, not a --control file", dir);
  expect_refused(dir, 1 << 20, "a --control file", want);
  gbt_rmtree(dir);
  free(dir);
}

/* /dev/zero never ends: the read stops past the limit instead of growing memory without end. */
Test(afile, read_max_stops_a_device_without_end_at_the_limit) {
  expect_refused("/dev/zero", 1 << 20, "a workload file",
                 "/dev/zero: larger than 1 MiB, the limit for a workload file");
}

Test(afile, read_max_names_a_missing_file_and_read_all_is_unbounded) {
  expect_refused("/nonexistent/x", 1, NULL,
                 "/nonexistent/x: cannot open: No such file or directory");
  size_t len = 0;
  gb_err err = {0};
  char *dir = gbt_tmpdir(), *path = gbt_path(dir, "big");
  char *big = malloc(200001);
  memset(big, 'x', 200000);
  big[200000] = '\0';
  gbt_write_file(path, big);
  char *text = gb_afile_read_all(path, &len, &err);
  cr_assert_not_null(text, "%s", err.msg);
  cr_expect_eq(len, 200000u);
  free(text);
  free(big);
  gbt_rmtree(dir);
  free(path);
  free(dir);
}
