#include "gb_yaml.h"

#include <stdbool.h>
#include <yaml.h>

int gb_yaml_check_depth(const char *label, const char *text, size_t len, int max_depth,
                        gb_err *err) {
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p))
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", label);
  yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
  int rc = 0, depth = 0;
  bool done = false;
  while (!done && rc == 0) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) {
      if (p.error == YAML_MEMORY_ERROR)
        rc = gb_err_set(err, GB_ERR_RUNTIME, "%s: out of memory", label);
      break; /* a syntax error: the caller's parse reports it */
    }
    if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT)
      depth++;
    else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT)
      depth--;
    done = ev.type == YAML_STREAM_END_EVENT;
    if (depth > max_depth)
      rc = gb_err_set(err, GB_ERR_INPUT,
                      "%s:%zu: nested more than %d levels deep (lists and mappings)", label,
                      ev.start_mark.line + 1, max_depth);
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&p);
  return rc;
}
