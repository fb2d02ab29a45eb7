/* gb_http: routes, limits and errors around libmicrohttpd (see gb_http.h). libmicrohttpd owns
 * the sockets, the parsing and the server thread; this file parses the address, gathers each
 * request's body and maps (path, method) to an answer. */
#include "gb_http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gb_grow.h"

/* A connection idle this long is closed (a Prometheus scrape keeps its connection open between
 * scrapes and reopens it when closed; a stalled client holds no slot for long). */
#define HTTP_IDLE_TIMEOUT_S 10u

#define TEXT_PLAIN "text/plain; charset=utf-8"

struct gb_http {
  struct MHD_Daemon *daemon;
  gb_http_routes routes;
  uint16_t port;
  char address[NI_MAXHOST + 16];
  char index[512];
  /* libmicrohttpd reports why a start failed (a bind's errno) only through its logger, which
   * may also run on the server thread: its last message is kept under a lock. */
  pthread_mutex_t log_mu;
  char log[256];
};

/* One request's state, from its first call to its completion. */
typedef struct http_req {
  char *body; /* NUL-terminated once anything was read */
  size_t len, cap;
  bool too_large; /* over GB_HTTP_BODY_MAX: the rest is read and dropped */
  bool oom;
} http_req;

typedef enum route_id { ROUTE_INDEX, ROUTE_QUERY, ROUTE_METRICS, ROUTE_COUNT } route_id;

static const struct {
  const char *path, *method, *allow, *what;
} ROUTES[ROUTE_COUNT] = {
    [ROUTE_INDEX] = {"/", "GET", "GET, HEAD", "this index"},
    [ROUTE_QUERY] = {"/query", "POST", "POST", "a query document (JSON or YAML) in the body"},
    [ROUTE_METRICS] = {"/metrics", "GET", "GET, HEAD", "Prometheus metrics (text format 0.0.4)"},
};

/* ---- the address ---------------------------------------------------------------------------- */

/* Reads a port "0".."65535" (digits only) into *port; false otherwise. */
static bool parse_port(const char *s, uint16_t *port) {
  if (!*s || strlen(s) > 5 || strspn(s, "0123456789") != strlen(s))
    return false;
  unsigned long v = strtoul(s, NULL, 10);
  if (v > 65535)
    return false;
  *port = (uint16_t)v;
  return true;
}

/* Splits address into host (loopback when absent) and port; *v6 when the host was bracketed. */
static int split_address(const char *address, char *host, size_t cap, uint16_t *port, bool *v6,
                         gb_err *err) {
  const char *port_s = address, *h = "127.0.0.1";
  size_t hlen = strlen(h);
  *v6 = false;
  if (address[0] == '[') {
    const char *close = strchr(address, ']');
    if (!close || close[1] != ':')
      return gb_err_set(err, GB_ERR_INPUT, "HTTP address '%s': expected [IPv6]:PORT", address);
    h = address + 1;
    hlen = (size_t)(close - h);
    port_s = close + 2;
    *v6 = true;
  } else if (strchr(address, ':')) {
    const char *colon = strrchr(address, ':');
    h = address;
    hlen = (size_t)(colon - address);
    port_s = colon + 1;
    if (memchr(h, ':', hlen))
      return gb_err_set(err, GB_ERR_INPUT,
                        "HTTP address '%s': an IPv6 address goes in brackets: [V6]:PORT", address);
  }
  if (hlen == 0 || hlen >= cap)
    return gb_err_set(err, GB_ERR_INPUT, "HTTP address '%s': %s host", address,
                      hlen ? "too long a" : "missing");
  if (!parse_port(port_s, port))
    return gb_err_set(err, GB_ERR_INPUT, "HTTP address '%s': the port must be 0 to 65535", address);
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  return 0;
}

