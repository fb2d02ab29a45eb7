/* Inputs past gamebench's limits, for the suites that check them (#16). */
#ifndef GB_TEST_LIMITS_H
#define GB_TEST_LIMITS_H

#include <stddef.h>

/* head followed by a YAML flow list nested depth deep ("[[...]]"), NUL-terminated, on the heap
 * (the caller frees it); fails the test when out of memory. */
char *gbt_nested(const char *head, size_t depth);

#endif
