#include "gb_live.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gb_clock.h"
#include "gb_http.h"
#include "gb_pipeline.h"
#include "gb_prom.h"
#include "gb_query.h"
#include "gb_run_int.h"

struct gb_live {
  gb_live_config cfg;
  gb_http *http;
};

/* ---- POST /query */

typedef struct cube_copy {
  gb_cube *cube; /* created from the first shard's configuration */
  gb_err *err;
  int rc;
} cube_copy;

static void copy_cube(void *ctx, const gb_pipeline *p) {
  cube_copy *cc = ctx;
  const gb_cube *src = gb_agg_cube(gb_pipeline_agg(p));
  if (cc->rc != 0 || !src)
    return;
  if (!cc->cube && gb_cube_new(gb_cube_config_of(src), &cc->cube, cc->err) != 0) {
    cc->rc = -1;
    return;
  }
  cc->rc = gb_cube_merge(cc->cube, src, cc->err);
}

/* Every shard's cube merged, as of now. NULL with err set when out of memory or when the
 * engine keeps no cube. */
static gb_cube *snapshot_cube(gb_live *l, gb_err *err) {
  cube_copy cc = {.err = err};
  for (size_t i = 0; i < l->cfg.n_shards && cc.rc == 0; i++)
    gb_shard_with_state(l->cfg.shards[i], copy_cube, &cc);
  if (cc.rc == 0 && !cc.cube)
    gb_err_set(err, GB_ERR_INPUT, "this engine keeps no stats cube");
  if (cc.rc != 0) {
    gb_cube_free(cc.cube);
    return NULL;
  }
  return cc.cube;
}

static void answer_text(gb_http_response *out, int status, const char *text) {
  size_t len = strlen(text);
  out->status = status;
  out->content_type = "text/plain; charset=utf-8";
  out->body = malloc(len + 2);
  if (!out->body) {
    out->status = 500;
    return;
  }
  memcpy(out->body, text, len);
  out->body[len] = '\n';
  out->body[len + 1] = '\0';
  out->len = len + 1;
}

/* The result as JSON in out (status 200), or an error. */
static void answer_result(gb_http_response *out, const gb_query_result *r) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  gb_err err = {0};
  if (!f) {
    answer_text(out, 500, "out of memory");
    return;
  }
  int rc = gb_query_result_write(r, GB_QUERY_JSON, f, &err);
  fclose(f);
  if (rc != 0) {
    free(text);
    answer_text(out, 500, err.msg);
    return;
  }
  out->status = 200;
  out->content_type = "application/json";
  out->body = text;
  out->len = len;
}

static void post_query(void *ctx, const char *body, size_t len, gb_http_response *out) {
  gb_live *l = ctx;
  gb_err err = {0};
  gb_query *q = NULL;
  gb_cube *cube = NULL;
  gb_query_result *r = NULL;
  int rc = gb_query_parse(body, len, "POST /query", &q, &err);
  const gb_cube *first =
      l->cfg.n_shards ? gb_agg_cube(gb_pipeline_agg(gb_shard_pipeline(l->cfg.shards[0]))) : NULL;
  if (rc == 0 && first) /* a cube's configuration never changes: checked without the lock */
    rc = gb_query_bind(q, gb_cube_config_of(first), &err);
  if (rc == 0) {
    cube = snapshot_cube(l, &err);
    rc = cube ? gb_query_run(q, cube, &r, &err) : -1;
  }
  if (rc == 0)
    answer_result(out, r);
  else
    answer_text(out, err.kind == GB_ERR_INPUT ? 400 : 500, err.msg);
  gb_query_result_free(r);
  gb_cube_free(cube);
  gb_query_free(q);
}

/* ---- GET /metrics */

typedef struct counts_copy {
  gb_pipeline_counts total;
  uint64_t late;
  gb_run_stage_hists *hists; /* NULL: not measured */
  const gb_run_stage_hists *shard_hists;
  int rc;
} counts_copy;

