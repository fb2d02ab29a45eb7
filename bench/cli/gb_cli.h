/* gb_cli: the gamebench command line. Each command is a function taking the command's own
 * argv (argv[0] is the command name) and returning the process exit status:
 * 0 success, 1 runtime failure, 2 bad input (flag, workload, definition, event, query). */
#ifndef GB_CLI_H
#define GB_CLI_H

#include <stddef.h>

/* Entry point: dispatches `gamebench COMMAND ...`. */
int gb_cli_main(int argc, char **argv);

/* The commands (one file each under bench/cli/). */
int gb_cmd_run(int argc, char **argv);
int gb_cmd_sim(int argc, char **argv);
int gb_cmd_engine(int argc, char **argv);
int gb_cmd_match(int argc, char **argv);
int gb_cmd_catalog(int argc, char **argv);
int gb_cmd_report(int argc, char **argv);
int gb_cmd_query(int argc, char **argv);
int gb_cmd_compare(int argc, char **argv);
int gb_cmd_features(int argc, char **argv);
int gb_cmd_eval(int argc, char **argv);
int gb_cmd_bench(int argc, char **argv);
int gb_cmd_version(int argc, char **argv);

#endif
