/* gb_http: routes, limits, status pass-through, addresses and the loopback default, through real
 * sockets (tests/support/gb_test_http.h's client). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gb_err.h"
#include "gb_http.h"
#include "gb_test_http.h"

/* ---- fake handlers -------------------------------------------------------------------------- */

/* The handlers run on the server's thread, where a Criterion assertion cannot stop the test:
 * they record what they saw, and the test asserts on it. */
typedef struct fake {
  atomic_int calls;
  size_t last_len;
  atomic_bool unterminated; /* a body without its NUL */
  atomic_bool get_with_body;
} fake;

/* A heap copy of p[0..n) (NULL when out of memory: the server then answers an empty body). */
static char *dup_bytes(const char *p, size_t n) {
  char *s = malloc(n + 1);
  if (s) {
    memcpy(s, p, n);
    s[n] = '\0';
  }
  return s;
}

/* Echoes the body as JSON, and answers 400 with an error text when the body is "bad". */
static void echo_query(void *ctx, const char *body, size_t len, gb_http_response *out) {
  fake *f = ctx;
  atomic_fetch_add(&f->calls, 1);
  f->last_len = len;
  if (body[len] != '\0')
    atomic_store(&f->unterminated, true);
  if (len == 3 && memcmp(body, "bad", 3) == 0) {
    out->status = 400;
    out->content_type = "text/plain; charset=utf-8";
    out->body = dup_bytes("query: line 1: expected a mapping\n", 34);
    out->len = 34;
    return;
  }
  out->status = 200;
  out->content_type = "application/json";
  out->body = dup_bytes(body, len);
  out->len = len;
}

static void fixed_metrics(void *ctx, const char *body, size_t len, gb_http_response *out) {
  (void)body;
  fake *f = ctx;
  atomic_fetch_add(&f->calls, 1);
  if (len != 0)
    atomic_store(&f->get_with_body, true);
  const char text[] = "gamebench_uptime_seconds 12.5\n";
  out->status = 200;
  out->content_type = "text/plain; version=0.0.4; charset=utf-8";
  out->body = dup_bytes(text, sizeof text - 1);
  out->len = sizeof text - 1;
}

static void answers_nothing(void *ctx, const char *body, size_t len, gb_http_response *out) {
  (void)ctx, (void)body, (void)len, (void)out;
}

static gb_http *start(const char *address, fake *f) {
  gb_http_routes routes = {.post_query = echo_query, .get_metrics = fixed_metrics, .ctx = f};
  gb_http *h = NULL;
  gb_err err = {0};
  int rc = gb_http_new(address, &routes, &h, &err);
  cr_assert_eq(rc, 0, "gb_http_new(%s): %s", address, err.msg);
  cr_assert_not_null(h);
  return h;
}

/* Stops h and checks what the handlers recorded. */
static void stop(gb_http *h, fake *f) {
  gb_http_free(h);
  cr_assert_not(atomic_load(&f->unterminated), "a handler got a body without its NUL");
  cr_assert_not(atomic_load(&f->get_with_body), "a GET handler got a body");
}

static gbt_http_reply send_to(const gb_http *h, const char *method, const char *path,
                              const char *body, size_t len) {
  gbt_http_reply r;
  cr_assert_eq(gbt_http_send("127.0.0.1", gb_http_port(h), method, path, body, len, &r), 0,
               "connect: %s", strerror(errno));
  return r;
}

static void assert_header(const gbt_http_reply *r, const char *name, const char *want) {
  char *v = gbt_http_header(r, name);
  cr_assert_not_null(v, "no %s header in:\n%s", name, r->head);
  cr_assert_str_eq(v, want, "%s", name);
  free(v);
}

/* ---- routes --------------------------------------------------------------------------------- */

Test(http, post_query_passes_the_body_to_the_handler_and_its_answer_back) {
  fake f = {0};
  gb_http *h = start("0", &f);
  const char *doc = "{\"select\": [\"events_processed\"], \"by\": \"stage\"}";
  gbt_http_reply r = send_to(h, "POST", "/query", doc, strlen(doc));
  cr_assert_eq(r.status, 200);
  cr_assert_str_eq(r.body, doc);
  cr_assert_eq(f.last_len, strlen(doc));
  assert_header(&r, "Content-Type", "application/json");
  gbt_http_reply_free(&r);

  int status;
  char *body;
  gbt_http_request(gb_http_port(h), "GET", "/metrics", NULL, &status, &body);
  cr_assert_eq(status, 200);
  cr_assert_str_eq(body, "gamebench_uptime_seconds 12.5\n");
  free(body);
  cr_assert_eq(atomic_load(&f.calls), 2);
  stop(h, &f);
}

