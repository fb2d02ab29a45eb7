/* gb_run_control: operators' catalogue changes scheduled into a run (`gamebench run --control
 * FILE`, `gamebench sim --control FILE`).
 *
 * FILE holds one challenge_upsert or challenge_delete event per line (JSON, docs/events.md;
 * blank lines and lines starting with '#' are skipped). Each change takes effect at sim time
 * max(ts, effective_ts): its *boundary*. The harness sends it, on the control channel (every
 * partition, every simulator thread), once every event of sim time before the boundary has
 * been sent and answered, and `gamebench run` holds the simulator threads at the boundary until
 * every shard has read every copy: so each event before the boundary sees the catalogue without
 * the change and each event at or after it sees the change, whatever the threads, shards,
 * partitions or transport (same workload, seed and file, same results). */
#ifndef GB_RUN_CONTROL_H
#define GB_RUN_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "gb_catalog.h"
#include "gb_err.h"
#include "gb_event.h"

typedef struct gb_run_control gb_run_control;

/* The largest --control file read: a change per line, each a definition of a few hundred bytes;
 * 64 MiB is hundreds of thousands of changes. */
#define GB_RUN_CONTROL_FILE_MAX ((size_t)64 << 20)

/* Reads FILE. Every change must have a boundary in [start_ms, end_ms) (the run's sim time) and
 * an event_id of its own; the changes are validated against `catalog` (a copy of the run's
 * catalogue, which receives them all, applied in boundary order: the simulator's ground truth
 * knows every definition the engine may choose). Returns 0 and *out (free with
 * gb_run_control_free), or -1 with GB_ERR_INPUT naming "FILE:LINE: reason" for a bad line
 * or "--control FILE: reason" for a file that cannot be opened or read, is a directory or is
 * larger than GB_RUN_CONTROL_FILE_MAX (gb_afile_read_max's messages); GB_ERR_RUNTIME only when
 * out of memory. */
int gb_run_control_load(const char *path, int64_t start_ms, int64_t end_ms, gb_catalog *catalog,
                        gb_run_control **out, gb_err *err);

void gb_run_control_free(gb_run_control *c);

/* Number of changes (0 for NULL). */
size_t gb_run_control_count(const gb_run_control *c);

/* The i-th change in boundary order (i < count): its boundary (sim ms) and the event to send,
 * whose effective_ts is the boundary. The event stays owned by c (read-only: copy it to set the
 * harness's time stamps). */
int64_t gb_run_control_boundary(const gb_run_control *c, size_t i);
const gb_event *gb_run_control_event(const gb_run_control *c, size_t i);

#endif
