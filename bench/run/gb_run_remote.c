/* The results of engines in other processes (`gamebench sim --to kafka` with `gamebench engine`
 * processes): the messages they rejected, from the dead-letter topic, and each engine shard's
 * latest aggregates, from the aggregates topic (docs/kafka.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_grow.h"
#include "gb_run_int.h"
#include "gb_transport_kafka.h"

/* The channel of a topic "gamebench.<run>.<channel>": what stays the same from run to run. */
static const char *channel_of(const char *topic) {
  const char *dot = strrchr(topic, '.');
  return dot ? dot + 1 : topic;
}

static void on_dead_letter(void *ctx, const gb_kafka_dead_letter *d) {
  gb_run_remote *r = ctx;
  if (r->failed || GB_GROW(r->dead, r->dead_cap, r->n_dead + 1, 16, "dead letters", NULL) != 0) {
    r->failed = true;
    return;
  }
  gb_run_dead_letter *x = &r->dead[r->n_dead];
  *x = (gb_run_dead_letter){.topic = strdup(channel_of(d->topic)),
                            .partition = d->partition,
                            .offset = d->offset,
                            .length = d->length,
                            .reason = strdup(d->reason),
                            .payload = malloc(d->len + 1),
                            .len = d->len,
                            .sequenced = d->sequenced};
  r->n_dead++; /* freed with the others even when a copy failed */
  if (!x->topic || !x->reason || !x->payload) {
    r->failed = true;
    return;
  }
  memcpy(x->payload, d->payload, d->len);
  x->payload[d->len] = '\0';
}

static void on_aggregates(void *ctx, const char *source, uint64_t version, const void *bytes,
                          size_t len) {
  gb_run_remote *r = ctx;
  if (r->failed)
    return;
  gb_run_remote_source *s = NULL;
  for (size_t i = 0; i < r->n_sources && !s; i++)
    if (strcmp(r->sources[i].source, source) == 0)
      s = &r->sources[i];
  if (!s) {
    if (GB_GROW(r->sources, r->sources_cap, r->n_sources + 1, 8, "aggregate sources", NULL) != 0) {
      r->failed = true;
      return;
    }
    s = &r->sources[r->n_sources++];
    *s = (gb_run_remote_source){.source = strdup(source)};
    if (!s->source) {
      r->failed = true;
      return;
    }
  }
  if (s->bytes && version <= s->version)
    return; /* the latest snapshot of a source holds everything of the earlier ones */
  uint8_t *copy = malloc(len ? len : 1);
  if (!copy) {
    r->failed = true;
    return;
  }
  memcpy(copy, bytes, len);
  free(s->bytes);
  s->bytes = copy;
  s->len = len;
  s->version = version;
}

static int by_origin(const void *a, const void *b) {
  const gb_run_dead_letter *x = a, *y = b;
  int c = strcmp(x->topic, y->topic);
  if (c != 0)
    return c;
  if (x->partition != y->partition)
    return x->partition < y->partition ? -1 : 1;
  return (x->offset > y->offset) - (x->offset < y->offset);
}

static int by_source(const void *a, const void *b) {
  return strcmp(((const gb_run_remote_source *)a)->source,
                ((const gb_run_remote_source *)b)->source);
}

static void free_dead(gb_run_dead_letter *d) {
  free(d->topic);
  free(d->reason);
  free(d->payload);
}

/* Sorted by origin, each message once: an engine that restarted may reject a message again
 * (at-least-once), a dead letter names the message it stands for. */
static void sort_dead(gb_run_remote *r) {
  if (r->n_dead == 0) /* r->dead is NULL then, which qsort must not be given */
    return;
  qsort(r->dead, r->n_dead, sizeof *r->dead, by_origin);
  size_t kept = 0;
  for (size_t i = 0; i < r->n_dead; i++) {
    if (kept > 0 && by_origin(&r->dead[kept - 1], &r->dead[i]) == 0) {
      free_dead(&r->dead[i]);
      continue;
    }
    r->dead[kept++] = r->dead[i];
  }
  r->n_dead = kept;
  r->sequenced_rejected = 0;
  for (size_t i = 0; i < r->n_dead; i++)
    r->sequenced_rejected += r->dead[i].sequenced;
}

int gb_run_remote_collect(gb_transport *t, gb_run_remote *r, gb_err *err) {
  gb_kafka_results_fns fns = {.ctx = r, .dead_letter = on_dead_letter, .aggregates = on_aggregates};
  if (gb_transport_kafka_collect_results(t, &fns, err) != 0)
    return -1;
  if (r->failed)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the engines' results");
  sort_dead(r);
  if (r->n_sources > 0) /* NULL when no engine published: qsort must not be given it */
    qsort(r->sources, r->n_sources, sizeof *r->sources, by_source);
  return 0;
}

int gb_run_remote_merge(const gb_run_remote *r, gb_agg *dst, gb_err *err) {
  for (size_t i = 0; i < r->n_sources; i++) {
    char what[300];
    snprintf(what, sizeof what, "the aggregates of engine shard %s", r->sources[i].source);
    if (gb_agg_merge_encoded(dst, r->sources[i].bytes, r->sources[i].len, what, err) != 0)
      return -1;
  }
  return 0;
}

void gb_run_remote_free(gb_run_remote *r) {
  for (size_t i = 0; i < r->n_dead; i++)
    free_dead(&r->dead[i]);
  free(r->dead);
  for (size_t i = 0; i < r->n_sources; i++) {
    free(r->sources[i].source);
    free(r->sources[i].bytes);
  }
  free(r->sources);
  memset(r, 0, sizeof *r);
}