Test(http, a_handlers_400_and_error_text_pass_through) {
  fake f = {0};
  gb_http *h = start("0", &f);
  int status;
  char *body;
  gbt_http_request(gb_http_port(h), "POST", "/query", "bad", &status, &body);
  cr_assert_eq(status, 400);
  cr_assert_str_eq(body, "query: line 1: expected a mapping\n");
  free(body);
  stop(h, &f);
}

Test(http, a_handler_that_answers_nothing_gives_an_empty_500) {
  gb_http_routes routes = {.post_query = answers_nothing};
  gb_http *h = NULL;
  cr_assert_eq(gb_http_new("0", &routes, &h, NULL), 0);
  int status;
  char *body;
  gbt_http_request(gb_http_port(h), "POST", "/query", "{}", &status, &body);
  cr_assert_eq(status, 500);
  cr_assert_str_eq(body, "");
  free(body);
  gb_http_free(h);
}

Test(http, an_empty_post_reaches_the_handler_with_an_empty_string) {
  fake f = {0};
  gb_http *h = start("0", &f);
  gbt_http_reply r = send_to(h, "POST", "/query", "", 0);
  cr_assert_eq(r.status, 200);
  cr_assert_eq(r.len, 0);
  cr_assert_eq(atomic_load(&f.calls), 1);
  gbt_http_reply_free(&r);
  stop(h, &f);
}

Test(http, unknown_paths_are_404_text) {
  fake f = {0};
  gb_http *h = start("0", &f);
  const char *paths[] = {"/nope", "/query/", "/metricsx", "/Metrics"};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    gbt_http_reply r = send_to(h, "GET", paths[i], NULL, 0);
    cr_assert_eq(r.status, 404, "%s", paths[i]);
    assert_header(&r, "Content-Type", "text/plain; charset=utf-8");
    cr_assert_str_eq(r.body, "not found (GET / lists the routes)\n");
    gbt_http_reply_free(&r);
  }
  cr_assert_eq(atomic_load(&f.calls), 0);
  stop(h, &f);
}

