/* gb_duration: the one duration syntax of gamebench, shared by workload files and the CLI.
 *
 * A duration is a non-negative whole number immediately followed by one unit:
 *   ms (milliseconds), s (seconds), m (minutes), h (hours), d (days of 24 h)
 * e.g. "500ms", "10s", "90m", "2h", "1d". No sign, no spaces, no fractions, no compound forms
 * ("1h30m" is written "90m"). Values are exact in milliseconds. */
#ifndef GB_DURATION_H
#define GB_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

enum {
  /* The largest accepted duration in days: 106751 d is the last whole day whose nanoseconds
   * still fit int64_t, so callers may convert any parsed duration to ns without overflow. */
  GB_DURATION_MAX_DAYS = 106751,
  /* Buffer size that holds any gb_duration_format_ms text ("9223372036854775807ms" + NUL). */
  GB_DURATION_TEXT_MAX = 24
};

/* Largest duration gb_duration_parse_ms accepts, in ms (GB_DURATION_MAX_DAYS days). */
#define GB_DURATION_MAX_MS ((int64_t)GB_DURATION_MAX_DAYS * 86400000)

/* Parses text (NUL-terminated) as a duration and stores it in *out_ms (0 .. GB_DURATION_MAX_MS).
 * Returns 0, or -1 with a GB_ERR_INPUT error that quotes the text and says why, without any
 * file or key context (callers prefix it):
 *   "'2 hours' is not a duration (e.g. 90m, 2h, 1d)"
 *   "'200000d' is out of range (at most 106751d)"
 * *out_ms is left untouched on error. text may be NULL (reported as not a duration). */
int gb_duration_parse_ms(const char *text, int64_t *out_ms, gb_err *err);

/* Writes ms (>= 0) in canonical form into buf (size len, at least GB_DURATION_TEXT_MAX for any
 * value): the largest unit that divides ms exactly, so that parsing the text gives ms back
 * (7200000 -> "2h", 5400000 -> "90m", 1500 -> "1500ms", 0 -> "0s"). A negative ms is written
 * as plain milliseconds ("-5ms"), which gb_duration_parse_ms rejects. */
void gb_duration_format_ms(int64_t ms, char *buf, size_t len);

#endif
