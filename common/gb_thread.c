#include "gb_thread.h"

#include <stdio.h>

enum { NAME_KEPT = 15 }; /* Linux's limit, the terminating NUL excluded */

void gb_thread_name(pthread_t t, const char *role, int index) {
  char name[64];
  if (index < 0)
    snprintf(name, sizeof name, "gb-%s", role);
  else
    snprintf(name, sizeof name, "gb-%s%d", role, index);
  name[NAME_KEPT] = '\0';
  pthread_setname_np(t, name);
}
