// gb_json over simdjson (C++17, error-code API only: no simdjson exception crosses into C, and
// every extern "C" entry point catches std::bad_alloc from the few std containers used here).
//
// The caller's text is copied into a parser-owned buffer with SIMDJSON_PADDING spare bytes,
// because simdjson reads up to that many bytes past the end of its input and the caller's buffer
// is not ours to over-read. Copying and zeroing the padding cost ~20 ns for one event (measured).
#include <simdjson.h>

// The project's headers are C without extern "C" guards.
extern "C" {
#include "gb_grow.h"
#include "gb_json.h"
}

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <string_view>
#include <vector>

namespace od = simdjson::ondemand;
namespace dom = simdjson::dom;
using simdjson::error_code;

struct gb_json_parser {
  gb_json_api api;
  od::parser ondemand;
  // The DOM parser runs the whole parse for GB_JSON_API_DOM, and for On-Demand only validates
  // nested containers (On-Demand skips them structurally, see od_nested); it allocates lazily.
  dom::parser dom;
  char *buf = nullptr; // the padded copy of the input
  size_t cap = 0;      // bytes allocated at buf, padding included
  gb_json_value items[GB_JSON_ARRAY_MAX];
  std::vector<std::string> dom_nested; // DOM: re-serialized nested containers of one field
};

namespace {

bool is_json_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; }

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && is_json_space(s.back()))
    s.remove_suffix(1);
  return s;
}

int invalid_json(gb_err *err, error_code e, std::string_view key) {
  if (key.data() == nullptr)
    return gb_err_set(err, GB_ERR_INPUT, "invalid JSON: %s", simdjson::error_message(e));
  return gb_err_set(err, GB_ERR_INPUT, "invalid JSON in field '%.*s': %s", (int)key.size(),
                    key.data(), simdjson::error_message(e));
}

int array_too_long(gb_err *err, std::string_view key) {
  return gb_err_set(err, GB_ERR_INPUT, "field '%.*s': array longer than %d elements",
                    (int)key.size(), key.data(), (int)GB_JSON_ARRAY_MAX);
}

// A first buffer that holds one event (~300 bytes) and its padding.
constexpr size_t BUF_FIRST = 1024;

// Grows the padded buffer to hold len bytes plus padding, and copies json into it.
int load(gb_json_parser *p, const char *json, size_t len, gb_err *err) {
  size_t need = len + simdjson::SIMDJSON_PADDING;
  if (need < len)
    return gb_err_set(err, GB_ERR_INPUT, "JSON text of %zu bytes is too large", len);
  if (GB_GROW(p->buf, p->cap, need, BUF_FIRST, "bytes of JSON", err) != 0)
    return -1;
  if (len > 0)
    std::memcpy(p->buf, json, len);
  // simdjson only needs the padding readable; zeroing it keeps stale bytes of a previous,
  // longer document out of view.
  std::memset(p->buf + len, 0, simdjson::SIMDJSON_PADDING);
  return 0;
}

bool is_json_integer_text(std::string_view t) {
  size_t i = (!t.empty() && t[0] == '-') ? 1 : 0;
  if (i == t.size())
    return false;
  for (; i < t.size(); i++)
    if (t[i] < '0' || t[i] > '9')
      return false;
  return true;
}

// Number fallback: simdjson refuses integers beyond the 64-bit ranges; the contract makes them
// doubles.
int big_integer(std::string_view tok, gb_json_value *out) {
  tok = trim_right(tok);
  if (!is_json_integer_text(tok))
    return -1;
  return gb_json_number_parse(tok.data(), tok.size(), out);
}

// ---- On-Demand -------------------------------------------------------------------------------

// Raw text of a nested container, validated in full: On-Demand skips a container it is not asked
// to descend into by its brackets alone, so `{"a":tru}` would pass. The text lies inside p->buf,
// whose padding the DOM parser may read, so it parses in place without a copy.
template <typename Container>
simdjson_inline int od_nested(gb_json_parser *p, Container &c, std::string_view key,
                              std::string_view *text, gb_err *err) {
  std::string_view raw;
  error_code e = c.raw_json().get(raw);
  if (e)
    return invalid_json(err, e, key);
  raw = trim_right(raw);
  dom::element ignored;
  e = p->dom.parse(raw.data(), raw.size(), false).get(ignored);
  if (e)
    return invalid_json(err, e, key);
  *text = raw;
  return 0;
}

