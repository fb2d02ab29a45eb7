/* gamebench catalog generate: a seeded challenge catalogue over the simulator's games and rooms
 * (engine/matcher/gb_catalog_gen.h does the work; docs/workloads.md, "Generated catalogues",
 * documents it). `catalog` takes a subcommand so that other catalogue tools can join it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_afile.h"
#include "gb_catalog_gen.h"
#include "gb_cli.h"
#include "gb_games.h"
#include "gb_opts.h"

/* The count and seed of workloads/challenges/algorithms.yaml: with no flags, the command
 * regenerates that file. */
enum { DEFAULT_COUNT = 200, DEFAULT_SEED = 2026 };

static int write_text(const char *path, const char *text, size_t len, gb_err *err) {
  if (!path || strcmp(path, "-") == 0) {
    if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)
      return gb_err_set(err, GB_ERR_RUNTIME, "gamebench catalog generate: write error on stdout");
    return 0;
  }
  gb_afile *f;
  if (gb_afile_open(path, &f, err) != 0)
    return -1;
  if (fwrite(text, 1, len, gb_afile_stream(f)) != len) {
    gb_afile_discard(f);
    return gb_err_set(err, GB_ERR_RUNTIME, "%s: write error", path);
  }
  return gb_afile_commit(f, err);
}

/* The simulator's platform (sim/card/gb_games.h) as the generator's input. */
static int generate(uint64_t count, uint64_t seed, const char *out, gb_err *err) {
  size_t n_games, n_rooms;
  const gb_game_model *games = gb_games(&n_games);
  const gb_room_model *rooms = gb_rooms(&n_rooms);
  gb_catalog_gen_game g[GB_CATALOG_GEN_GAMES_MAX];
  gb_catalog_gen_room r[GB_CATALOG_GEN_ROOMS_MAX];
  GB_ASSERT(n_games <= GB_CATALOG_GEN_GAMES_MAX && n_rooms <= GB_CATALOG_GEN_ROOMS_MAX);
  for (size_t i = 0; i < n_games; i++)
    g[i] = (gb_catalog_gen_game){games[i].name, games[i].popularity, games[i].family};
  for (size_t i = 0; i < n_rooms; i++)
    r[i] = (gb_catalog_gen_room){rooms[i].name, rooms[i].bet};
  gb_catalog_gen_params p = {.count = (size_t)count,
                             .seed = seed,
                             .games = g,
                             .n_games = n_games,
                             .rooms = r,
                             .n_rooms = n_rooms};
  char *text;
  size_t len;
  if (gb_catalog_gen_yaml(&p, &text, &len, err) != 0)
    return gb_err_prefix(err, "gamebench catalog generate: ");
  int rc = write_text(out, text, len, err);
  free(text);
  return rc;
}

static int cmd_generate(int argc, char **argv) {
  int64_t count = DEFAULT_COUNT, seed = DEFAULT_SEED;
  const char *out = NULL;
  const gb_opt opts[] = {
      {"count", 'n', GB_OPT_INT, &count, "N", "challenges to generate (default 200)", 1,
       GB_CATALOG_GEN_MAX},
      {"seed", 's', GB_OPT_INT, &seed, "S", "seed of every random draw (default 2026)", 0, 1e18},
      {"out", 'o', GB_OPT_STRING, &out, "FILE",
       "where to write the YAML, atomically; '-' for stdout (default: stdout)", 0, 0},
      {0},
  };
  const gb_cmd_spec spec = {
      .name = "catalog generate",
      .usage = "[--count N] [--seed S] [--out FILE]",
      .summary = "Generate a challenge catalogue over the simulator's games, rooms and level "
                 "bands (YAML, the format\nengine.challenges reads): the same count and seed give "
                 "the same bytes.",
      .details = "Scopes: a tenth of the challenges about any game, a tenth about a family of "
                 "games (mahjong,\nclimbing, poker), the rest about one game each (4 per game, "
                 "then by popularity). Each targets\na level band (1-5, 6-15, 16-30, 31+), so a "
                 "game_end has a realistic handful of candidates.\nGoals: play N, win N, N wins in "
                 "a row, win C coins, play at a higher room's bet, daily streaks,\nplay N within "
                 "a window, comeback wins for broke players. With no flags it writes the bytes "
                 "of\nworkloads/challenges/algorithms.yaml. Rules and reasons: docs/workloads.md "
                 "(\"Generated catalogues\").\nExit status: 0 written, 1 the output could not be "
                 "written, 2 a bad flag.",
      .opts = opts,
  };
  gb_opts_result res;
  int parsed = gb_opts_command(&spec, argc, argv, &res);
  if (parsed >= 0)
    return parsed;
  gb_err err = {0};
  if (generate((uint64_t)count, (uint64_t)seed, out, &err) != 0)
    return gb_opts_fail(&err);
  return 0;
}

typedef struct subcommand {
  const char *name;
  int (*fn)(int argc, char **argv);
  const char *summary;
} subcommand;

static const subcommand subcommands[] = {
    {"generate", cmd_generate, "a seeded, realistic challenge catalogue (YAML)"},
};

static void usage(FILE *out) {
  fprintf(out, "usage: gamebench catalog SUBCOMMAND [options]\n\nChallenge catalogues; "
               "'gamebench catalog SUBCOMMAND --help' lists its options.\n\nsubcommands:\n");
  for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
    fprintf(out, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
}

int gb_cmd_catalog(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++)
    if (strcmp(subcommands[i].name, argv[1]) == 0)
      return subcommands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "gamebench catalog: unknown subcommand '%s' (see 'gamebench catalog --help')\n",
          argv[1]);
  return 2;
}
