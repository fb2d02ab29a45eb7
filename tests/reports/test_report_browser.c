/* The comparative report in a browser: headless Chromium (Debian's `chromium`) driven through the
 * DevTools protocol over --remote-debugging-pipe (we write NUL-terminated JSON commands on its
 * fd 3 and read NUL-terminated replies and events from its fd 4). The page must load every image,
 * hold the expected plots and raise no console error; a full-page screenshot is kept as a CI
 * artifact ($GB_ARTIFACTS_DIR/report.png, default <build>/artifacts/). A second test feeds a
 * broken page and expects the check to catch it. Without chromium the suite skips, except in CI
 * (CI=true or GB_SETUP_CHROMIUM=1: scripts/setup installs it), where it fails. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gb_afile.h"
#include "gb_json.h"
#include "gb_path.h"
#include "gb_report.h"
#include "gb_test_base64.h"
#include "gb_test_support.h"

static const char FIXTURE_A[] = GB_TEST_FIXTURES "/results";
static const char FIXTURE_B[] = GB_TEST_FIXTURES "/results-b";

/* Seconds a browser gets to start, load a page or answer one command (a shared CI machine). */
enum { DEADLINE_S = 90 };

/* ---- finding chromium ------------------------------------------------------------------- */

static bool chromium_required(void) {
  const char *ci = getenv("CI"), *setup = getenv("GB_SETUP_CHROMIUM");
  return (ci && strcmp(ci, "true") == 0) || (setup && strcmp(setup, "1") == 0);
}

/* The chromium executable into buf, or a skip (a failure in CI). */
static void find_chromium(char *buf, size_t cap) {
  gbt_proc p = gbt_shell("command -v chromium");
  bool found = p.status == 0 && p.out[0];
  if (found)
    snprintf(buf, cap, "%.*s", (int)strcspn(p.out, "\n"), p.out);
  gbt_proc_free(&p);
  if (found)
    return;
  if (chromium_required())
    cr_assert_fail("CI but chromium is not installed: scripts/setup installs the Debian package "
                   "chromium when GB_SETUP_CHROMIUM=1 (scripts/test sets it in CI)");
  fprintf(stderr, "report_browser: skipped: chromium not found (apt-get install chromium)\n");
  cr_skip_test("chromium not found: install the Debian package chromium");
}

/* ---- the DevTools pipe ------------------------------------------------------------------- */

typedef struct browser {
  pid_t pid;
  int to, from; /* our ends: commands to its fd 3, messages from its fd 4 */
  char *buf;    /* bytes read and not yet taken */
  size_t len, cap;
  int next_id;
  char session[128];
  char *profile; /* the temporary --user-data-dir */
  gb_json_parser *json;
  /* what the page did */
  bool loaded;
  int errors, exceptions;
  char first_error[512];
} browser;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* In the child: its fds 3 and 4 become the pipe ends, wherever pipe() put them. */
static void child_exec(const char *exe, int cmd_read, int msg_write, const char *profile,
                       const char *log) {
  int a = fcntl(cmd_read, F_DUPFD, 10), b = fcntl(msg_write, F_DUPFD, 10);
  if (a < 0 || b < 0 || dup2(a, 3) < 0 || dup2(b, 4) < 0)
    _exit(127);
  int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
  }
  for (int i = 5; i < 1024; i++)
    close(i);
  char user_data[PATH_MAX + 32];
  snprintf(user_data, sizeof user_data, "--user-data-dir=%s", profile);
  /* --no-sandbox: the sandbox refuses to run as root (containers, CI); the page is our own. */
  char *const args[] = {(char *)exe,
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--no-first-run",
                        "--no-default-browser-check",
                        "--remote-debugging-pipe",
                        user_data,
                        "about:blank",
                        NULL};
  execv(exe, args);
  _exit(127);
}

