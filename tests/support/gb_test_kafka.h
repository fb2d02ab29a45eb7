/* Kafka scenarios shared by the embedded-broker and real-broker suites
 * (tests/integration/test_kafka_mock.c, test_kafka_real.c). */
#ifndef GB_TEST_KAFKA_H
#define GB_TEST_KAFKA_H

/* The topics of a run, by suffix (gamebench.<run>.<suffix>), as gamebench names them. */
extern const char *const gbt_kafka_topic_suffixes[];
enum { GBT_KAFKA_TOPICS = 8 };

/* A separate-process run on brokers under run_id: one `gamebench engine`, then `gamebench sim
 * --to kafka` (paced, a few seconds), and while the simulator runs three malformed messages
 * produced straight to the card topic (without gamebench's header, as kcat would). Asserts that
 * the simulator's results report them (summary.csv's events_rejected, dead_letter.jsonl with
 * each one's reason, payload and origin), that the run reconciles, and that aggregates.csv,
 * cube.gbc and arms.csv are the in-process run's byte for byte. Directories and logs go under
 * tmp. */
void gbt_kafka_rejects_reach_the_results(const char *brokers, const char *run_id, const char *tmp);

#endif
