/* gb_cli: the gamebench command line. Each command is a function taking the command's own
 * argv (argv[0] is the command name) and returning the process exit status:
 * 0 success, 1 runtime failure, 2 bad input (flag, workload, definition, event, query). */
#ifndef GB_CLI_H
#define GB_CLI_H

#include <stddef.h>

/* Entry point: dispatches `gamebench COMMAND ...`. */
int gb_cli_main(int argc, char **argv);

/* Prints an error message as "gamebench: ..." on stderr and returns the exit status for its
 * kind (2 for GB_ERR_INPUT, 1 otherwise). */
struct gb_err;
int gb_cli_fail(const struct gb_err *err);

/* Parses a command's argv against its option table. Returns -1 when the command should go on;
 * otherwise the exit status to return at once: 0 after printing --help, 2 (or 1) after printing
 * the error. */
struct gb_cmd_spec;
struct gb_opts_result;
int gb_cli_parse(const struct gb_cmd_spec *spec, int argc, char **argv, struct gb_opts_result *res);

/* Loads the workload of a Kafka command (`sim --to kafka`, `engine`, `bench kafka`): the
 * command's defaults (at most GB_CLI_KAFKA_DEFAULTS_MAX; --set may override them), the user's
 * --set overrides, then transport.kind=kafka and, when brokers is not NULL,
 * transport.brokers=BROKERS (--brokers wins over the file and --set). Returns 0 with *out (free
 * it with gb_workload_free), or -1 with err: the workload's errors (file, line, key), or
 * GB_ERR_INPUT "--brokers: too long". */
enum { GB_CLI_KAFKA_DEFAULTS_MAX = 4 };
struct gb_opt_list;
struct gb_workload;
int gb_cli_load_kafka_workload(const char *path, const char *const *defaults, size_t n_defaults,
                               const struct gb_opt_list *sets, const char *brokers,
                               struct gb_workload **out, struct gb_err *err);

/* The commands (one file each under bench/). */
int gb_cmd_run(int argc, char **argv);
int gb_cmd_sim(int argc, char **argv);
int gb_cmd_engine(int argc, char **argv);
int gb_cmd_match(int argc, char **argv);
int gb_cmd_report(int argc, char **argv);
int gb_cmd_compare(int argc, char **argv);
int gb_cmd_bench(int argc, char **argv);
int gb_cmd_version(int argc, char **argv);

#endif