Test(http, a_wrong_method_on_a_known_path_is_405_with_allow) {
  fake f = {0};
  gb_http *h = start("0", &f);
  struct {
    const char *method, *path, *allow;
  } cases[] = {{"GET", "/query", "POST"},
               {"PUT", "/query", "POST"},
               {"POST", "/metrics", "GET, HEAD"},
               {"DELETE", "/", "GET, HEAD"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gbt_http_reply r = send_to(h, cases[i].method, cases[i].path, "x", 1);
    cr_assert_eq(r.status, 405, "%s %s", cases[i].method, cases[i].path);
    assert_header(&r, "Allow", cases[i].allow);
    gbt_http_reply_free(&r);
  }
  cr_assert_eq(atomic_load(&f.calls), 0);
  stop(h, &f);
}

Test(http, head_is_get_without_the_body) {
  fake f = {0};
  gb_http *h = start("0", &f);
  gbt_http_reply r = send_to(h, "HEAD", "/metrics", NULL, 0);
  cr_assert_eq(r.status, 200);
  cr_assert_eq(r.len, 0);
  assert_header(&r, "Content-Length", "30"); /* strlen("gamebench_uptime_seconds 12.5\n") */
  gbt_http_reply_free(&r);
  stop(h, &f);
}

Test(http, the_index_lists_the_routes_served) {
  fake f = {0};
  gb_http *h = start("0", &f);
  int status;
  char *body;
  gbt_http_request(gb_http_port(h), "GET", "/", NULL, &status, &body);
  cr_assert_eq(status, 200);
  cr_assert_str_eq(body, "gamebench\n\n"
                         "GET  /         this index\n"
                         "POST /query    a query document (JSON or YAML) in the body\n"
                         "GET  /metrics  Prometheus metrics (text format 0.0.4)\n");
  free(body);
  stop(h, &f);
}

Test(http, a_null_handler_leaves_its_path_unserved) {
  fake f = {0};
  gb_http_routes routes = {.get_metrics = fixed_metrics, .ctx = &f};
  gb_http *h = NULL;
  cr_assert_eq(gb_http_new("0", &routes, &h, NULL), 0);
  int status;
  char *body;
  gbt_http_request(gb_http_port(h), "POST", "/query", "{}", &status, &body);
  cr_assert_eq(status, 404);
  free(body);
  gbt_http_request(gb_http_port(h), "GET", "/", NULL, &status, &body);
  cr_assert_eq(status, 200);
  cr_assert_null(strstr(body, "/query"), "%s", body);
  cr_assert_not_null(strstr(body, "/metrics"), "%s", body);
  free(body);
  stop(h, &f);
}

/* ---- the body limit ------------------------------------------------------------------------- */

Test(http, a_body_of_exactly_1_mib_is_taken_and_one_byte_more_is_413) {
  fake f = {0};
  gb_http *h = start("0", &f);
  size_t n = GB_HTTP_BODY_MAX + 1;
  char *big = malloc(n);
  cr_assert_not_null(big);
  memset(big, 'a', n);

  gbt_http_reply r = send_to(h, "POST", "/query", big, n - 1);
  cr_assert_eq(r.status, 200);
  cr_assert_eq(r.len, (size_t)1 << 20);
  cr_assert_eq(f.last_len, (size_t)1 << 20);
  gbt_http_reply_free(&r);

  r = send_to(h, "POST", "/query", big, n);
  cr_assert_eq(r.status, 413);
  cr_assert_str_eq(r.body, "request body over 1 MiB\n");
  gbt_http_reply_free(&r);
  cr_assert_eq(atomic_load(&f.calls), 1, "the handler never sees an oversized body");
  free(big);
  stop(h, &f);
}

/* ---- addresses ------------------------------------------------------------------------------ */

Test(http, port_0_binds_a_real_port_and_reports_it) {
  fake f = {0};
  gb_http *h = start("0", &f);
  uint16_t port = gb_http_port(h);
  cr_assert_neq(port, 0);
  char want[32];
  snprintf(want, sizeof want, "127.0.0.1:%u", (unsigned)port);
  cr_assert_str_eq(gb_http_address(h), want);
  int status;
  char *body;
  gbt_http_request(port, "GET", "/metrics", NULL, &status, &body);
  cr_assert_eq(status, 200);
  free(body);

  /* the same port, named: a second server on it cannot bind */
  gb_http *h2 = (gb_http *)&f; /* a sentinel: must stay unchanged on failure */
  gb_err err = {0};
  gb_http_routes routes = {.get_metrics = fixed_metrics, .ctx = &f};
  cr_assert_eq(gb_http_new(want, &routes, &h2, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_eq(h2, (gb_http *)&f);
  cr_assert_not_null(strstr(err.msg, want), "%s", err.msg);
  cr_assert_not_null(strstr(err.msg, "Address already in use"), "%s", err.msg);
  stop(h, &f);
}

Test(http, host_colon_port_and_bracketed_ipv6) {
  fake f = {0};
  gb_http *h = start("127.0.0.1:0", &f);
  cr_assert_eq(strncmp(gb_http_address(h), "127.0.0.1:", 10), 0, "%s", gb_http_address(h));
  stop(h, &f);

  gb_http_routes routes = {.get_metrics = fixed_metrics, .ctx = &f};
  gb_err err = {0};
  h = NULL;
  if (gb_http_new("[::1]:0", &routes, &h, &err) < 0) {
    /* a machine or container without IPv6 on loopback: the error must still say why */
    cr_assert_eq(err.kind, GB_ERR_INPUT);
    cr_assert_not_null(strstr(err.msg, "[::1]:0"), "%s", err.msg);
    cr_skip_test("no IPv6 loopback here: %s", err.msg);
  }
  char want[32];
  snprintf(want, sizeof want, "[::1]:%u", (unsigned)gb_http_port(h));
  cr_assert_str_eq(gb_http_address(h), want);
  gbt_http_reply r;
  cr_assert_eq(gbt_http_send("::1", gb_http_port(h), "GET", "/metrics", NULL, 0, &r), 0);
  cr_assert_eq(r.status, 200);
  gbt_http_reply_free(&r);
  stop(h, &f);
}

Test(http, a_bad_address_is_an_input_error_naming_it) {
  const char *bad[] = {"",
                       "http",
                       "99999",
                       "127.0.0.1:",
                       ":9464",
                       "127.0.0.1:x1",
                       "::1:9464",
                       "[::1]9464",
                       "[::1:9464",
                       "[nope]:9464",
                       "127.0.0.1:-1",
                       "1.2.3.4.5:80",
                       "+80",
                       "127.0.0.1:123456"};
  gb_http_routes routes = {0};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gb_http *h = NULL;
    gb_err err = {0};
    cr_assert_eq(gb_http_new(bad[i], &routes, &h, &err), -1, "'%s' accepted", bad[i]);
    cr_assert_null(h);
    cr_assert_eq(err.kind, GB_ERR_INPUT, "'%s'", bad[i]);
    char quoted[64];
    snprintf(quoted, sizeof quoted, "HTTP address '%s': ", bad[i]);
    cr_assert_eq(strncmp(err.msg, quoted, strlen(quoted)), 0, "'%s': %s", bad[i], err.msg);
  }
}

Test(http, a_privileged_port_or_an_address_not_here_fails_with_the_bind_reason) {
  gb_http_routes routes = {0};
  gb_http *h = NULL;
  gb_err err = {0};
  /* 192.0.2.1 (TEST-NET-1) is on no interface of this machine */
  cr_assert_eq(gb_http_new("192.0.2.1:0", &routes, &h, &err), -1);
  cr_assert_eq(err.kind, GB_ERR_INPUT);
  cr_assert_str_eq(err.msg, "HTTP address '192.0.2.1:0': cannot serve: Failed to bind to port 0: "
                            "Cannot assign requested address");
}

/* The first IPv4 address of an interface that is up and not loopback, or false. */
static bool non_loopback_ipv4(char *out, size_t cap) {
  struct ifaddrs *all;
  if (getifaddrs(&all) < 0)
    return false;
  bool found = false;
  for (struct ifaddrs *a = all; a && !found; a = a->ifa_next)
    if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET && (a->ifa_flags & IFF_UP) &&
        !(a->ifa_flags & IFF_LOOPBACK))
      found = inet_ntop(AF_INET, &((struct sockaddr_in *)a->ifa_addr)->sin_addr, out,
                        (socklen_t)cap) != NULL;
  freeifaddrs(all);
  return found;
}

Test(http, the_default_bind_is_loopback_only) {
  char ip[INET_ADDRSTRLEN];
  if (!non_loopback_ipv4(ip, sizeof ip))
    cr_skip_test("no non-loopback IPv4 interface to try the server from");
  fake f = {0};
  gb_http *h = start("0", &f);
  gbt_http_reply r;
  cr_assert_eq(gbt_http_send(ip, gb_http_port(h), "GET", "/metrics", NULL, 0, &r), -1,
               "the default server answered on %s", ip);
  cr_assert_eq(errno, ECONNREFUSED, "%s", strerror(errno));
  stop(h, &f);

  /* the control: bound to every interface on purpose, the same client reaches it there */
  h = start("0.0.0.0:0", &f);
  cr_assert_eq(gbt_http_send(ip, gb_http_port(h), "GET", "/metrics", NULL, 0, &r), 0, "%s: %s", ip,
               strerror(errno));
  cr_assert_eq(r.status, 200);
  gbt_http_reply_free(&r);
  stop(h, &f);
}

/* ---- stopping ------------------------------------------------------------------------------- */

/* A handler that holds the server until the test lets it go. */
typedef struct gate {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool entered, released, done;
  uint16_t port;
} gate;

/* Waits for *flag up to GBT_HTTP_TIMEOUT_S; false when the deadline passed. */
static bool wait_flag(gate *g, bool *flag) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += GBT_HTTP_TIMEOUT_S;
  pthread_mutex_lock(&g->mu);
  int rc = 0;
  while (!*flag && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&g->cv, &g->mu, &deadline);
  bool set = *flag;
  pthread_mutex_unlock(&g->mu);
  return set;
}