/* Resolves address into *ss (*len bytes); a bracketed host must be a numeric IPv6 address. */
static int resolve_address(const char *address, struct sockaddr_storage *ss, socklen_t *len,
                           gb_err *err) {
  char host[NI_MAXHOST];
  uint16_t port;
  bool v6;
  if (split_address(address, host, sizeof host, &port, &v6, err) < 0)
    return -1;
  struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_family = v6 ? AF_INET6 : AF_UNSPEC};
  if (v6)
    hints.ai_flags = AI_NUMERICHOST;
  struct addrinfo *ai = NULL;
  int rc = getaddrinfo(host, NULL, &hints, &ai);
  if (rc != 0)
    return gb_err_set(err, GB_ERR_INPUT, "HTTP address '%s': unknown host '%s': %s", address, host,
                      gai_strerror(rc));
  memcpy(ss, ai->ai_addr, ai->ai_addrlen);
  *len = ai->ai_addrlen;
  freeaddrinfo(ai);
  if (ss->ss_family == AF_INET6)
    ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
  else
    ((struct sockaddr_in *)ss)->sin_port = htons(port);
  return 0;
}

/* Writes "HOST:PORT" (or "[HOST]:PORT") for the bound address into h->address. */
static void format_address(gb_http *h, const struct sockaddr_storage *ss, socklen_t len) {
  char host[NI_MAXHOST];
  if (getnameinfo((const struct sockaddr *)ss, len, host, sizeof host, NULL, 0, NI_NUMERICHOST))
    snprintf(host, sizeof host, "?");
  bool v6 = ss->ss_family == AF_INET6;
  snprintf(h->address, sizeof h->address, "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "",
           (unsigned)h->port);
}

/* ---- libmicrohttpd's callbacks -------------------------------------------------------------- */

static void on_log(void *cls, const char *fmt, va_list ap) {
  gb_http *h = cls;
  pthread_mutex_lock(&h->log_mu);
  vsnprintf(h->log, sizeof h->log, fmt, ap);
  h->log[strcspn(h->log, "\r\n")] = '\0';
  pthread_mutex_unlock(&h->log_mu);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe) {
  (void)cls, (void)c, (void)toe;
  http_req *r = *req_cls;
  if (r) {
    free(r->body);
    free(r);
    *req_cls = NULL;
  }
}

/* Appends n bytes of body to r, or marks it too large (then drops the rest) or out of memory. */
static void take_body(http_req *r, const char *data, size_t n) {
  if (r->too_large || r->oom)
    return;
  if (n > GB_HTTP_BODY_MAX - r->len) {
    r->too_large = true;
    return;
  }
  if (GB_GROW(r->body, r->cap, r->len + n + 1, 4096, "bytes of HTTP request body", NULL) < 0) {
    r->oom = true;
    return;
  }
  memcpy(r->body + r->len, data, n);
  r->len += n;
  r->body[r->len] = '\0';
}

/* Queues an answer whose body is a constant string. */
static enum MHD_Result answer_static(struct MHD_Connection *c, unsigned status, const char *text,
                                     const char *allow) {
  struct MHD_Response *resp =
      MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
  if (!resp)
    return MHD_NO;
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, TEXT_PLAIN);
  if (allow)
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
  enum MHD_Result rc = MHD_queue_response(c, status, resp);
  MHD_destroy_response(resp);
  return rc;
}

/* Calls a route's handler and queues what it answered (the server takes its body). */
static enum MHD_Result answer_handler(gb_http *h, struct MHD_Connection *c, gb_http_handler fn,
                                      const http_req *r) {
  gb_http_response out = {.status = 500, .content_type = TEXT_PLAIN};
  fn(h->routes.ctx, r->body ? r->body : "", r->len, &out);
  if (out.status < 100 || out.status > 599)
    out.status = 500;
  struct MHD_Response *resp =
      out.body ? MHD_create_response_from_buffer_with_free_callback(out.len, out.body, free)
               : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
  if (!resp) {
    free(out.body);
    return MHD_NO;
  }
  MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                          out.content_type ? out.content_type : TEXT_PLAIN);
  enum MHD_Result rc = MHD_queue_response(c, (unsigned)out.status, resp);
  MHD_destroy_response(resp);
  return rc;
}

static gb_http_handler handler_of(const gb_http *h, route_id id) {
  return id == ROUTE_QUERY ? h->routes.post_query : h->routes.get_metrics;
}

/* The route serving url, or ROUTE_COUNT when none does. */
static route_id find_route(const gb_http *h, const char *url) {
  for (int i = 0; i < ROUTE_COUNT; i++)
    if (strcmp(url, ROUTES[i].path) == 0)
      return i == ROUTE_INDEX || handler_of(h, (route_id)i) ? (route_id)i : ROUTE_COUNT;
  return ROUTE_COUNT;
}