// The number token's text parsed by gb_json_number_parse (exact, std::from_chars), or an error
// naming the key when it is no JSON number or beyond a double.
int reparse_number(std::string_view tok, std::string_view key, gb_json_value *out, gb_err *err) {
  tok = trim_right(tok);
  if (gb_json_number_parse(tok.data(), tok.size(), out) == 0)
    return 0;
  return invalid_json(err, simdjson::NUMBER_ERROR, key);
}

simdjson_inline int od_number(od::value &v, std::string_view key, gb_json_value *out, gb_err *err) {
  od::number n;
  error_code e = v.get_number().get(n);
  if (e) {
    if (e == simdjson::NUMBER_ERROR && big_integer(v.raw_json_token(), out) == 0)
      return 0;
    return invalid_json(err, e, key);
  }
  switch (n.get_number_type()) {
  case od::number_type::signed_integer:
    out->kind = GB_JSON_INT;
    out->i = n.get_int64();
    out->d = (double)out->i;
    break;
  case od::number_type::unsigned_integer:
    out->kind = GB_JSON_UINT;
    out->u = n.get_uint64();
    out->d = (double)out->u;
    break;
  case od::number_type::floating_point_number:
    out->kind = GB_JSON_DOUBLE;
    out->d = n.get_double();
    break;
  default: // a big integer (newer simdjson): the contract makes it a double
    return reparse_number(v.raw_json_token(), key, out, err);
  }
  // simdjson's get_number() gives 0 for a fraction or exponent with 19 significant digits or
  // more (1.844674407373456674, 100.00000000000000000000); such a token is at least 20
  // characters long, and those few are parsed again from their text, exactly.
  if (out->kind == GB_JSON_DOUBLE && trim_right(v.raw_json_token()).size() >= 20)
    return reparse_number(v.raw_json_token(), key, out, err);
  return 0;
}

// Reads a scalar of type t; returns 1 when t is a container (left to the caller).
simdjson_inline int od_scalar(od::value &v, od::json_type t, std::string_view key,
                              gb_json_value *out, gb_err *err) {
  error_code e;
  switch (t) {
  case od::json_type::null: {
    bool is_null = false;
    e = v.is_null().get(is_null);
    if (!e && !is_null)
      e = simdjson::N_ATOM_ERROR;
    if (e)
      return invalid_json(err, e, key);
    out->kind = GB_JSON_NULL;
    return 0;
  }
  case od::json_type::boolean:
    e = v.get_bool().get(out->b);
    if (e)
      return invalid_json(err, e, key);
    out->kind = GB_JSON_BOOL;
    return 0;
  case od::json_type::number:
    return od_number(v, key, out, err);
  case od::json_type::string: {
    std::string_view s;
    e = v.get_string().get(s);
    if (e)
      return invalid_json(err, e, key);
    out->kind = GB_JSON_STRING;
    out->str = s.data();
    out->len = s.size();
    return 0;
  }
  case od::json_type::object:
  case od::json_type::array:
    break;
  }
  return 1;
}

// A container as raw text: an object field, or a container inside an array.
simdjson_inline int od_container_text(gb_json_parser *p, od::value &v, od::json_type t,
                                      std::string_view key, gb_json_value *out, gb_err *err) {
  std::string_view text;
  error_code e;
  if (t == od::json_type::object) {
    od::object obj;
    e = v.get_object().get(obj);
    if (!e && od_nested(p, obj, key, &text, err) != 0)
      return -1;
    out->kind = GB_JSON_OBJECT;
  } else {
    od::array arr;
    e = v.get_array().get(arr);
    if (!e && od_nested(p, arr, key, &text, err) != 0)
      return -1;
    out->kind = GB_JSON_ARRAY;
  }
  if (e)
    return invalid_json(err, e, key);
  out->str = text.data();
  out->len = text.size();
  return 0;
}

// An array field: scalar elements into p->items, nested containers as raw text.
simdjson_inline int od_array(gb_json_parser *p, od::value &v, std::string_view key,
                             gb_json_value *out, gb_err *err) {
  od::array arr;
  error_code e = v.get_array().get(arr);
  if (e)
    return invalid_json(err, e, key);
  size_t n = 0;
  for (auto elem : arr) {
    od::value ev;
    od::json_type t;
    e = elem.get(ev);
    if (!e)
      e = ev.type().get(t);
    if (e)
      return invalid_json(err, e, key);
    if (n == GB_JSON_ARRAY_MAX)
      return array_too_long(err, key);
    gb_json_value *item = &p->items[n++];
    *item = gb_json_value{};
    int rc = od_scalar(ev, t, key, item, err);
    if (rc == 1)
      rc = od_container_text(p, ev, t, key, item, err);
    if (rc != 0)
      return -1;
  }
  out->kind = GB_JSON_ARRAY;
  out->items = p->items;
  out->n_items = n;
  return 0;
}

