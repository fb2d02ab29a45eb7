/* gb_gate: the gate file of `gamebench compare --gate FILE` (docs/compare.md has the reference
 * with examples): YAML, validated strictly — an unknown key, a duplicate key, a wrong type or a
 * bad value is an error naming the file, the line and the key:
 *
 *     ci/gate.yaml:7: key 'metrics[2].tolerance': expected a relative tolerance ("5%", 0.05
 *     or 0), got 'five'
 *
 * The file is one mapping:
 *   alpha: 0.05        family-wise error rate over the timing metrics (Holm), in (0, 0.5]
 *   defaults: true     also judge the metric registry's default-gated metrics
 *   bootstrap: 2000    resamples of the change's interval, [100, 1000000]
 *   confidence: 0.95   of that interval, in [0.5, 1)
 *   seed: 1            of the bootstrap (same input, same output)
 *   min_repeats: 3     repeats a side a timing verdict needs, [2, 1000]
 *   metrics:           a list of rules (gb_compare_rule), each a mapping:
 *     - metric: NAME       required: a summary metric or an arms.csv column ("<stage>" allowed)
 *       arm: NAME          arm metrics: that arm only (default: every arm)
 *       tolerance: 5%      relative change allowed in the worse direction ("5%", 0.05, 0)
 *       direction: lower   lower | higher | none (default: the registry's)
 *       kind: timing       timing | deterministic | verdict | count (default: the registry's)
 *       gate: true         false: report only
 *       allow_missing: false   true: a value missing in the new run passes
 * Every key is optional; an empty file (or none) is the defaults. Whether a rule's metric
 * exists is checked against the runs when comparing (gb_compare_new, with the rule's line). */
#ifndef GB_GATE_H
#define GB_GATE_H

#include "gb_compare.h"
#include "gb_err.h"

typedef struct gb_gate gb_gate;

/* Loads the gate file at path into *out (free with gb_gate_free). 0, or -1 with an error:
 * GB_ERR_INPUT for an unreadable file, invalid YAML or a schema violation (as above),
 * GB_ERR_RUNTIME when out of memory. */
int gb_gate_load(const char *path, gb_gate **out, gb_err *err);

/* The options the file sets (the rules point into g: they live until gb_gate_free). Keys the
 * file leaves out are 0 (gb_compare_new's defaults). */
const gb_compare_opts *gb_gate_opts(const gb_gate *g);

void gb_gate_free(gb_gate *g);

#endif
