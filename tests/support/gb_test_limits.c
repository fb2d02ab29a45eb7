#include "gb_test_limits.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

char *gbt_nested(const char *head, size_t depth) {
  size_t h = strlen(head);
  char *s = malloc(h + 2 * depth + 1);
  cr_assert_not_null(s);
  memcpy(s, head, h);
  memset(s + h, '[', depth);
  memset(s + h + depth, ']', depth);
  s[h + 2 * depth] = '\0';
  return s;
}