static void browser_start(browser *b) {
  char exe[PATH_MAX];
  find_chromium(exe, sizeof exe);
  memset(b, 0, sizeof *b);
  b->profile = gbt_tmpdir();
  char *log = gbt_path(b->profile, "chromium.log");
  int cmd[2], msg[2];
  cr_assert(pipe(cmd) == 0 && pipe(msg) == 0);
  b->pid = fork();
  cr_assert(b->pid >= 0);
  if (b->pid == 0)
    child_exec(exe, cmd[0], msg[1], b->profile, log);
  close(cmd[0]);
  close(msg[1]);
  b->to = cmd[1];
  b->from = msg[0];
  b->next_id = 1;
  gb_err err = {0};
  cr_assert_eq(gb_json_parser_new(&b->json, &err), 0, "%s", err.msg);
  free(log);
}

static void browser_stop(browser *b) {
  if (b->pid > 0) {
    /* Browser.close was sent by the caller when it could; a browser that does not leave is
     * killed (our own child, by its pid). */
    close(b->to);
    if (gbt_wait_exit(b->pid, 20) < 0) {
      kill(b->pid, SIGKILL);
      waitpid(b->pid, NULL, 0);
    }
  }
  close(b->from);
  gb_json_parser_free(b->json);
  free(b->buf);
  gbt_rmtree(b->profile);
  free(b->profile);
}

static void send_raw(browser *b, const char *text) {
  size_t len = strlen(text) + 1; /* the NUL ends the message */
  for (size_t off = 0; off < len;) {
    ssize_t w = write(b->to, text + off, len - off);
    cr_assert(w > 0 || errno == EINTR, "writing to chromium: %s", strerror(errno));
    off += w > 0 ? (size_t)w : 0;
  }
}

/* The next message (heap, NUL-terminated), waiting until `deadline` (monotonic seconds). */
static char *read_message(browser *b, double deadline) {
  for (;;) {
    char *nul = b->buf ? memchr(b->buf, '\0', b->len) : NULL;
    if (nul) {
      size_t n = (size_t)(nul - b->buf);
      char *msg = strndup(b->buf, n);
      memmove(b->buf, nul + 1, b->len - n - 1);
      b->len -= n + 1;
      return msg;
    }
    double left = deadline - now_s();
    cr_assert_gt(left, 0, "chromium did not answer within %d s", DEADLINE_S);
    struct pollfd pfd = {.fd = b->from, .events = POLLIN};
    int ready = poll(&pfd, 1, (int)(left * 1000) + 1);
    if (ready <= 0)
      continue;
    if (b->cap - b->len < 65536) {
      b->cap = b->cap ? b->cap * 2 : 1 << 20;
      b->buf = realloc(b->buf, b->cap);
      cr_assert(b->buf);
    }
    ssize_t r = read(b->from, b->buf + b->len, b->cap - b->len);
    cr_assert(r > 0 || (r < 0 && errno == EINTR), "chromium closed its pipe (see its log)");
    b->len += r > 0 ? (size_t)r : 0;
  }
}

/* ---- JSON fields ------------------------------------------------------------------------- */

typedef struct field {
  const char *key;
  bool found;
  gb_json_kind kind;
  int64_t i;
  double d;
  char *text; /* a string's bytes or a nested object's raw text (heap) */
} field;

static int on_field(void *ctx, const char *key, size_t key_len, const gb_json_value *v,
                    gb_err *err) {
  (void)err;
  field *f = ctx;
  if (f->found || strlen(f->key) != key_len || memcmp(f->key, key, key_len) != 0)
    return 0;
  f->found = true;
  f->kind = v->kind;
  f->i = v->i;
  f->d = v->d;
  if (v->kind == GB_JSON_STRING || v->kind == GB_JSON_OBJECT)
    f->text = strndup(v->str, v->len);
  return 0;
}

/* The field `key` of the JSON object text; found false when absent or not an object. */
static field get(browser *b, const char *json, const char *key) {
  field f = {.key = key};
  gb_err err = {0};
  if (json && gb_json_parse_object(b->json, json, strlen(json), on_field, &f, &err) != 0)
    f.found = false;
  return f;
}

