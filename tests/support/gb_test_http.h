/* A tiny HTTP/1.1 client for the suites that talk to gb_http: one request per connection
 * (Connection: close), the answer read to the end of the stream. Numeric addresses only. A
 * response that is not HTTP, or a read that stalls past GBT_HTTP_TIMEOUT_S, fails the test. */
#ifndef GB_TEST_HTTP_H
#define GB_TEST_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* How long a connect, a send or a read may wait before the test fails: a deadline, not a pause. */
#define GBT_HTTP_TIMEOUT_S 30

typedef struct gbt_http_reply {
  int status;
  char *head; /* the status line and the header lines, CRLFs kept (heap) */
  char *body; /* NUL-terminated (heap) */
  size_t len; /* bytes of body */
} gbt_http_reply;

/* Sends METHOD PATH with body[0..len) (Content-Length; none when body is NULL) to host:port (a
 * numeric IPv4 or IPv6 address) and reads the answer into *out (free it with
 * gbt_http_reply_free). Returns 0, or -1 with errno when the connection is refused or
 * unreachable (so that a test can check what does not listen). */
int gbt_http_send(const char *host, uint16_t port, const char *method, const char *path,
                  const char *body, size_t len, gbt_http_reply *out);

/* The value of header name (case-insensitive) in r, as a heap string; NULL when absent. */
char *gbt_http_header(const gbt_http_reply *r, const char *name);

void gbt_http_reply_free(gbt_http_reply *r);

/* gbt_http_send to 127.0.0.1:port with a string body (NULL: none), failing the test when the
 * connection fails; *status gets the status and *response_body the body (heap; caller frees). */
void gbt_http_request(uint16_t port, const char *method, const char *path, const char *body,
                      int *status, char **response_body);

/* The port a gamebench process serving --http printed on its "serving http://HOST:PORT" line
 * in the log at log_path (IPv4 or [IPv6] host); fails the test when there is none. */
unsigned gbt_http_served_port(const char *log_path);

#endif
