/* gb_stages: the latency stages gamebench measures, with their names in result files
 * (latency_<name>_p99_us, latency.csv's stage column). docs/results.md defines each. */
#ifndef GB_STAGES_H
#define GB_STAGES_H

#include <stdbool.h>

typedef enum gb_stage {
  GB_STAGE_SEND,        /* simulator → transport: until the event is in the transport (waits on
                           backpressure); uncorrected from the start of the send */
  GB_STAGE_TRANSPORT,   /* send → shard receives: corrected from the intended emit time */
  GB_STAGE_DECODE,      /* JSON decode (service time) */
  GB_STAGE_AGGREGATOR,  /* aggregator update (service time) */
  GB_STAGE_MATCHER,     /* attributes, progress tracking and matching (service time) */
  GB_STAGE_RECOMMENDER, /* eligibility match and choice at decision points (service time) */
  GB_STAGE_E2E,         /* emit → processing done in the engine */
  GB_STAGE_REPLY,    /* decided → the answer reaches the player (service time of the way back) */
  GB_STAGE_DECISION, /* a decision point's emit → its answer reaches the player */
  GB_STAGE__COUNT
} gb_stage;

/* "transport", "decode", … */
const char *gb_stage_name(gb_stage s);

/* Whether s is a service time (decode, aggregator, matcher, recommender, reply): measured from
 * the stage's own start, so that its corrected and uncorrected views hold the same samples.
 * False for the stages measured from the intended emit time, and for values out of range. */
bool gb_stage_is_service(gb_stage s);

#endif
