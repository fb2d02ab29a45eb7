#include "gb_opts.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const gb_opt *find_long(const gb_opt *opts, const char *name, size_t len) {
  for (const gb_opt *o = opts; o && o->name; o++)
    if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
      return o;
  return NULL;
}

static const gb_opt *find_short(const gb_opt *opts, char c) {
  for (const gb_opt *o = opts; o && o->name; o++)
    if (o->short_name == c)
      return o;
  return NULL;
}

static bool bounded(const gb_opt *o) { return !(o->min == 0 && o->max == 0); }

static int store_value(const gb_cmd_spec *spec, const gb_opt *o, const char *val, gb_err *err) {
  char *end = NULL;
  switch (o->kind) {
  case GB_OPT_STRING:
    *(const char **)o->target = val;
    return 0;
  case GB_OPT_LIST: {
    gb_opt_list *list = o->target;
    if (list->n == GB_OPT_LIST_MAX)
      return gb_err_set(err, GB_ERR_INPUT, "gamebench %s: --%s: more than %d values", spec->name,
                        o->name, GB_OPT_LIST_MAX);
    list->items[list->n++] = val;
    return 0;
  }
  case GB_OPT_INT: {
    errno = 0;
    long long v = strtoll(val, &end, 10);
    if (errno || end == val || *end != '\0')
      return gb_err_set(err, GB_ERR_INPUT, "gamebench %s: --%s: '%s' is not an integer", spec->name,
                        o->name, val);
    if (bounded(o) && (v < o->min || v > o->max))
      return gb_err_set(err, GB_ERR_INPUT, "gamebench %s: --%s: %lld is outside [%.0f, %.0f]",
                        spec->name, o->name, v, o->min, o->max);
    *(int64_t *)o->target = v;
    return 0;
  }
  case GB_OPT_DOUBLE: {
    errno = 0;
    double v = strtod(val, &end);
    if (errno || end == val || *end != '\0' || !isfinite(v))
      return gb_err_set(err, GB_ERR_INPUT, "gamebench %s: --%s: '%s' is not a number", spec->name,
                        o->name, val);
    if (bounded(o) && (v < o->min || v > o->max))
      return gb_err_set(err, GB_ERR_INPUT, "gamebench %s: --%s: %g is outside [%g, %g]", spec->name,
                        o->name, v, o->min, o->max);
    *(double *)o->target = v;
    return 0;
  }
  case GB_OPT_FLAG:
    break;
  }
  return gb_err_set(err, GB_ERR_INPUT, "gamebench %s: --%s takes no value", spec->name, o->name);
}

static int add_positional(const gb_cmd_spec *spec, gb_opts_result *res, const char *arg,
                          gb_err *err) {
  size_t cap = sizeof res->positional / sizeof res->positional[0];
  if (res->n_positional == cap || res->n_positional == spec->max_positional)
    return gb_err_set(err, GB_ERR_INPUT, "gamebench %s: unexpected argument '%s' (usage: %s)",
                      spec->name, arg, spec->usage);
  res->positional[res->n_positional++] = arg;
  return 0;
}

/* Handles one option at argv[*i]; advances *i past a separate value. */
static int parse_option(const gb_cmd_spec *spec, int argc, char **argv, int *i, gb_err *err) {
  const char *arg = argv[*i];
  const gb_opt *o;
  const char *inline_val = NULL;
  if (arg[1] == '-') {
    const char *name = arg + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    o = find_long(spec->opts, name, len);
    if (!o)
      return gb_err_set(err, GB_ERR_INPUT,
                        "gamebench %s: unknown option '--%.*s' (see 'gamebench %s --help')",
                        spec->name, (int)len, name, spec->name);
    inline_val = eq ? eq + 1 : NULL;
  } else {
    o = arg[2] == '\0' ? find_short(spec->opts, arg[1]) : NULL;
    if (!o)
      return gb_err_set(err, GB_ERR_INPUT,
                        "gamebench %s: unknown option '%s' (see 'gamebench %s --help')", spec->name,
                        arg, spec->name);
  }
  if (o->kind == GB_OPT_FLAG) {
    if (inline_val)
      return gb_err_set(err, GB_ERR_INPUT, "gamebench %s: --%s takes no value", spec->name,
                        o->name);
    *(bool *)o->target = true;
    return 0;
  }
  if (!inline_val) {
    if (*i + 1 >= argc)
      return gb_err_set(err, GB_ERR_INPUT, "gamebench %s: --%s needs a value (%s)", spec->name,
                        o->name, o->metavar ? o->metavar : "VALUE");
    inline_val = argv[++*i];
  }
  return store_value(spec, o, inline_val, err);
}

int gb_opts_parse(const gb_cmd_spec *spec, int argc, char **argv, gb_opts_result *res,
                  gb_err *err) {
  memset(res, 0, sizeof *res);
  bool options_done = false;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (!options_done && (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)) {
      res->help = true;
      return 0;
    }
    if (!options_done && strcmp(arg, "--") == 0) {
      options_done = true;
      continue;
    }
    /* "-" alone is a positional (stdin/stdout). */
    int rc = (!options_done && arg[0] == '-' && arg[1] != '\0')
                 ? parse_option(spec, argc, argv, &i, err)
                 : add_positional(spec, res, arg, err);
    if (rc != 0)
      return -1;
  }
  if (res->n_positional < spec->min_positional)
    return gb_err_set(err, GB_ERR_INPUT, "gamebench %s: missing argument (usage: gamebench %s %s)",
                      spec->name, spec->name, spec->usage);
  return 0;
}

void gb_opts_print_help(const gb_cmd_spec *spec, FILE *out) {
  fprintf(out, "usage: gamebench %s %s\n\n%s\n", spec->name, spec->usage, spec->summary);
  if (spec->opts && spec->opts->name)
    fprintf(out, "\noptions:\n");
  for (const gb_opt *o = spec->opts; o && o->name; o++) {
    char left[64];
    const char *mv = o->kind == GB_OPT_FLAG ? "" : (o->metavar ? o->metavar : "VALUE");
    if (o->short_name)
      snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name, *mv ? " " : "", mv);
    else
      snprintf(left, sizeof left, "    --%s%s%s", o->name, *mv ? " " : "", mv);
    fprintf(out, "  %-28s %s\n", left, o->help);
  }
  fprintf(out, "  %-28s %s\n", "-h, --help", "show this help and exit");
  if (spec->details)
    fprintf(out, "\n%s\n", spec->details);
  if (spec->more_help)
    spec->more_help(out);
}

int gb_opts_fail(const gb_err *err) {
  const char *msg = err->msg[0] ? err->msg : "unknown error";
  /* Messages from option parsing already start with "gamebench COMMAND:". */
  fprintf(stderr, "%s%s\n", strncmp(msg, "gamebench", 9) == 0 ? "" : "gamebench: ", msg);
  return err->kind == GB_ERR_INPUT ? 2 : 1;
}

int gb_opts_command(const gb_cmd_spec *spec, int argc, char **argv, gb_opts_result *res) {
  gb_err err = {0};
  if (gb_opts_parse(spec, argc, argv, res, &err) != 0)
    return gb_opts_fail(&err);
  if (res->help) {
    gb_opts_print_help(spec, stdout);
    return 0;
  }
  return -1;
}