static void set_flag(gate *g, bool *flag) {
  pthread_mutex_lock(&g->mu);
  *flag = true;
  pthread_cond_broadcast(&g->cv);
  pthread_mutex_unlock(&g->mu);
}

static void held(void *ctx, const char *body, size_t len, gb_http_response *out) {
  (void)body, (void)len;
  gate *g = ctx;
  set_flag(g, &g->entered);
  if (!wait_flag(g, &g->released))
    return; /* the test failed already: done stays false */
  out->status = 200;
  pthread_mutex_lock(&g->mu);
  g->done = true;
  pthread_mutex_unlock(&g->mu);
}

/* Sends GET /metrics and reads until the server closes. Not gbt_http_send: the server may drop
 * the answer when it stops, and this thread may not fail the test (only the call matters). */
static void *client(void *arg) {
  gate *g = arg;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(g->port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
      send(fd, req, sizeof req - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof req - 1)) {
    char buf[512];
    while (recv(fd, buf, sizeof buf, 0) > 0)
      continue;
  }
  if (fd >= 0)
    close(fd);
  return NULL;
}

Test(http, free_waits_for_the_handler_in_flight) {
  gate g = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};
  gb_http_routes routes = {.get_metrics = held, .ctx = &g};
  gb_http *h = NULL;
  cr_assert_eq(gb_http_new("0", &routes, &h, NULL), 0);
  g.port = gb_http_port(h);
  pthread_t t;
  cr_assert_eq(pthread_create(&t, NULL, client, &g), 0);
  cr_assert(wait_flag(&g, &g.entered), "the handler was not called");
  set_flag(&g, &g.released);
  gb_http_free(h);
  pthread_mutex_lock(&g.mu);
  bool done = g.done;
  pthread_mutex_unlock(&g.mu);
  cr_assert(done, "gb_http_free returned before the handler did");
  pthread_join(t, NULL);
}

Test(http, free_of_null_is_a_no_op) { gb_http_free(NULL); }
