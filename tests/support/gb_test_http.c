#include "gb_test_http.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "gb_err.h"
#include "gb_grow.h"
#include "gb_test_support.h"

/* A connected TCP socket to host:port with GBT_HTTP_TIMEOUT_S on connect, send and receive, or
 * -1 with errno. */
static int connect_to(const char *host, uint16_t port) {
  struct sockaddr_storage ss = {0};
  socklen_t len;
  struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof *v6;
  } else {
    GB_FATAL("gbt_http: '%s' is not a numeric address", host);
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    GB_FATAL("gbt_http: socket: %s", strerror(errno));
  struct timeval tv = {.tv_sec = GBT_HTTP_TIMEOUT_S};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv); /* connect's deadline too */
  if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

static void send_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    cr_assert_gt(w, 0, "gbt_http: send: %s", strerror(errno));
    p += w;
    n -= (size_t)w;
  }
}

/* Reads fd to its end into a NUL-terminated heap buffer of *n bytes. */
static char *recv_all(int fd, size_t *n) {
  char *buf = NULL;
  size_t cap = 0;
  *n = 0;
  for (;;) {
    GB_GROW_OR_DIE(buf, cap, *n + 4097, 8192, "bytes of HTTP response");
    ssize_t r = recv(fd, buf + *n, cap - *n - 1, 0);
    cr_assert_geq(r, 0, "gbt_http: recv: %s", strerror(errno));
    if (r == 0)
      break;
    *n += (size_t)r;
  }
  buf[*n] = '\0';
  return buf;
}

/* Splits a raw response into status, head and body, checking Content-Length when given and the
 * body is expected (not for HEAD). */
static void parse_reply(char *raw, size_t n, bool has_body, gbt_http_reply *out) {
  char *end = strstr(raw, "\r\n\r\n");
  cr_assert_not_null(end, "gbt_http: no end of headers in: %s", raw);
  cr_assert_eq(strncmp(raw, "HTTP/1.", 7), 0, "gbt_http: not an HTTP response: %s", raw);
  out->status = (int)strtol(raw + 9, NULL, 10);
  out->head = strndup(raw, (size_t)(end - raw) + 2);
  size_t off = (size_t)(end - raw) + 4;
  out->len = n - off;
  out->body = malloc(out->len + 1);
  cr_assert(out->head && out->body, "gbt_http: out of memory");
  memcpy(out->body, raw + off, out->len + 1);
  char *cl = gbt_http_header(out, "Content-Length");
  if (cl && has_body)
    cr_assert_eq(strtoull(cl, NULL, 10), out->len, "gbt_http: Content-Length %s, got %zu bytes", cl,
                 out->len);
  free(cl);
}

int gbt_http_send(const char *host, uint16_t port, const char *method, const char *path,
                  const char *body, size_t len, gbt_http_reply *out) {
  memset(out, 0, sizeof *out);
  int fd = connect_to(host, port);
  if (fd < 0)
    return -1;
  char head[1024];
  int n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", method,
                   path, host);
  if (body)
    n += snprintf(head + n, sizeof head - (size_t)n,
                  "Content-Type: application/json\r\nContent-Length: %zu\r\n", len);
  n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
  cr_assert_lt((size_t)n, sizeof head, "gbt_http: request head too long");
  send_all(fd, head, (size_t)n);
  if (body)
    send_all(fd, body, len);
  size_t got;
  char *raw = recv_all(fd, &got);
  close(fd);
  parse_reply(raw, got, strcmp(method, "HEAD") != 0, out);
  free(raw);
  return 0;
}

char *gbt_http_header(const gbt_http_reply *r, const char *name) {
  size_t nlen = strlen(name);
  for (const char *line = strstr(r->head, "\r\n"); line && line[2];
       line = strstr(line + 2, "\r\n")) {
    const char *s = line + 2;
    if (strncasecmp(s, name, nlen) == 0 && s[nlen] == ':') {
      s += nlen + 1;
      s += strspn(s, " \t");
      return strndup(s, strcspn(s, "\r\n"));
    }
  }
  return NULL;
}

void gbt_http_reply_free(gbt_http_reply *r) {
  free(r->head);
  free(r->body);
  memset(r, 0, sizeof *r);
}

void gbt_http_request(uint16_t port, const char *method, const char *path, const char *body,
                      int *status, char **response_body) {
  gbt_http_reply r;
  int rc = gbt_http_send("127.0.0.1", port, method, path, body, body ? strlen(body) : 0, &r);
  cr_assert_eq(rc, 0, "gbt_http: cannot connect to 127.0.0.1:%u: %s", (unsigned)port,
               strerror(errno));
  *status = r.status;
  *response_body = r.body;
  free(r.head);
}

unsigned gbt_http_served_port(const char *log_path) {
  char *log = gbt_read_file(log_path, NULL);
  cr_assert_not_null(log, "%s: unreadable", log_path);
  const char *at = strstr(log, "serving http://");
  cr_assert_not_null(at, "no \"serving http://\" line in %s:\n%s", log_path, log);
  at += strlen("serving http://");
  const char *end = at + strcspn(at, " \n"), *colon = at;
  for (const char *c = at; c < end; c++)
    if (*c == ':')
      colon = c; /* the last colon before the space: the port's, also after [v6] */
  unsigned port = (unsigned)strtoul(colon + 1, NULL, 10);
  free(log);
  cr_assert_gt(port, 0, "no port in %s", log_path);
  return port;
}
