/* gb_fuzz: what the fuzz targets in tests/fuzz/ share (docs/fuzzing.md).
 *
 * Each fuzz_NAME.c defines LLVMFuzzerTestOneInput, which feeds one input to a decoder or loader
 * and checks a property (a round trip, two implementations agreeing) on what it accepts. Built
 * with clang under GB_FUZZ=ON it is a libFuzzer binary (scripts/fuzz NAME SECONDS); in the
 * ordinary build gb_fuzz_main.c runs it over the files of its seed corpus (tests/fuzz/NAME/),
 * as the ctest entry fuzz_NAME_seeds. A property that does not hold is a finding: the target
 * stops through gbt_fuzz_finding (abort), which libFuzzer reports with the input that did it. */
#ifndef GB_FUZZ_H
#define GB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "gb_event.h"

/* The entry point libFuzzer calls once per input (data[0..size), not NUL-terminated). Returns 0
 * (libFuzzer's convention: -1 would keep the input out of the corpus). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints "fuzz finding: " and the message on stderr and aborts: a property of the code under
 * test does not hold for the current input. */
void gbt_fuzz_finding(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Compares two decoded events field by field, walking the codec's field tables (the common
 * fields, the type's own fields, the harness stamps): NULL when they are equal, else the JSON
 * name of the first field that differs ("type" when the types do). Doubles compare by their bits
 * (-0.0 is not 0.0, a NaN equals the same NaN); strings as C strings; a definition by length and
 * bytes. */
const char *gbt_fuzz_event_diff(const gb_event *a, const gb_event *b);

/* The binary round trip of an event the codec accepted: encode, decode, same event; encode the
 * decoded one again, same bytes. A failure is a finding naming `what` (the target's input form). */
void gbt_fuzz_event_binary_round_trip(const gb_event *ev, const char *what);

#endif
