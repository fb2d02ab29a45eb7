/* gb_yaml: the limits of every YAML document gamebench reads (workloads, challenge catalogues,
 * gate files; JSON definitions are read as YAML flow syntax).
 *
 * libyaml's scanner keeps a candidate key per open flow collection and looks at every one of them
 * for each token, so a document nested d deep costs tokens x d: a 200 KB file of 100,000 '['
 * took over 30 s. Callers cap the file's size (gb_afile_read_max) and check its nesting with
 * gb_yaml_check_depth before loading it, which stops as soon as the limit is passed. */
#ifndef GB_YAML_H
#define GB_YAML_H

#include <stddef.h>

#include "gb_err.h"

enum {
  /* The deepest nesting of lists and mappings accepted: gamebench's own documents are at most
   * about 8 deep (a definition's criteria inside a catalogue); 64 leaves room for any real one. */
  GB_YAML_DEPTH_MAX = 64
};

/* Fails when text[0..len) nests lists and mappings more than max_depth deep (a scalar at the top
 * is depth 0, "[1]" depth 1). Returns 0 when it does not, and also on a syntax error, which the
 * caller's own parse then reports with its context; -1 with GB_ERR_INPUT
 * "<label>:<line>: nested more than <max_depth> levels deep (lists and mappings)", or
 * GB_ERR_RUNTIME when out of memory. Costs one parse of the text up to the point of failure. */
int gb_yaml_check_depth(const char *label, const char *text, size_t len, int max_depth,
                        gb_err *err);

#endif
