/* Base64 (RFC 4648, with padding) decoding for the suites that read data: URIs and the DevTools
 * protocol's screenshots. */
#ifndef GB_TEST_BASE64_H
#define GB_TEST_BASE64_H

#include <stddef.h>

/* Decodes text[0..len) into a heap buffer (caller frees) and sets *out_len; NULL when the text is
 * not base64 (a character outside the alphabet, a length not a multiple of 4). */
unsigned char *gbt_base64_decode(const char *text, size_t len, size_t *out_len);

#endif
