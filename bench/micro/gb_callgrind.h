/* gb_callgrind: inclusive instruction counts per function from a callgrind profile
 * (`valgrind --tool=callgrind`'s callgrind.out, format version 1), for `gamebench bench cost`.
 *
 * The profile holds, per function, cost lines (its own instructions, "self") and call records
 * (`calls=` followed by the callee's inclusive cost for those calls). A function's inclusive
 * count is its self count plus the cost of every call it makes to another function: what ran
 * while it was on the stack. Read this way rather than through callgrind_annotate, so that
 * nothing but the file is needed and the rules below are ours:
 *
 * - Names are compressed or not ("fn=(12) name", later "fn=(12)"); both are read.
 * - A function is its name, whatever object or file: the names asked for here are exported or
 *   file-unique, and costs of equal names add up.
 * - Names are normalised: callgrind's recursion suffix ("f'2") and GCC's clone and split
 *   suffixes ("f.lto_priv.0", "f.part.0", "f.isra.0", "f.constprop.0", "f.cold") are cut, so
 *   that f stands for all its pieces, as they are one function in the source.
 * - Calls from a function to itself (direct recursion, or to one of its pieces) are left out of
 *   its inclusive count: their cost is already in its self count. Mutual recursion (f calls g
 *   calls f) still counts the inner f twice in f, as callgrind_annotate does; nothing measured
 *   here recurses.
 * - Only the event named "Ir" (instructions executed) is read; other events are skipped.
 * - `jump=`/`jcnd=` records and their position lines carry no cost and are skipped.
 */
#ifndef GB_CALLGRIND_H
#define GB_CALLGRIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

typedef struct gb_callgrind gb_callgrind;

/* One function's counts, in instructions (Ir) and calls. */
typedef struct gb_callgrind_fn {
  uint64_t self;      /* instructions executed in the function itself */
  uint64_t inclusive; /* self plus every call to another function (see above) */
  uint64_t calls;     /* times other functions called it (its own recursive calls not counted) */
} gb_callgrind_fn;

/* Parses text[0..len) (a callgrind.out; name labels errors) into *out (gb_callgrind_free).
 * Returns 0, or -1 with err: GB_ERR_INPUT naming name:line and the reason (no "events:" line
 * naming Ir, a cost line before any "fn=", a malformed number or name, an undefined name id, a
 * `calls=` without its cost line), GB_ERR_RUNTIME when out of memory. */
int gb_callgrind_parse(const char *name, const char *text, size_t len, gb_callgrind **out,
                       gb_err *err);

/* gb_callgrind_parse of the file at path (errors also for an unreadable file: GB_ERR_INPUT). */
int gb_callgrind_load(const char *path, gb_callgrind **out, gb_err *err);

void gb_callgrind_free(gb_callgrind *cg);

/* The profile's total instructions: its "totals:" line, else its "summary:" line, else the sum
 * of every function's self count. */
uint64_t gb_callgrind_total(const gb_callgrind *cg);

/* The profile's "creator:" line ("callgrind-3.19.0"), "unknown" without one. */
const char *gb_callgrind_creator(const gb_callgrind *cg);

/* The counts of the function named name (normalised as above: "f" finds "f.lto_priv.0" too);
 * false and *out zeroed when the profile has no such function. */
bool gb_callgrind_function(const gb_callgrind *cg, const char *name, gb_callgrind_fn *out);

/* Functions in the profile (after normalisation). */
size_t gb_callgrind_functions(const gb_callgrind *cg);

#endif