/* The text of a nested string field a.b.c ("" when absent), heap. */
static char *get_path(browser *b, const char *json, const char *const *keys, size_t n) {
  char *cur = strdup(json);
  for (size_t i = 0; cur && i < n; i++) {
    field f = get(b, cur, keys[i]);
    free(cur);
    cur = f.text;
  }
  return cur ? cur : strdup("");
}

static void note_error(browser *b, const char *what, const char *text) {
  if (b->errors++ == 0)
    snprintf(b->first_error, sizeof b->first_error, "%s: %s", what, text);
  fprintf(stderr, "report_browser: page %s: %s\n", what, text);
}

/* Records what an event says about the page. */
static void on_event(browser *b, const char *msg, const char *method) {
  field params = get(b, msg, "params");
  if (strcmp(method, "Page.loadEventFired") == 0) {
    b->loaded = true;
  } else if (strcmp(method, "Runtime.exceptionThrown") == 0) {
    static const char *const PATH[] = {"exceptionDetails", "exception", "description"};
    char *text = get_path(b, params.text, PATH, 3);
    b->exceptions++;
    note_error(b, "exception", text);
    free(text);
  } else if (strcmp(method, "Runtime.consoleAPICalled") == 0) {
    field type = get(b, params.text, "type");
    if (type.text && strcmp(type.text, "error") == 0)
      note_error(b, "console.error", params.text);
    free(type.text);
  } else if (strcmp(method, "Log.entryAdded") == 0) {
    static const char *const LEVEL[] = {"entry", "level"}, *const TEXT[] = {"entry", "text"};
    char *level = get_path(b, params.text, LEVEL, 2), *text = get_path(b, params.text, TEXT, 2);
    if (strcmp(level, "error") == 0)
      note_error(b, "log error", text);
    free(level);
    free(text);
  }
  free(params.text);
}

/* Sends method(params) (to the page's session when `page`), handles the events that arrive
 * meanwhile, and returns the reply's "result" object text (heap). */
static char *call(browser *b, bool page, const char *method, const char *params) {
  int id = b->next_id++;
  size_t cap = strlen(params) + strlen(method) + 256;
  char *cmd = malloc(cap);
  snprintf(cmd, cap, "{\"id\":%d,\"method\":\"%s\",\"params\":%s%s%s%s}", id, method, params,
           page ? ",\"sessionId\":\"" : "", page ? b->session : "", page ? "\"" : "");
  send_raw(b, cmd);
  free(cmd);
  double deadline = now_s() + DEADLINE_S;
  for (;;) {
    char *msg = read_message(b, deadline);
    field fid = get(b, msg, "id"), fmethod = get(b, msg, "method");
    if (fmethod.text)
      on_event(b, msg, fmethod.text);
    free(fmethod.text);
    free(fid.text);
    if (fid.found && fid.i == id) {
      field error = get(b, msg, "error"), result = get(b, msg, "result");
      cr_assert(!error.found, "%s failed: %s", method, error.text);
      free(msg);
      return result.text ? result.text : strdup("{}");
    }
    free(msg);
  }
}

/* Waits for events until the page's load event (or the deadline). */
static void wait_loaded(browser *b) {
  double deadline = now_s() + DEADLINE_S;
  while (!b->loaded) {
    char *msg = read_message(b, deadline);
    field m = get(b, msg, "method");
    if (m.text)
      on_event(b, msg, m.text);
    free(m.text);
    free(msg);
  }
}

/* ---- the check of a page ------------------------------------------------------------------ */

typedef struct page_check {
  int64_t images, broken, svgs;
} page_check;

static int64_t int_field(browser *b, const char *json, const char *key) {
  field f = get(b, json, key);
  free(f.text);
  cr_assert(f.found && f.kind == GB_JSON_INT, "%s missing in %s", key, json);
  return f.i;
}

static double number_field(browser *b, const char *json, const char *key) {
  field f = get(b, json, key);
  free(f.text);
  cr_assert(f.found && (f.kind == GB_JSON_INT || f.kind == GB_JSON_DOUBLE), "%s missing in %s", key,
            json);
  return f.d;
}

