/* gb_opts: one option table drives parsing, validation and --help for every command (the fio
 * convention). A command declares a gb_opt array ending with {0}; gb_opts_parse fills the
 * targets, collects positional arguments, and reports bad flags with the flag named. */
#ifndef GB_OPTS_H
#define GB_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gb_err.h"

typedef enum gb_opt_kind {
  GB_OPT_FLAG,   /* bool, no argument */
  GB_OPT_STRING, /* const char *: points into argv */
  GB_OPT_INT,    /* int64_t, decimal, within [min, max] */
  GB_OPT_DOUBLE, /* double, within [min, max] */
  GB_OPT_LIST    /* gb_opt_list: repeatable string option (e.g. --set k=v) */
} gb_opt_kind;

enum { GB_OPT_LIST_MAX = 64 };

typedef struct gb_opt_list {
  size_t n;
  const char *items[GB_OPT_LIST_MAX];
} gb_opt_list;

typedef struct gb_opt {
  const char *name; /* long name without "--" */
  char short_name;  /* 0 for none */
  gb_opt_kind kind;
  void *target;        /* bool*, const char**, int64_t*, double*, gb_opt_list* */
  const char *metavar; /* argument placeholder in --help, e.g. "DIR" */
  const char *help;    /* one line; mention the default */
  double min, max;     /* for INT and DOUBLE; min == max == 0 means unbounded */
} gb_opt;

typedef struct gb_cmd_spec {
  const char *name;    /* "run" */
  const char *usage;   /* "WORKLOAD [options]" */
  const char *summary; /* one line */
  const char *details; /* paragraphs printed after the options, may be NULL */
  /* Help generated from a registry, printed after details (e.g. gb_opts_print_algorithms);
   * may be NULL. */
  void (*more_help)(FILE *out);
  size_t min_positional, max_positional;
  const gb_opt *opts; /* terminated by an entry whose name is NULL */
} gb_cmd_spec;

typedef struct gb_opts_result {
  bool help; /* --help or -h was given: the caller prints help and exits 0 */
  size_t n_positional;
  const char *positional[16];
} gb_opts_result;

/* Parses argv[1..argc-1] (argv[0] is the command name) against spec. Accepts "--name value",
 * "--name=value", "-x value", and "--" to end options. Returns 0, or -1 with an input error
 * that names the flag and the reason. */
int gb_opts_parse(const gb_cmd_spec *spec, int argc, char **argv, gb_opts_result *res, gb_err *err);

/* Prints `gamebench NAME` help (usage, summary, every option with its metavar and help, the
 * details, then more_help's). */
void gb_opts_print_help(const gb_cmd_spec *spec, FILE *out);

/* The cells of a recommender algorithm's parameter (gb_algo.h) as --help and
 * docs/algorithms.md show them: its kind, its default as a workload writes it ("0.1", "1m",
 * "cosine": values in the same form parse back to the same number), and its range ("[0, 1]",
 * "[1s, 7d]", or the choices "cosine, jaccard"). */
enum { GB_OPTS_PARAM_TEXT_MAX = 64 };
typedef struct gb_opts_param_text {
  const char *kind; /* "number", "integer", "duration" or "choice" (static storage) */
  char def[GB_OPTS_PARAM_TEXT_MAX];
  char range[GB_OPTS_PARAM_TEXT_MAX];
} gb_opts_param_text;
struct gb_algo_param;
void gb_opts_param_text_of(const struct gb_algo_param *param, gb_opts_param_text *out);

/* The platforms an algorithm serves, as --help and docs/algorithms.md name them: "card" (it
 * gives props: its choose), "store" (it ranks slates: its gb_slate_ops), or "card, store"
 * (static storage). */
struct gb_algo_ops;
const char *gb_opts_algo_platforms(const struct gb_algo_ops *ops);

/* Prints the "algorithms" section of `gamebench run --help`: every registered algorithm
 * (gb_algo_registry, in its order) with its summary, the platforms it serves ("      platforms:
 * card, store"), then one line per parameter: name=default, kind and range, and its doc. */
void gb_opts_print_algorithms(FILE *out);

/* A command's start: parses argv against spec (gb_opts_parse). Returns -1 when the command
 * should go on; otherwise the exit status to return at once: 0 after printing --help, 2 (or 1)
 * after printing the error. */
int gb_opts_command(const gb_cmd_spec *spec, int argc, char **argv, gb_opts_result *res);

/* Prints err as "gamebench: ..." on stderr (messages from option parsing already start with
 * "gamebench COMMAND:") and returns the exit status for its kind: 2 for GB_ERR_INPUT, 1
 * otherwise. */
int gb_opts_fail(const gb_err *err);

#endif