simdjson_inline int od_container(gb_json_parser *p, od::value &v, od::json_type t,
                                 std::string_view key, gb_json_value *out, gb_err *err) {
  if (t == od::json_type::array)
    return od_array(p, v, key, out, err);
  return od_container_text(p, v, t, key, out, err);
}

// Everything from here to od_parse is inlined and nothing recurses on purpose: when od_value could
// recurse (arrays of arrays) or hand the value to an out-of-line function, GCC 12 kept the
// iterator state in memory on every field: 2.5x slower per event (measured: 440 vs 175 ns).
simdjson_inline int od_value(gb_json_parser *p, od::value &v, std::string_view key,
                             gb_json_value *out, gb_err *err) {
  od::json_type t;
  error_code e = v.type().get(t);
  if (e)
    return invalid_json(err, e, key);
  int rc = od_scalar(v, t, key, out, err);
  if (rc == 1)
    return od_container(p, v, t, key, out, err);
  return rc;
}

int od_parse(gb_json_parser *p, size_t len, gb_json_field_fn on_field, void *ctx, gb_err *err) {
  od::document doc;
  error_code e = p->ondemand.iterate(p->buf, len, p->cap).get(doc);
  if (e)
    return invalid_json(err, e, {});
  od::object obj;
  e = doc.get_object().get(obj);
  if (e == simdjson::INCORRECT_TYPE)
    return gb_err_set(err, GB_ERR_INPUT, "expected a JSON object");
  if (e)
    return invalid_json(err, e, {});
  for (auto field : obj) {
    std::string_view key;
    e = field.unescaped_key().get(key);
    if (e)
      return invalid_json(err, e, {});
    od::value v;
    e = field.value().get(v);
    if (e)
      return invalid_json(err, e, key);
    gb_json_value val{};
    if (od_value(p, v, key, &val, err) != 0)
      return -1;
    if (on_field(ctx, key.data(), key.size(), &val, err) != 0)
      return -1;
  }
  // After the object, the document must be exhausted: a location means more tokens follow.
  const char *rest = nullptr;
  e = doc.current_location().get(rest);
  if (e == simdjson::OUT_OF_BOUNDS)
    return 0;
  if (e)
    return invalid_json(err, e, {});
  return gb_err_set(err, GB_ERR_INPUT, "trailing content after the JSON object at byte %zu",
                    (size_t)(rest - p->buf));
}

// ---- DOM -------------------------------------------------------------------------------------

int dom_scalar(dom::element el, gb_json_value *out) {
  switch (el.type()) {
  case dom::element_type::NULL_VALUE:
    out->kind = GB_JSON_NULL;
    return 0;
  case dom::element_type::BOOL:
    out->kind = GB_JSON_BOOL;
    out->b = el.get_bool().value_unsafe();
    return 0;
  case dom::element_type::INT64:
    out->kind = GB_JSON_INT;
    out->i = el.get_int64().value_unsafe();
    out->d = (double)out->i;
    return 0;
  case dom::element_type::UINT64:
    out->kind = GB_JSON_UINT;
    out->u = el.get_uint64().value_unsafe();
    out->d = (double)out->u;
    return 0;
  case dom::element_type::DOUBLE:
    out->kind = GB_JSON_DOUBLE;
    out->d = el.get_double().value_unsafe();
    return 0;
  case dom::element_type::STRING: {
    std::string_view s = el.get_string().value_unsafe();
    out->kind = GB_JSON_STRING;
    out->str = s.data();
    out->len = s.size();
    return 0;
  }
  case dom::element_type::ARRAY:
  case dom::element_type::OBJECT:
    break;
  }
  return -1;
}