/* Counts the page's images, those not loaded (not complete or without a natural width) and its
 * inline SVGs. */
static page_check check_page(browser *b) {
  static const char EXPR[] =
      "{\"expression\":\"JSON.stringify({images: document.images.length, broken: "
      "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length, "
      "svgs: document.querySelectorAll('svg').length})\",\"returnByValue\":true}";
  char *result = call(b, true, "Runtime.evaluate", EXPR);
  static const char *const PATH[] = {"result", "value"};
  char *value = get_path(b, result, PATH, 2);
  page_check c = {int_field(b, value, "images"), int_field(b, value, "broken"),
                  int_field(b, value, "svgs")};
  free(value);
  free(result);
  return c;
}

/* The artifacts directory: $GB_ARTIFACTS_DIR, else artifacts/ beside the gamebench executable
 * (the build directory). */
static char *artifacts_dir(void) {
  const char *env = getenv("GB_ARTIFACTS_DIR");
  char *dir = env && env[0] ? strdup(env) : NULL;
  if (!dir) {
    const char *exe = GB_GAMEBENCH_EXE;
    const char *slash = strrchr(exe, '/');
    size_t len = slash ? (size_t)(slash - exe) : 0;
    size_t cap = len + sizeof "/artifacts";
    dir = malloc(cap);
    snprintf(dir, cap, "%.*s/artifacts", (int)len, exe);
  }
  gbt_proc p = gbt_shell("mkdir -p '%s'", dir);
  cr_assert_eq(p.status, 0, "cannot create %s: %s", dir, p.err);
  gbt_proc_free(&p);
  return dir;
}

/* A PNG of the whole page (not only the viewport) into path. */
static void screenshot(browser *b, const char *path) {
  char *metrics = call(b, true, "Page.getLayoutMetrics", "{}");
  field size = get(b, metrics, "cssContentSize");
  cr_assert(size.found, "no cssContentSize in %s", metrics);
  double w = number_field(b, size.text, "width"), h = number_field(b, size.text, "height");
  /* GPU-less headless Chromium draws at most 16384 pixels a side. */
  char params[256];
  snprintf(params, sizeof params,
           "{\"format\":\"png\",\"captureBeyondViewport\":true,\"clip\":{\"x\":0,\"y\":0,"
           "\"width\":%.0f,\"height\":%.0f,\"scale\":1}}",
           w > 0 ? w : 1280,
           h > 16000 ? 16000
           : h > 0   ? h
                     : 800);
  char *shot = call(b, true, "Page.captureScreenshot", params);
  field data = get(b, shot, "data");
  size_t len = 0;
  unsigned char *png = data.text ? gbt_base64_decode(data.text, strlen(data.text), &len) : NULL;
  cr_assert(png && len > 8 && memcmp(png, "\x89PNG", 4) == 0, "the screenshot is not a PNG");
  gb_afile *f = NULL;
  gb_err err = {0};
  cr_assert_eq(gb_afile_open(path, &f, &err), 0, "%s", err.msg);
  fwrite(png, 1, len, gb_afile_stream(f));
  cr_assert_eq(gb_afile_commit(f, &err), 0, "%s", err.msg);
  fprintf(stderr, "report_browser: screenshot %s (%zu bytes)\n", path, len);
  free(png);
  free(data.text);
  free(size.text);
  free(shot);
  free(metrics);
}

/* Opens file://path in a new tab with the page, runtime and log domains on, and waits for its
 * load event. */
