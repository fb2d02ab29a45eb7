/* SIGINT and SIGTERM during a run (gb_run_int.h says why a handler and its one flag). */
#include "gb_run_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The only global mutable state of the program, because a signal handler has nowhere else to
 * write: SIGNAL_BASE × (signals received so far) + the last one's number, in one word so that a
 * reader sees both from the same moment. The handler may run on two threads at once (two
 * signals delivered together), so it updates the word by compare-and-swap: a lock-free atomic,
 * which C11 allows in a handler like a volatile sig_atomic_t. */
enum { SIGNAL_BASE = 64 };
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the signal handler needs a lock-free int");
static _Atomic int signals_seen;

static void on_signal(int sig) {
  int old = atomic_load(&signals_seen);
  while (!atomic_compare_exchange_weak(&signals_seen, &old,
                                       (old / SIGNAL_BASE + 1) * SIGNAL_BASE + sig))
    ;
}

/* Installs on_signal for sig unless the caller ignores it; whether it did. */
static bool install(int sig, struct sigaction *old) {
  sigaction(sig, NULL, old);
  if (old->sa_handler == SIG_IGN)
    return false;
  struct sigaction sa = {.sa_handler = on_signal};
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGINT);
  sigaddset(&sa.sa_mask, SIGTERM);
  sa.sa_flags = SA_RESTART; /* a system call interrupted by the signal goes on */
  sigaction(sig, &sa, NULL);
  return true;
}

void gb_run_signals_begin(gb_run_signals *s) {
  *s = (gb_run_signals){.base = (unsigned)(atomic_load(&signals_seen) / SIGNAL_BASE)};
  s->int_ignored = !install(SIGINT, &s->old_int);
  s->term_ignored = !install(SIGTERM, &s->old_term);
}

unsigned gb_run_signals_take(gb_run_signals *s) {
  int seen = atomic_load(&signals_seen);
  unsigned total = (unsigned)(seen / SIGNAL_BASE) - s->base;
  if (total == s->count)
    return 0;
  unsigned n = total - s->count;
  s->count = total;
  s->last = (int)(seen % SIGNAL_BASE);
  if (!s->first)
    s->first = s->last;
  return n;
}

void gb_run_signals_end(gb_run_signals *s) {
  if (!s->int_ignored)
    sigaction(SIGINT, &s->old_int, NULL);
  if (!s->term_ignored)
    sigaction(SIGTERM, &s->old_term, NULL);
}

const char *gb_run_signal_name(int sig) { return sig == SIGINT ? "SIGINT" : "SIGTERM"; }

void gb_run_signals_abort(const gb_run_signals *s, const char *partial) {
  if (partial)
    gb_run_remove_tree(partial);
  fprintf(stderr, "gamebench run: %s again: aborted, no results written\n",
          gb_run_signal_name(s->last));
  /* The default action, so that the parent sees the process ended by the signal (a shell's
   * 130 or 143), as an unhandled Ctrl-C would. The other threads may still run: nothing of
   * theirs is written any more. */
  struct sigaction dfl = {.sa_handler = SIG_DFL};
  sigemptyset(&dfl.sa_mask);
  sigaction(s->last, &dfl, NULL);
  sigset_t only;
  sigemptyset(&only);
  sigaddset(&only, s->last);
  pthread_sigmask(SIG_UNBLOCK, &only, NULL);
  raise(s->last);
  _exit(128 + s->last); /* not reached */
}
