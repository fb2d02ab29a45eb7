#include "gb_test_base64.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The value of one base64 digit, -1 for padding, -2 outside the alphabet. */
static int digit(char c) {
  static const char DIGITS[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (c == '=')
    return -1;
  const char *at = c ? strchr(DIGITS, c) : NULL;
  return at ? (int)(at - DIGITS) : -2;
}

unsigned char *gbt_base64_decode(const char *text, size_t len, size_t *out_len) {
  if (len % 4 != 0)
    return NULL;
  unsigned char *out = malloc(len / 4 * 3 + 1);
  size_t n = 0;
  for (size_t i = 0; out && i < len; i += 4) {
    int v[4];
    for (size_t k = 0; k < 4; k++)
      v[k] = digit(text[i + k]);
    bool last = i + 4 == len;
    if (v[0] < 0 || v[1] < 0 || v[2] == -2 || v[3] == -2 || (!last && (v[2] < 0 || v[3] < 0)) ||
        (v[2] < 0 && v[3] >= 0)) {
      free(out);
      return NULL;
    }
    unsigned long group = (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12 |
                          (unsigned long)(v[2] < 0 ? 0 : v[2]) << 6 |
                          (unsigned long)(v[3] < 0 ? 0 : v[3]);
    out[n++] = (unsigned char)(group >> 16);
    if (v[2] >= 0)
      out[n++] = (unsigned char)(group >> 8 & 0xff);
    if (v[3] >= 0)
      out[n++] = (unsigned char)(group & 0xff);
  }
  if (out)
    *out_len = n;
  return out;
}