static void open_page(browser *b, const char *path) {
  char *target = call(b, false, "Target.createTarget", "{\"url\":\"about:blank\"}");
  field id = get(b, target, "targetId");
  cr_assert(id.text, "no targetId in %s", target);
  char params[512];
  snprintf(params, sizeof params, "{\"targetId\":\"%s\",\"flatten\":true}", id.text);
  char *attached = call(b, false, "Target.attachToTarget", params);
  field session = get(b, attached, "sessionId");
  cr_assert(session.text, "no sessionId in %s", attached);
  snprintf(b->session, sizeof b->session, "%s", session.text);
  static const char *const DOMAINS[] = {"Page.enable", "Runtime.enable", "Log.enable"};
  for (size_t i = 0; i < 3; i++)
    free(call(b, true, DOMAINS[i], "{}"));
  /* A desktop-wide page, as a reader sees the tables. */
  free(call(b, true, "Emulation.setDeviceMetricsOverride",
            "{\"width\":1280,\"height\":800,\"deviceScaleFactor\":1,\"mobile\":false}"));
  char url[PATH_MAX + 64];
  snprintf(url, sizeof url, "{\"url\":\"file://%s\"}", path);
  b->loaded = false;
  free(call(b, true, "Page.navigate", url));
  wait_loaded(b);
  free(session.text);
  free(attached);
  free(id.text);
  free(target);
}

static void close_browser(browser *b) {
  int id = b->next_id++;
  char cmd[64];
  snprintf(cmd, sizeof cmd, "{\"id\":%d,\"method\":\"Browser.close\",\"params\":{}}", id);
  send_raw(b, cmd);
}

/* ---- the tests --------------------------------------------------------------------------- */

/* The plots the report of A and B holds (gb_report_multi_int.h: every one has data). */
enum { EXPECTED_PLOTS = 7 };

Test(report_browser, the_comparative_report_loads_every_image_without_errors) {
  browser b;
  browser_start(&b);
  char *tmp = gbt_tmpdir();
  char real[PATH_MAX];
  cr_assert(realpath(tmp, real));
  const char *dirs[] = {FIXTURE_A, FIXTURE_B};
  gb_err err = {0};
  cr_assert_eq(gb_report_generate_multi(dirs, 2, real, true, &err), 0, "%s", err.msg);
  char *html = gbt_path(real, "report.html");
  open_page(&b, html);
  page_check c = check_page(&b);
  char *art = artifacts_dir(), *png = gbt_path(art, "report.png");
  screenshot(&b, png);
  close_browser(&b);
  fprintf(stderr, "report_browser: %lld images (%lld not loaded), %lld inline SVGs, %d errors\n",
          (long long)c.images, (long long)c.broken, (long long)c.svgs, b.errors);
  cr_assert_eq(c.broken, 0, "%lld of %lld images did not load", (long long)c.broken,
               (long long)c.images);
  cr_assert_geq(c.images + c.svgs, EXPECTED_PLOTS, "%lld images, %lld SVGs", (long long)c.images,
                (long long)c.svgs);
  cr_assert_eq(b.errors, 0, "%d console errors, the first: %s", b.errors, b.first_error);
  browser_stop(&b);
  free(png);
  free(art);
  free(html);
  gbt_rmtree(tmp);
  free(tmp);
}

Test(report_browser, a_broken_image_and_a_script_error_are_caught) {
  browser b;
  browser_start(&b);
  char *tmp = gbt_tmpdir();
  char real[PATH_MAX];
  cr_assert(realpath(tmp, real));
  char *html = gbt_path(real, "broken.html");
  gbt_write_file(html, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                       "<title>broken</title></head><body>\n"
                       "<img src=\"data:image/png;base64,iVBORw0KGgoAAAAA\" alt=\"corrupt\">\n"
                       "<img src=\"plots/missing.png\" alt=\"missing\">\n"
                       "<script>no_such_function();</script>\n</body></html>\n");
  open_page(&b, html);
  page_check c = check_page(&b);
  close_browser(&b);
  cr_assert_eq(c.images, 2);
  cr_assert_eq(c.broken, 2, "both images are broken, %lld found", (long long)c.broken);
  cr_assert_eq(b.exceptions, 1, "the script error is reported (%d errors: %s)", b.errors,
               b.first_error);
  cr_assert_geq(b.errors, 2, "the missing file is a log error too: %s", b.first_error);
  browser_stop(&b);
  free(html);
  gbt_rmtree(tmp);
  free(tmp);
}