// Reads one field value. Nested containers are serialized into p->dom_nested, which is filled
// completely before any pointer into it is taken (a vector may move its strings as it grows).
int dom_value(gb_json_parser *p, dom::element el, std::string_view key, gb_json_value *out,
              gb_err *err) {
  if (dom_scalar(el, out) == 0)
    return 0;
  p->dom_nested.clear();
  if (el.type() == dom::element_type::OBJECT) {
    p->dom_nested.push_back(simdjson::minify(el));
    out->kind = GB_JSON_OBJECT;
    out->str = p->dom_nested[0].data();
    out->len = p->dom_nested[0].size();
    return 0;
  }
  dom::array arr = el.get_array().value_unsafe();
  if (arr.size() > GB_JSON_ARRAY_MAX)
    return array_too_long(err, key);
  size_t n = 0;
  for (dom::element item : arr) {
    p->items[n] = gb_json_value{};
    if (dom_scalar(item, &p->items[n]) != 0) {
      p->items[n].kind = item.type() == dom::element_type::OBJECT ? GB_JSON_OBJECT : GB_JSON_ARRAY;
      p->dom_nested.push_back(simdjson::minify(item));
    }
    n++;
  }
  size_t next_nested = 0;
  for (size_t i = 0; i < n; i++) {
    gb_json_kind k = p->items[i].kind;
    if ((k == GB_JSON_OBJECT || k == GB_JSON_ARRAY) && p->items[i].str == nullptr) {
      const std::string &s = p->dom_nested[next_nested++];
      p->items[i].str = s.data();
      p->items[i].len = s.size();
    }
  }
  out->kind = GB_JSON_ARRAY;
  out->items = p->items;
  out->n_items = n;
  return 0;
}

int dom_parse(gb_json_parser *p, size_t len, gb_json_field_fn on_field, void *ctx, gb_err *err) {
  dom::element root;
  error_code e = p->dom.parse(p->buf, len, false).get(root);
  if (e)
    return invalid_json(err, e, {});
  dom::object obj;
  if (root.get_object().get(obj))
    return gb_err_set(err, GB_ERR_INPUT, "expected a JSON object");
  for (dom::key_value_pair kv : obj) {
    gb_json_value val{};
    if (dom_value(p, kv.value, kv.key, &val, err) != 0)
      return -1;
    if (on_field(ctx, kv.key.data(), kv.key.size(), &val, err) != 0)
      return -1;
  }
  return 0;
}

// Decimal exponent of the leading significant digit of a valid JSON number (123.4 -> 2,
// 0.005 -> -3, 5e-400 -> -400), saturated; only its sign matters: it tells a number too large for
// a double from one too small.
long decimal_magnitude(std::string_view t) {
  const long limit = 1L << 40; // far beyond any double exponent, far from overflowing a long
  size_t i = t[0] == '-' ? 1 : 0;
  long lead = 0; // exponent of the first non-zero digit seen so far, before 'e'
  bool found = false;
  long int_digits = 0;
  for (; i < t.size() && t[i] >= '0' && t[i] <= '9'; i++, int_digits++)
    if (!found && t[i] != '0') {
      found = true;
      lead = -int_digits; // fixed up below once the integer part's length is known
    }
  if (found)
    lead += int_digits - 1;
  if (i < t.size() && t[i] == '.')
    for (long pos = -1; ++i < t.size() && t[i] >= '0' && t[i] <= '9'; pos--)
      if (!found && t[i] != '0') {
        found = true;
        lead = pos;
      }
  long exp = 0;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    bool neg = t[++i] == '-';
    if (t[i] == '+' || t[i] == '-')
      i++;
    for (; i < t.size(); i++)
      if (exp < limit)
        exp = exp * 10 + (t[i] - '0');
    exp = neg ? -exp : exp;
  }
  return lead + exp;
}

} // namespace

