/* gb_store_catalog: the apps of the Steam-style store — generated from a seed, or loaded from a
 * CSV catalogue of real titles (../shared/data/steam-catalog.csv has 27 k).
 *
 * An app has an ordinal (0 .. n-1; its app_id on the wire is ordinal + 1), genres (a bit mask
 * over the catalogue's genre names, at most GB_STORE_GENRES_MAX), a price, a release date, a
 * quality in (0, 1) and a popularity weight (> 0, heavy-tailed: the chance that a player who
 * browses without recommendations meets it). What a CSV does not give (price, release date,
 * quality, popularity) is drawn from the seed and the app's ordinal, so a loaded catalogue is as
 * deterministic as a generated one. docs/simulator.md ("The store") gives the distributions.
 *
 * Popularity is log-normal over a random order of the apps: the app of popularity rank r
 * (1-based) of n weighs exp(sigma z_r), z_r the standard normal quantile of 1 - (r - 1/2) / n,
 * normalised to sum to 1. (A Zipf law fitted the real Steam log's concentration less well: its
 * Lorenz curve stayed 0.06 away, the log-normal's is within 0.04; docs/simulator.md.)
 *
 * Sampling (gb_store_catalog_sample) draws an app with probability proportional to its
 * popularity, among all apps or those of one genre, in O(1) expected (gb_store_sampler: the
 * popular head by a guide table, the long tail by an alias table, so that the entries most draws
 * read stay in the caches).
 * Immutable once built; any number of threads may read it. Memory: about 56 bytes per app plus
 * its strings, 16 bytes per (app, genre) and 4 KiB per genre. */
#ifndef GB_STORE_CATALOG_H
#define GB_STORE_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

enum {
  GB_STORE_GENRES_MAX = 32,    /* genre names of one catalogue (a bit each) */
  GB_STORE_APPS_MAX = 1000000, /* apps of one catalogue */
  GB_STORE_GENRE_NAME_MAX = 40 /* bytes of a genre name, without its NUL */
};

typedef struct gb_store_app {
  uint32_t genres;      /* bit g set when the app has genre g */
  uint32_t price_cents; /* list price; 0 = free to play */
  int64_t release_ms;   /* release date, sim ms since the Unix epoch */
  double quality;       /* (0, 1): how good players find it, whatever their taste */
  double popularity;    /* > 0; the weights sum to 1 over the catalogue */
} gb_store_app;

/* How to build one. */
typedef struct gb_store_catalog_params {
  uint64_t seed;
  uint32_t apps;           /* generated: how many (1 .. GB_STORE_APPS_MAX); ignored when loading */
  double popularity_sigma; /* spread of log popularity, 0 .. 6 */
  int64_t start_ms;        /* releases fall in the ten years before this sim time */
} gb_store_catalog_params;

typedef struct gb_store_catalog gb_store_catalog;

/* Generates params->apps apps with the generated genre names (Steam's top-level genres). Returns
 * 0, or -1 with GB_ERR_INPUT for parameters out of range, GB_ERR_RUNTIME when out of memory. */
int gb_store_catalog_generate(const gb_store_catalog_params *params, gb_store_catalog **out,
                              gb_err *err);

/* Loads the CSV at path: a header naming at least `title` and `genres` (`developer`,
 * `publisher` and `categories` are read when present), one app per row, genres `;`-separated
 * (the first GB_STORE_GENRES_MAX distinct names in order of appearance get a bit; rarer ones
 * beyond are dropped). A row that cannot be used (wrong number of fields, no title) is skipped
 * and counted; the first few are reported through *skipped_report (may be NULL), e.g.
 * "steam-catalog.csv:1200: 3 fields, the header has 6". It is an error only when no row is
 * usable. Returns 0, or -1 with GB_ERR_INPUT naming the file (and line), GB_ERR_RUNTIME when
 * out of memory. *skipped gets the number of skipped rows (may be NULL). */
int gb_store_catalog_load(const char *path, const gb_store_catalog_params *params,
                          gb_store_catalog **out, size_t *skipped, char *skipped_report,
                          size_t report_cap, gb_err *err);

void gb_store_catalog_free(gb_store_catalog *c);

/* Number of apps and of genre names. */
uint32_t gb_store_catalog_apps(const gb_store_catalog *c);
unsigned gb_store_catalog_genres(const gb_store_catalog *c);

/* App ordinal (< apps). */
const gb_store_app *gb_store_catalog_app(const gb_store_catalog *c, uint32_t ordinal);

/* The app's title from the CSV (owned by the catalogue), or NULL for a generated catalogue. */
const char *gb_store_catalog_title(const gb_store_catalog *c, uint32_t ordinal);

/* Genre g's name (< genres). */
const char *gb_store_catalog_genre_name(const gb_store_catalog *c, unsigned g);

/* The share of the catalogue's popularity that apps of genre g hold (the genres of an app each
 * count it fully, so the shares sum to 1 or more). */
double gb_store_catalog_genre_share(const gb_store_catalog *c, unsigned g);

/* An app drawn with probability proportional to popularity, u uniform in [0, 1): among all
 * apps when genre < 0, else among those of that genre (which must have at least one app; then
 * gb_store_catalog_genre_share > 0). */
uint32_t gb_store_catalog_sample(const gb_store_catalog *c, int genre, double u);

/* The popularity rank of each app (1 = most popular), for coverage and novelty reports. */
uint32_t gb_store_catalog_rank(const gb_store_catalog *c, uint32_t ordinal);

#endif
