/* gb_live: the live HTTP face of a running engine (`gamebench run --http`, `gamebench engine
 * --http`): POST /query answers a query document (docs/queries.md) from the shards' stats cubes
 * merged at that moment, GET /metrics serves the run's counters and per-stage latency summaries
 * in Prometheus text format.
 *
 * Each request reads every shard between two of its batches (gb_shard_with_state): the shards
 * pause for as long as it takes to copy their cube into the answer's (about a millisecond per
 * 10^4 cells), never for the query itself. */
#ifndef GB_LIVE_H
#define GB_LIVE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"
#include "gb_shard.h"

typedef struct gb_run_stage_hists gb_run_stage_hists;

typedef struct gb_live_config {
  const char *address;     /* gb_http_new's: "PORT", "HOST:PORT" (loopback unless named) */
  gb_shard *const *shards; /* [n_shards], borrowed: they outlive the server */
  size_t n_shards;
  /* per shard latency histograms, recorded by the shard's hooks (so read under its lock);
   * NULL when the process does not measure latency (`gamebench engine`) */
  const gb_run_stage_hists *const *hists;
  const _Atomic uint64_t *events_generated; /* the simulators' count; NULL when none here */
  const char *workload, *transport;         /* labels of gamebench_run_info */
  int64_t start_ns;                         /* gb_clock time the run started (uptime) */
} gb_live_config;

typedef struct gb_live gb_live;

/* Starts serving. GB_ERR_INPUT naming the address when it is bad or cannot be bound. */
int gb_live_new(const gb_live_config *cfg, gb_live **out, gb_err *err);

/* "127.0.0.1:PORT" as bound. */
const char *gb_live_address(const gb_live *l);

/* Stops serving (waits for a request in flight). */
void gb_live_free(gb_live *l);

#endif