extern "C" {

int gb_json_parser_new_api(gb_json_api api, gb_json_parser **out, gb_err *err) {
  if (api != GB_JSON_API_ONDEMAND && api != GB_JSON_API_DOM)
    return gb_err_set(err, GB_ERR_INPUT, "JSON parser: unknown API %d", (int)api);
  gb_json_parser *p = nullptr;
  try {
    p = new (std::nothrow) gb_json_parser();
  } catch (...) { // a member's constructor: treated as what it can only be, out of memory
    p = nullptr;
  }
  if (p == nullptr)
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory for a JSON parser");
  p->api = api;
  *out = p;
  return 0;
}

int gb_json_parser_new(gb_json_parser **out, gb_err *err) {
  return gb_json_parser_new_api(GB_JSON_API_ONDEMAND, out, err);
}

void gb_json_parser_free(gb_json_parser *p) {
  if (p == nullptr)
    return;
  std::free(p->buf);
  delete p;
}

int gb_json_parse_object(gb_json_parser *p, const char *json, size_t len, gb_json_field_fn on_field,
                         void *ctx, gb_err *err) {
  try {
    if (load(p, json, len, err) != 0)
      return -1;
    if (p->api == GB_JSON_API_DOM)
      return dom_parse(p, len, on_field, ctx, err);
    return od_parse(p, len, on_field, ctx, err);
  } catch (const std::bad_alloc &) {
    return gb_err_set(err, GB_ERR_RUNTIME, "out of memory while parsing JSON");
  } catch (...) {
    return gb_err_set(err, GB_ERR_RUNTIME, "unexpected C++ exception while parsing JSON");
  }
}

int gb_json_number_parse(const char *text, size_t len, gb_json_value *out) {
  std::string_view t(text, len);
  // RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? — checked here because
  // std::from_chars also takes "inf", "nan", hexadecimal and leading zeros.
  size_t i = 0;
  if (i < len && t[i] == '-')
    i++;
  size_t int_start = i;
  while (i < len && t[i] >= '0' && t[i] <= '9')
    i++;
  size_t int_digits = i - int_start;
  if (int_digits == 0 || (int_digits > 1 && t[int_start] == '0'))
    return -1;
  bool integral = true;
  if (i < len && t[i] == '.') {
    size_t frac_start = ++i;
    while (i < len && t[i] >= '0' && t[i] <= '9')
      i++;
    if (i == frac_start)
      return -1;
    integral = false;
  }
  if (i < len && (t[i] == 'e' || t[i] == 'E')) {
    i++;
    if (i < len && (t[i] == '+' || t[i] == '-'))
      i++;
    size_t exp_start = i;
    while (i < len && t[i] >= '0' && t[i] <= '9')
      i++;
    if (i == exp_start)
      return -1;
    integral = false;
  }
  if (i != len)
    return -1;
  *out = gb_json_value{};
  const char *end = text + len;
  if (integral) {
    if (t[0] == '-') {
      int64_t v;
      if (std::from_chars(text, end, v).ec == std::errc()) {
        out->kind = GB_JSON_INT;
        out->i = v;
        out->d = (double)v;
        return 0;
      }
    } else {
      uint64_t v;
      if (std::from_chars(text, end, v).ec == std::errc()) {
        if (v <= (uint64_t)INT64_MAX) {
          out->kind = GB_JSON_INT;
          out->i = (int64_t)v;
        } else {
          out->kind = GB_JSON_UINT;
          out->u = v;
        }
        out->d = (double)v;
        return 0;
      }
    }
  }
  double d;
  std::from_chars_result r = std::from_chars(text, end, d);
  if (r.ec == std::errc::result_out_of_range) {
    // libstdc++ reports underflow as out of range too: a value too small for a double is 0.
    if (decimal_magnitude(t) >= 0)
      return -1;
    d = t[0] == '-' ? -0.0 : 0.0;
  } else if (r.ec != std::errc() || r.ptr != end) {
    return -1;
  }
  out->kind = GB_JSON_DOUBLE;
  out->d = d;
  return 0;
}

size_t gb_json_format_double(double d, char *buf) {
  if (!std::isfinite(d)) {
    std::memcpy(buf, "null", 4);
    return 4;
  }
  // Shortest round-trip form; 24 bytes always suffice for it ("-1.2345678901234567e-308").
  std::to_chars_result r = std::to_chars(buf, buf + GB_JSON_DOUBLE_MAX - 2, d);
  size_t n = (size_t)(r.ptr - buf);
  if (std::memchr(buf, '.', n) == nullptr && std::memchr(buf, 'e', n) == nullptr) {
    buf[n++] = '.';
    buf[n++] = '0';
  }
  return n;
}

int gb_json_minify(const char *json, size_t len, char *out, size_t *out_len, gb_err *err) {
  size_t n = 0;
  error_code e = simdjson::minify(json, len, out, n);
  if (e)
    return gb_err_set(err, GB_ERR_INPUT, "invalid JSON: %s", simdjson::error_message(e));
  *out_len = n;
  return 0;
}

const char *gb_json_simdjson_version(void) { return SIMDJSON_STRINGIFY(SIMDJSON_VERSION); }

const char *gb_json_simdjson_kernel(void) {
  // the implementations are static singletons: the name outlives every caller
  return simdjson::get_active_implementation()->name().c_str();
}

} // extern "C"
