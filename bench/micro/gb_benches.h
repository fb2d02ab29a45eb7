/* The micro-benchmarks behind `gamebench bench NAME`. Each takes its own argv (argv[0] is the
 * benchmark name), prints a table to stdout, and returns the exit status. */
#ifndef GB_BENCHES_H
#define GB_BENCHES_H

int gb_bench_json(int argc, char **argv);      /* JSON parsers side by side on one event */
int gb_bench_histogram(int argc, char **argv); /* ns per recorded sample */
int gb_bench_matcher(int argc, char **argv);   /* scan vs index over 1k..1M definitions */
int gb_bench_kafka(int argc, char **argv);     /* bare produce->consume vs the pipeline via Kafka */
int gb_bench_sim(int argc, char **argv);       /* simulator events/s, in memory and as JSON */
int gb_bench_aggregator(int argc, char **argv);  /* stats aggregator ingest and cube queries */
int gb_bench_recommender(int argc, char **argv); /* decision latency and epoch cost per algorithm */
int gb_bench_cost(int argc, char **argv);        /* instructions per event per stage (callgrind) */

#endif
