/* gb_http: the live HTTP endpoint of a run or a service (`--http ADDRESS`), on libmicrohttpd.
 *
 *   GET  /         a short text index of the routes
 *   POST /query    the query document (JSON or YAML) to the post_query handler
 *   GET  /metrics  the Prometheus text from the get_metrics handler (reports/gb_prom.h)
 *
 * The server owns the protocol: a path it does not serve answers 404 (text), a known path asked
 * with another method 405 with an `Allow` header, a request body over GB_HTTP_BODY_MAX bytes 413
 * (the body is read and dropped, so that the client sees the answer instead of a reset
 * connection). HEAD is answered as GET without the body. The handlers own the content: their
 * status, content type and body go out as they are.
 *
 * One server thread (libmicrohttpd's internal polling thread, epoll or poll: no select() limit
 * on descriptor numbers) reads every connection and calls the handlers, one at a time. No
 * global state: two servers in one process are independent. */
#ifndef GB_HTTP_H
#define GB_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "gb_err.h"

/* The largest request body accepted: 1 MiB (a query document is a few hundred bytes). */
#define GB_HTTP_BODY_MAX ((size_t)1 << 20)

typedef struct gb_http gb_http;

/* What a handler answers. The server fills it with status 500, content type
 * "text/plain; charset=utf-8" and no body before the call, so a handler that sets nothing
 * answers an empty 500. */
typedef struct gb_http_response {
  int status;               /* 200, 400, ... (100 to 599; another value answers 500) */
  const char *content_type; /* a static string (not freed) */
  char *body;               /* malloc'd by the handler, freed by the server; NULL: empty */
  size_t len;               /* bytes of body */
} gb_http_response;

/* Called on the server's thread, one call at a time, with the request's body (body[len] is a
 * NUL, so text bodies can be read as strings; len = 0 for a GET). Must be thread-safe with
 * respect to the caller's data, which other threads change while the server runs. */
typedef void (*gb_http_handler)(void *ctx, const char *body, size_t len, gb_http_response *out);

/* The routes served. A NULL handler leaves its path unserved (404, and absent from the index). */
typedef struct gb_http_routes {
  gb_http_handler post_query;  /* POST /query  (body: the query document, JSON or YAML) */
  gb_http_handler get_metrics; /* GET /metrics (Prometheus text) */
  void *ctx;                   /* passed to both handlers; must outlive the server */
} gb_http_routes;

/* Starts a server on address and stores it in *out (free it with gb_http_free):
 *   "PORT"         127.0.0.1 (loopback: nothing beyond this machine can connect);
 *   "HOST:PORT"    HOST is an IPv4 address or a name (the first IPv4 or IPv6 address it
 *                  resolves to), e.g. "0.0.0.0:9464" for every interface;
 *   "[V6]:PORT"    an IPv6 address, e.g. "[::1]:9464" (IPv6 only, no IPv4-mapped clients).
 * PORT is 0 to 65535; 0 lets the system choose a free port (gb_http_port tells which). Serving
 * has started when this returns. routes is copied. Returns 0, or -1 with GB_ERR_INPUT naming
 * the address and the reason (malformed, unknown host, port in use or not allowed: the bind's
 * reason), or GB_ERR_RUNTIME when out of memory; *out is then unchanged. */
int gb_http_new(const char *address, const gb_http_routes *routes, gb_http **out, gb_err *err);

/* The port bound (the chosen one when the address said 0). */
uint16_t gb_http_port(const gb_http *h);

/* The address bound, numeric, with the real port: "127.0.0.1:9464", "[::1]:40000". Owned by h. */
const char *gb_http_address(const gb_http *h);

/* Stops serving (closes the listening socket and every connection) after waiting for the
 * handler in flight, if any, to return; then frees h. NULL is allowed. */
void gb_http_free(gb_http *h);

#endif
