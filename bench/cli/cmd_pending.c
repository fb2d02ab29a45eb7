/* Commands whose issue has not landed yet. Each says so and exits 2 rather than pretend. Each
 * function moves to its own file when its issue lands. */
#include <stdio.h>
#include <string.h>

#include "gb_cli.h"

static int pending(int argc, char **argv, const char *what, const char *issue) {
  if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    printf("usage: gamebench %s ...\n\n%s\n\nNot available yet: %s.\n", argv[0], what, issue);
    return 0;
  }
  fprintf(stderr, "gamebench %s: not available yet (%s)\n", argv[0], issue);
  return 2;
}

int gb_cmd_compare(int argc, char **argv) {
  return pending(argc, argv, "Compare results directories as a regression gate.",
                 "lands with the regression-gate issue");
}
