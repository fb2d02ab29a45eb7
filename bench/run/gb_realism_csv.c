#include "gb_realism_csv.h"

#include <stdio.h>

#include "gb_csv.h"

int gb_realism_csv_write(const char *dir, const gb_sim_realism *r, gb_err *err) {
  static const char *const cols[] = {"statistic", "value", "target", "unit", "source", "note"};
  char path[4200];
  if (snprintf(path, sizeof path, "%s/realism.csv", dir) >= (int)sizeof path)
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: path too long", dir);
  gb_csv_writer *w = NULL;
  if (gb_csv_writer_open(path, cols, sizeof cols / sizeof cols[0], &w, err) != 0)
    return -1;
  gb_sim_realism_row rows[GB_SIM_REALISM_ROWS_MAX];
  size_t n = gb_sim_realism_rows(r, rows, GB_SIM_REALISM_ROWS_MAX);
  for (size_t i = 0; i < n; i++) {
    gb_csv_cell_str(w, rows[i].statistic, err);
    gb_csv_cell_f64(w, rows[i].value, err); /* NaN: an empty cell */
    gb_csv_cell_f64(w, rows[i].target, err);
    gb_csv_cell_str(w, rows[i].unit, err);
    gb_csv_cell_str(w, rows[i].source, err);
    gb_csv_cell_str(w, rows[i].note, err);
    gb_csv_end_row(w, err);
  }
  return gb_csv_writer_close(w, err); /* errors are sticky: the first one is reported here */
}