static void copy_counts(void *ctx, const gb_pipeline *p) {
  counts_copy *cc = ctx;
  gb_pipeline_counts c;
  gb_pipeline_get_counts(p, &c);
  gb_pipeline_counts_add(&cc->total, &c);
  cc->late += gb_agg_events_late(gb_pipeline_agg(p));
  if (cc->hists && cc->shard_hists)
    for (int s = 0; s < GB_STAGE__COUNT && cc->rc == 0; s++)
      cc->rc =
          gb_hist_merge(cc->hists->h[s][GB_CORRECTED], cc->shard_hists->h[s][GB_CORRECTED], NULL);
}

static void fill_stages(const gb_run_stage_hists *h, gb_prom_stage *stages) {
  for (int s = 0; s < GB_STAGE__COUNT; s++) {
    const gb_hist *x = h->h[s][GB_CORRECTED];
    uint64_t n = gb_hist_count(x);
    stages[s] = (gb_prom_stage){
        .stage = gb_stage_name((gb_stage)s),
        .count = n,
        .sum_seconds = n ? gb_hist_mean(x) * (double)n / 1e9 : 0,
        .p50_s = (double)gb_hist_percentile(x, 50) / 1e9,
        .p90_s = (double)gb_hist_percentile(x, 90) / 1e9,
        .p99_s = (double)gb_hist_percentile(x, 99) / 1e9,
        .p999_s = (double)gb_hist_percentile(x, 99.9) / 1e9,
        .max_s = (double)gb_hist_max(x) / 1e9,
    };
  }
}

static void get_metrics(void *ctx, const char *body, size_t len, gb_http_response *out) {
  (void)body;
  (void)len;
  gb_live *l = ctx;
  gb_run_stage_hists hists;
  gb_err err = {0};
  bool measured = l->cfg.hists && gb_run_hists_init(&hists, &err) == 0;
  counts_copy cc = {.hists = measured ? &hists : NULL};
  for (size_t i = 0; i < l->cfg.n_shards; i++) {
    cc.shard_hists = l->cfg.hists ? l->cfg.hists[i] : NULL;
    gb_shard_with_state(l->cfg.shards[i], copy_counts, &cc);
  }
  gb_prom_stage stages[GB_STAGE__COUNT];
  if (measured)
    fill_stages(&hists, stages);
  gb_prom_snapshot snap = {.workload = l->cfg.workload,
                           .transport = l->cfg.transport,
                           .uptime_seconds = (double)(gb_clock_now_ns() - l->cfg.start_ns) / 1e9,
                           .events_generated = l->cfg.events_generated
                                                   ? atomic_load(l->cfg.events_generated)
                                                   : cc.total.consumed,
                           .events_consumed = cc.total.consumed,
                           .events_processed = cc.total.processed,
                           .events_rejected = cc.total.rejected,
                           .events_late = cc.late,
                           .events_duplicate = cc.total.duplicates,
                           .events_replayed = cc.total.replayed,
                           .decisions = cc.total.decisions,
                           .props = cc.total.props,
                           .stages = stages,
                           .n_stages = measured && cc.rc == 0 ? GB_STAGE__COUNT : 0};
  if (gb_prom_render(&snap, &out->body, &out->len, &err) == 0) {
    out->status = 200;
    out->content_type = GB_PROM_CONTENT_TYPE;
  } else {
    answer_text(out, 500, err.msg);
  }
  if (measured)
    gb_run_hists_free(&hists);
}

int gb_live_new(const gb_live_config *cfg, gb_live **out, gb_err *err) {
  gb_live *l = calloc(1, sizeof *l);
  if (!l)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the HTTP server");
  l->cfg = *cfg;
  gb_http_routes routes = {.post_query = post_query, .get_metrics = get_metrics, .ctx = l};
  if (gb_http_new(cfg->address, &routes, &l->http, err) != 0) {
    free(l);
    return gb_err_prefix(err, "--http: ");
  }
  *out = l;
  return 0;
}

const char *gb_live_address(const gb_live *l) { return gb_http_address(l->http); }

void gb_live_free(gb_live *l) {
  if (!l)
    return;
  gb_http_free(l->http);
  free(l);
}