/* Answers a request whose body has been read. */
static enum MHD_Result answer(gb_http *h, struct MHD_Connection *c, const char *url,
                              const char *method, const http_req *r) {
  route_id id = find_route(h, url);
  if (id == ROUTE_COUNT)
    return answer_static(c, MHD_HTTP_NOT_FOUND, "not found (GET / lists the routes)\n", NULL);
  /* HEAD is GET without the body, which libmicrohttpd leaves out */
  const char *as = strcmp(method, "HEAD") == 0 ? "GET" : method;
  if (strcmp(as, ROUTES[id].method) != 0)
    return answer_static(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", ROUTES[id].allow);
  if (r->too_large)
    return answer_static(c, MHD_HTTP_CONTENT_TOO_LARGE, "request body over 1 MiB\n", NULL);
  if (r->oom)
    return answer_static(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n", NULL);
  if (id == ROUTE_INDEX)
    return answer_static(c, MHD_HTTP_OK, h->index, NULL);
  return answer_handler(h, c, handler_of(h, id), r);
}

/* libmicrohttpd calls this once when the headers are in, once per piece of body, and once more
 * at the end (*upload_len == 0), when the request is answered. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_len, void **req_cls) {
  (void)version;
  http_req *r = *req_cls;
  if (!r) {
    r = calloc(1, sizeof *r);
    if (!r)
      return MHD_NO; /* closes the connection */
    *req_cls = r;
    return MHD_YES;
  }
  if (*upload_len) {
    take_body(r, upload, *upload_len);
    *upload_len = 0;
    return MHD_YES;
  }
  return answer(cls, c, url, method, r);
}

/* ---- the server ----------------------------------------------------------------------------- */

static void build_index(gb_http *h) {
  size_t n = (size_t)snprintf(h->index, sizeof h->index, "gamebench\n\n");
  for (int i = 0; i < ROUTE_COUNT; i++)
    if (find_route(h, ROUTES[i].path) == (route_id)i && n < sizeof h->index)
      n += (size_t)snprintf(h->index + n, sizeof h->index - n, "%-4s %-8s  %s\n", ROUTES[i].method,
                            ROUTES[i].path, ROUTES[i].what);
}

static int start(gb_http *h, const char *address, gb_err *err) {
  struct sockaddr_storage ss;
  socklen_t len;
  if (resolve_address(address, &ss, &len, err) < 0)
    return -1;
  /* epoll or poll, never select(): a busy process may hold descriptors past FD_SETSIZE */
  unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
  if (ss.ss_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  uint16_t want = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
  h->daemon = MHD_start_daemon(flags, want, NULL, NULL, on_request, h, MHD_OPTION_EXTERNAL_LOGGER,
                               on_log, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                               MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                               MHD_OPTION_CONNECTION_TIMEOUT, HTTP_IDLE_TIMEOUT_S, MHD_OPTION_END);
  if (!h->daemon) {
    pthread_mutex_lock(&h->log_mu);
    gb_err_set(err, GB_ERR_INPUT, "HTTP address '%s': cannot serve: %s", address,
               h->log[0] ? h->log : "libmicrohttpd did not start");
    pthread_mutex_unlock(&h->log_mu);
    return -1;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
  h->port = info ? info->port : want;
  format_address(h, &ss, len);
  return 0;
}

int gb_http_new(const char *address, const gb_http_routes *routes, gb_http **out, gb_err *err) {
  GB_ASSERT(address && routes && out);
  gb_http *h = calloc(1, sizeof *h);
  if (!h)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for the HTTP server");
  h->routes = *routes;
  pthread_mutex_init(&h->log_mu, NULL);
  build_index(h);
  if (start(h, address, err) < 0) {
    gb_http_free(h);
    return -1;
  }
  *out = h;
  return 0;
}

uint16_t gb_http_port(const gb_http *h) { return h->port; }

const char *gb_http_address(const gb_http *h) { return h->address; }

void gb_http_free(gb_http *h) {
  if (!h)
    return;
  if (h->daemon)
    MHD_stop_daemon(h->daemon);
  pthread_mutex_destroy(&h->log_mu);
  free(h);
}
