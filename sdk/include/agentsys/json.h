/**
 * @file json.h
 * @brief Small JSON helpers for plugins written in C: read members of the task input, write the
 * result to an `as_writer`.
 *
 * Pure C (C99), header-only: every function is `static inline`, nothing allocates, and nothing
 * here is part of the ABI (the kernel never sees these types). It compiles as C++ too.
 *
 * NAME FAMILIES
 *   - `as_json_find`, `as_json_get_*`, `as_json_value_*`, `as_json_array_*`   the reader
 *   - `as_json_writer*`, `as_json_begin_*`, `as_json_end_*`, `as_json_write_*` the writer
 *   - `AS_JSON_*`                                  macros, status and type values
 *   - `as_json_impl_*`                             internals: do not call them
 *
 * READING
 *   The reader answers questions about one JSON object, typically `call->input_json`.
 *   `as_json_find` looks up a top-level member by key; `as_json_get_*` find and convert in one
 *   step; `as_json_array_*` iterate the elements of an array. Every lookup checks the whole
 *   document (RFC 8259 syntax, escapes, UTF-8, no trailing data), so a malformed document never
 *   yields a value. Members of any type, nested up to AS_JSON_MAX_DEPTH levels, are skipped
 *   correctly; an object member's `text` can be given to `as_json_find` to read inside it.
 *   The scan is iterative (no recursion) and never reads outside the given `as_str`. Each
 *   lookup scans the document once: no index is built, which suits task inputs.
 *
 * WRITING
 *   `as_json_writer` is a small state struct the caller keeps on the stack. It appends JSON to
 *   an `as_writer` as it goes, adding commas and colons itself. Inside an object every value is
 *   written with its key (`key` argument); in an array and at the top level `key` is NULL. The
 *   first error is kept and every later call does nothing, so the caller checks once, with
 *   `as_json_writer_finish`.
 *
 * OWNERSHIP
 *   - `as_json_value` and `as_json_iter` point into the document they were read from and are
 *     valid as long as it is (for `input_json`: during the call).
 *   - Strings are unescaped into buffers the caller provides; nothing is allocated.
 *
 * ERRORS
 *   Functions return `as_json_status`: AS_JSON_OK (0), AS_JSON_END (1: no more elements), or a
 *   negative AS_JSON_ERR_*. `as_json_status_text` names each for error messages. Outputs are
 *   left unchanged on failure unless a function says otherwise.
 */
#ifndef AGENTSYS_JSON_H
#define AGENTSYS_JSON_H

#include <agentsys/abi.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Deepest nesting the reader accepts, the top-level object counting as 1 (the kernel's limit
 *  for a task input is the same). Deeper documents give AS_JSON_ERR_DEPTH. Fixed: the reader
 *  keeps one bit per level in a 64-bit word. */
#define AS_JSON_MAX_DEPTH 64
/** Longest number text (in bytes) `as_json_value_double` converts; longer gives
 *  AS_JSON_ERR_RANGE. */
#define AS_JSON_MAX_NUMBER_LEN 100
/** Deepest nesting of arrays and objects `as_json_writer` can write. */
#define AS_JSON_WRITER_MAX_DEPTH 32

/* ------------------------------------------------------------------------------------------ */
/* Status codes and types                                                                      */
/* ------------------------------------------------------------------------------------------ */

/** Result of every helper (a fixed-width integer, since C enums vary in size). */
typedef int32_t as_json_status;

/** Status values. */
enum {
  AS_JSON_OK = 0,              /**< Success. */
  AS_JSON_END = 1,             /**< `as_json_array_next*`: the array has no more elements. */
  AS_JSON_ERR_SYNTAX = -1,     /**< Not well-formed JSON: bad syntax, truncated, an invalid
                                    escape or UTF-8 sequence, a lone surrogate, trailing data. */
  AS_JSON_ERR_DEPTH = -2,      /**< Nested deeper than AS_JSON_MAX_DEPTH (reader) or
                                    AS_JSON_WRITER_MAX_DEPTH (writer). */
  AS_JSON_ERR_NOT_OBJECT = -3, /**< Valid JSON, but the document is not an object. */
  AS_JSON_ERR_NOT_FOUND = -4,  /**< The object has no member with that key. */
  AS_JSON_ERR_DUPLICATE = -5,  /**< The key asked for appears twice or more: parsers disagree on
                                    which one wins, so the reader refuses to choose. */
  AS_JSON_ERR_TYPE = -6,       /**< The value has another type (for int64: not an integer). */
  AS_JSON_ERR_RANGE = -7,      /**< A number does not fit the C type, or is longer than
                                    AS_JSON_MAX_NUMBER_LEN; the writer got a non-finite double. */
  AS_JSON_ERR_SPACE = -8,      /**< The caller's buffer is too small (the needed length is
                                    reported). */
  AS_JSON_ERR_USAGE = -9       /**< Invalid argument, or writer calls in an invalid order. */
};

/** What a JSON value is. */
typedef int32_t as_json_type;

/** Type values (0 is no type). */
enum {
  AS_JSON_TYPE_NULL = 1,
  AS_JSON_TYPE_BOOL = 2,
  AS_JSON_TYPE_NUMBER = 3,
  AS_JSON_TYPE_STRING = 4,
  AS_JSON_TYPE_ARRAY = 5,
  AS_JSON_TYPE_OBJECT = 6
};

/**
 * One JSON value found in a document.
 * OWNERSHIP: `text` points into the document; valid as long as it is.
 */
typedef struct as_json_value {
  as_json_type type;
  as_str text; /**< The value's JSON text: `"a\n"` with quotes and escapes, `[1, 2]`, `-3.5`. */
} as_json_value;

/**
 * Position in an array, filled by `as_json_array_begin` or `as_json_get_array`. Plain data:
 * copying it gives an independent iterator (e.g. a first pass to check, a second to use).
 * OWNERSHIP: points into the document; valid as long as it is.
 */
typedef struct as_json_iter {
  const char* p;   /**< Next byte to read. */
  const char* end; /**< One past the array's closing ']'. */
  size_t index;    /**< Elements returned so far. */
} as_json_iter;

/** A short English text for a status, e.g. "malformed JSON" (static storage). */
static inline const char* as_json_status_text(as_json_status status) {
  switch (status) {
    case AS_JSON_OK: return "ok";
    case AS_JSON_END: return "end of array";
    case AS_JSON_ERR_SYNTAX: return "malformed JSON";
    case AS_JSON_ERR_DEPTH: return "JSON nested too deeply";
    case AS_JSON_ERR_NOT_OBJECT: return "not a JSON object";
    case AS_JSON_ERR_NOT_FOUND: return "no such member";
    case AS_JSON_ERR_DUPLICATE: return "duplicate key";
    case AS_JSON_ERR_TYPE: return "wrong type";
    case AS_JSON_ERR_RANGE: return "number out of range";
    case AS_JSON_ERR_SPACE: return "buffer too small";
    case AS_JSON_ERR_USAGE: return "invalid use of the JSON helpers";
    default: return "unknown JSON status";
  }
}

/** The type with its article, e.g. "a string", "an array", for error messages (static). */
static inline const char* as_json_type_name(as_json_type type) {
  switch (type) {
    case AS_JSON_TYPE_NULL: return "null";
    case AS_JSON_TYPE_BOOL: return "a boolean";
    case AS_JSON_TYPE_NUMBER: return "a number";
    case AS_JSON_TYPE_STRING: return "a string";
    case AS_JSON_TYPE_ARRAY: return "an array";
    case AS_JSON_TYPE_OBJECT: return "an object";
    default: return "nothing";
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Internals shared by the reader and the writer                                               */
/* ------------------------------------------------------------------------------------------ */

/** A read position and the end of the text it may read. */
typedef struct as_json_impl_cur {
  const char* p;
  const char* end;
} as_json_impl_cur;

static inline as_json_impl_cur as_json_impl_cursor(const char* ptr, size_t len) {
  as_json_impl_cur c;
  c.p = ptr;
  c.end = len > 0 ? ptr + len : ptr; /* NULL + 0 is undefined in C */
  return c;
}

static inline void as_json_impl_ws(as_json_impl_cur* c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) {
    ++c->p;
  }
}

/** True when the next byte exists and is `ch`. */
static inline int as_json_impl_at(const as_json_impl_cur* c, char ch) {
  return c->p < c->end && *c->p == ch;
}

/**
 * Length (1-4) of the well-formed UTF-8 sequence at `p`, or 0. Overlong forms, surrogates and
 * code points past U+10FFFF are not well-formed (RFC 3629), so they give 0.
 */
static inline size_t as_json_impl_utf8_len(const char* p, const char* end) {
  const unsigned char* s = (const unsigned char*)p;
  size_t avail = (size_t)(end - p);
  size_t n;
  size_t i;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (avail == 0) return 0;
  if (s[0] < 0x80) return 1;
  if (s[0] >= 0xC2 && s[0] <= 0xDF) {
    n = 2;
  } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
    n = 3;
    if (s[0] == 0xE0) lo = 0xA0; /* overlong */
    if (s[0] == 0xED) hi = 0x9F; /* surrogates */
  } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
    n = 4;
    if (s[0] == 0xF0) lo = 0x90; /* overlong */
    if (s[0] == 0xF4) hi = 0x8F; /* past U+10FFFF */
  } else {
    return 0;
  }
  if (avail < n || s[1] < lo || s[1] > hi) return 0;
  for (i = 2; i < n; ++i) {
    if (s[i] < 0x80 || s[i] > 0xBF) return 0;
  }
  return n;
}

/** The UTF-8 encoding of code point `cp` (at most U+10FFFF) in `out`; returns its length. */
static inline size_t as_json_impl_utf8_encode(uint32_t cp, char out[4]) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/**
 * The C library formats and parses numbers with the locale's decimal point, which the host
 * program may have changed with setlocale (e.g. "," in de_DE), while JSON always uses ".".
 * Asking snprintf (thread-safe, unlike localeconv) finds it. Returns its length (1-6).
 */
static inline size_t as_json_impl_decimal_point(char point[8]) {
  char tmp[16];
  int n = snprintf(tmp, sizeof tmp, "%.1f", 1.5); /* "1" POINT "5" */
  if (n < 3 || n > 8) {
    point[0] = '.';
    return 1;
  }
  memcpy(point, tmp + 1, (size_t)n - 2);
  return (size_t)n - 2;
}

/* ------------------------------------------------------------------------------------------ */
/* Internals: checking (and skipping) JSON text                                                */
/* ------------------------------------------------------------------------------------------ */

/** Reads 4 hex digits at `p` into `out`; 0 when there are fewer than 4 or one is not hex. */
static inline int as_json_impl_hex4(const char* p, const char* end, uint32_t* out) {
  uint32_t v = 0;
  int i;
  if (end - p < 4) return 0;
  for (i = 0; i < 4; ++i) {
    char ch = p[i];
    uint32_t digit;
    if (ch >= '0' && ch <= '9') {
      digit = (uint32_t)(ch - '0');
    } else if (ch >= 'a' && ch <= 'f') {
      digit = (uint32_t)(ch - 'a' + 10);
    } else if (ch >= 'A' && ch <= 'F') {
      digit = (uint32_t)(ch - 'A' + 10);
    } else {
      return 0;
    }
    v = v * 16 + digit;
  }
  *out = v;
  return 1;
}

/** Decodes `\uXXXX` (a surrogate pair: two of them) at c->p into UTF-8 in `out`. */
static inline as_json_status as_json_impl_unicode_escape(as_json_impl_cur* c, char out[4],
                                                         size_t* n) {
  uint32_t cp;
  uint32_t low;
  if (!as_json_impl_hex4(c->p + 2, c->end, &cp)) return AS_JSON_ERR_SYNTAX;
  c->p += 6;
  if (cp >= 0xDC00 && cp <= 0xDFFF) return AS_JSON_ERR_SYNTAX; /* low half without a high one */
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' ||
        !as_json_impl_hex4(c->p + 2, c->end, &low) || low < 0xDC00 || low > 0xDFFF) {
      return AS_JSON_ERR_SYNTAX; /* a high half must be followed by a low one */
    }
    c->p += 6;
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  }
  *n = as_json_impl_utf8_encode(cp, out);
  return AS_JSON_OK;
}

/**
 * Decodes one character of a string's body at c->p (not its closing quote) into `out` (`*n`
 * bytes) and moves past it. The single place that checks string contents: no raw control
 * characters, only known escapes, well-formed UTF-8, surrogates only in pairs.
 */
static inline as_json_status as_json_impl_string_unit(as_json_impl_cur* c, char out[4], size_t* n) {
  unsigned char b;
  if (c->p >= c->end) return AS_JSON_ERR_SYNTAX;
  b = (unsigned char)*c->p;
  if (b < 0x20) return AS_JSON_ERR_SYNTAX;
  if (b != '\\') {
    *n = as_json_impl_utf8_len(c->p, c->end);
    if (*n == 0) return AS_JSON_ERR_SYNTAX;
    memcpy(out, c->p, *n);
    c->p += *n;
    return AS_JSON_OK;
  }
  if (c->end - c->p < 2) return AS_JSON_ERR_SYNTAX;
  switch (c->p[1]) {
    case '"': out[0] = '"'; break;
    case '\\': out[0] = '\\'; break;
    case '/': out[0] = '/'; break;
    case 'b': out[0] = '\b'; break;
    case 'f': out[0] = '\f'; break;
    case 'n': out[0] = '\n'; break;
    case 'r': out[0] = '\r'; break;
    case 't': out[0] = '\t'; break;
    case 'u': return as_json_impl_unicode_escape(c, out, n);
    default: return AS_JSON_ERR_SYNTAX;
  }
  *n = 1;
  c->p += 2;
  return AS_JSON_OK;
}

/** Skips a string at c->p (its opening quote), checking every character. */
static inline as_json_status as_json_impl_scan_string(as_json_impl_cur* c) {
  char unit[4];
  size_t n;
  as_json_status st;
  if (!as_json_impl_at(c, '"')) return AS_JSON_ERR_SYNTAX;
  ++c->p;
  while (!as_json_impl_at(c, '"')) {
    st = as_json_impl_string_unit(c, unit, &n); /* fails at the end of the text */
    if (st != AS_JSON_OK) return st;
  }
  ++c->p;
  return AS_JSON_OK;
}

/** Skips decimal digits; returns how many there were. */
static inline size_t as_json_impl_digits(as_json_impl_cur* c) {
  const char* start = c->p;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9') ++c->p;
  return (size_t)(c->p - start);
}

/** Skips a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? (RFC 8259). */
static inline as_json_status as_json_impl_scan_number(as_json_impl_cur* c) {
  if (as_json_impl_at(c, '-')) ++c->p;
  if (as_json_impl_at(c, '0')) {
    ++c->p; /* no leading zeros: "01" stops after the 0 and fails where it is used */
  } else if (as_json_impl_digits(c) == 0) {
    return AS_JSON_ERR_SYNTAX;
  }
  if (as_json_impl_at(c, '.')) {
    ++c->p;
    if (as_json_impl_digits(c) == 0) return AS_JSON_ERR_SYNTAX;
  }
  if (as_json_impl_at(c, 'e') || as_json_impl_at(c, 'E')) {
    ++c->p;
    if (as_json_impl_at(c, '+') || as_json_impl_at(c, '-')) ++c->p;
    if (as_json_impl_digits(c) == 0) return AS_JSON_ERR_SYNTAX;
  }
  return AS_JSON_OK;
}

static inline as_json_status as_json_impl_scan_literal(as_json_impl_cur* c, const char* word) {
  size_t n = strlen(word);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return AS_JSON_ERR_SYNTAX;
  c->p += n;
  return AS_JSON_OK;
}

/** The type of the value starting at c->p, or 0 when no value starts there. */
static inline as_json_type as_json_impl_type_at(const as_json_impl_cur* c) {
  if (c->p >= c->end) return 0;
  switch (*c->p) {
    case '{': return AS_JSON_TYPE_OBJECT;
    case '[': return AS_JSON_TYPE_ARRAY;
    case '"': return AS_JSON_TYPE_STRING;
    case 't':
    case 'f': return AS_JSON_TYPE_BOOL;
    case 'n': return AS_JSON_TYPE_NULL;
    default: return (*c->p == '-' || (*c->p >= '0' && *c->p <= '9')) ? AS_JSON_TYPE_NUMBER : 0;
  }
}

/** Skips a string, number, true, false or null at c->p. */
static inline as_json_status as_json_impl_scan_scalar(as_json_impl_cur* c) {
  switch (as_json_impl_type_at(c)) {
    case AS_JSON_TYPE_STRING: return as_json_impl_scan_string(c);
    case AS_JSON_TYPE_NUMBER: return as_json_impl_scan_number(c);
    case AS_JSON_TYPE_NULL: return as_json_impl_scan_literal(c, "null");
    case AS_JSON_TYPE_BOOL: return as_json_impl_scan_literal(c, *c->p == 't' ? "true" : "false");
    default: return AS_JSON_ERR_SYNTAX;
  }
}

/** Skips an object member's key and its ':'; `key` receives the key's text with its quotes. */
static inline as_json_status as_json_impl_scan_key(as_json_impl_cur* c, as_str* key) {
  as_json_status st;
  as_json_impl_ws(c);
  key->ptr = c->p;
  st = as_json_impl_scan_string(c);
  if (st != AS_JSON_OK) return st;
  key->len = (size_t)(c->p - key->ptr);
  as_json_impl_ws(c);
  if (!as_json_impl_at(c, ':')) return AS_JSON_ERR_SYNTAX;
  ++c->p;
  return AS_JSON_OK;
}

/**
 * After a value inside the `*open` containers of `as_json_impl_scan_value`: closes those that
 * end here, then sets `*more` when another value follows (its ',' and, in an object, its key
 * are read) and clears it when no container is open any more.
 */
static inline as_json_status as_json_impl_after_value(as_json_impl_cur* c, uint64_t objects,
                                                      int* open, int* more) {
  as_str key;
  while (*open > 0) {
    int in_object = (int)((objects >> (*open - 1)) & 1u);
    as_json_impl_ws(c);
    if (as_json_impl_at(c, in_object ? '}' : ']')) {
      ++c->p;
      --*open;
      continue;
    }
    if (!as_json_impl_at(c, ',')) return AS_JSON_ERR_SYNTAX;
    ++c->p;
    *more = 1;
    return in_object ? as_json_impl_scan_key(c, &key) : AS_JSON_OK;
  }
  *more = 0;
  return AS_JSON_OK;
}

/**
 * Skips one value of any type at c->p (after optional whitespace), checking it on the way.
 * `depth` containers are already open around it. Iterative: a bit per open container (set for
 * an object) replaces recursion, so hostile nesting costs no C stack.
 */
static inline as_json_status as_json_impl_scan_value(as_json_impl_cur* c, int depth) {
  uint64_t objects = 0;
  int open = 0;
  int more = 1;
  as_json_status st;
  as_str key;
  while (more) {
    as_json_impl_ws(c);
    if (as_json_impl_at(c, '{') || as_json_impl_at(c, '[')) {
      int is_object = *c->p == '{';
      if (depth + open >= AS_JSON_MAX_DEPTH) return AS_JSON_ERR_DEPTH;
      objects = is_object ? objects | ((uint64_t)1 << open) : objects & ~((uint64_t)1 << open);
      ++open;
      ++c->p;
      as_json_impl_ws(c);
      if (!as_json_impl_at(c, is_object ? '}' : ']')) { /* not empty: a value follows */
        st = is_object ? as_json_impl_scan_key(c, &key) : AS_JSON_OK;
        if (st != AS_JSON_OK) return st;
        continue;
      }
      ++c->p;
      --open;
    } else {
      st = as_json_impl_scan_scalar(c);
      if (st != AS_JSON_OK) return st;
    }
    st = as_json_impl_after_value(c, objects, &open, &more);
    if (st != AS_JSON_OK) return st;
  }
  return AS_JSON_OK;
}

/** Skips one value and remembers where it is. */
static inline as_json_status as_json_impl_read_value(as_json_impl_cur* c, int depth,
                                                     as_json_value* out) {
  as_json_status st;
  as_json_impl_ws(c);
  out->type = as_json_impl_type_at(c);
  out->text.ptr = c->p;
  st = as_json_impl_scan_value(c, depth);
  out->text.len = (size_t)(c->p - out->text.ptr);
  return st;
}

/** True when the key text `raw` (with its quotes and escapes) decodes to exactly `want`. */
static inline int as_json_impl_key_equals(as_str raw, const char* want) {
  as_json_impl_cur c = as_json_impl_cursor(raw.ptr + 1, raw.len - 2); /* without the quotes */
  char unit[4];
  size_t n;
  size_t i;
  while (c.p < c.end) {
    if (as_json_impl_string_unit(&c, unit, &n) != AS_JSON_OK) return 0;
    for (i = 0; i < n; ++i, ++want) {
      if (*want == '\0' || *want != unit[i]) return 0; /* a "\u0000" never matches the end */
    }
  }
  return *want == '\0';
}

/** For a document that does not start with '{': not an object if well-formed, else the error. */
static inline as_json_status as_json_impl_not_object(as_json_impl_cur c) {
  as_json_status st = as_json_impl_scan_value(&c, 0);
  if (st != AS_JSON_OK) return st;
  as_json_impl_ws(&c);
  return c.p == c.end ? AS_JSON_ERR_NOT_OBJECT : AS_JSON_ERR_SYNTAX;
}

/* ------------------------------------------------------------------------------------------ */
/* Reader                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/**
 * Looks up the top-level member `key` of the JSON object in `object`, checking the whole
 * document on the way.
 * @param object a JSON object, e.g. `call->input_json` (surrounding whitespace allowed)
 * @param key    the member's name, NUL-terminated, compared with the key after unescaping
 * @param out    receives the member's value on AS_JSON_OK
 * @return AS_JSON_OK; AS_JSON_ERR_NOT_FOUND (no such member); AS_JSON_ERR_DUPLICATE (the key
 *         appears twice); AS_JSON_ERR_NOT_OBJECT (valid JSON, not an object); AS_JSON_ERR_SYNTAX
 *         or AS_JSON_ERR_DEPTH (the document is malformed or too deep, even if the member
 *         comes before the problem); AS_JSON_ERR_USAGE (NULL `key` or `out`)
 * OWNERSHIP: `out->text` points into `object`.
 */
static inline as_json_status as_json_find(as_str object, const char* key, as_json_value* out) {
  as_json_impl_cur c = as_json_impl_cursor(object.ptr, object.len);
  as_json_value v;
  as_json_value found = {0, {NULL, 0}};
  as_str k;
  int matches = 0;
  as_json_status st;
  if (key == NULL || out == NULL || (object.ptr == NULL && object.len > 0)) {
    return AS_JSON_ERR_USAGE;
  }
  as_json_impl_ws(&c);
  if (!as_json_impl_at(&c, '{')) return as_json_impl_not_object(c);
  ++c.p;
  as_json_impl_ws(&c);
  if (as_json_impl_at(&c, '}')) {
    ++c.p;
  } else {
    for (;;) {
      st = as_json_impl_scan_key(&c, &k);
      if (st == AS_JSON_OK) st = as_json_impl_read_value(&c, 1, &v);
      if (st != AS_JSON_OK) return st;
      if (as_json_impl_key_equals(k, key)) {
        if (matches == 0) found = v;
        ++matches; /* keep scanning: the rest must be well-formed, and free of duplicates */
      }
      as_json_impl_ws(&c);
      if (!as_json_impl_at(&c, ',')) break;
      ++c.p;
    }
    if (!as_json_impl_at(&c, '}')) return AS_JSON_ERR_SYNTAX;
    ++c.p;
  }
  as_json_impl_ws(&c);
  if (c.p != c.end) return AS_JSON_ERR_SYNTAX; /* trailing data */
  if (matches == 0) return AS_JSON_ERR_NOT_FOUND;
  if (matches > 1) return AS_JSON_ERR_DUPLICATE;
  *out = found;
  return AS_JSON_OK;
}

/**
 * Unescapes a string value into `buf` and NUL-terminates it.
 * @param value a value of type AS_JSON_TYPE_STRING
 * @param buf   receives the UTF-8 bytes and a NUL; may be NULL when `cap` is 0 (to ask the
 *              length). A "\u0000" escape puts a NUL inside: use `*len`, not strlen, if that
 *              matters.
 * @param cap   size of `buf` in bytes, the NUL included
 * @param len   if not NULL, receives the string's length in bytes without the NUL, on
 *              AS_JSON_OK and on AS_JSON_ERR_SPACE
 * @return AS_JSON_OK; AS_JSON_ERR_SPACE when `cap` < `*len` + 1; AS_JSON_ERR_TYPE (not a
 *         string); AS_JSON_ERR_SYNTAX (malformed text); AS_JSON_ERR_USAGE (NULL `buf` with
 *         `cap` > 0). On any failure `buf` (if `cap` > 0) holds an empty string, never a
 *         truncated one.
 */
static inline as_json_status as_json_value_string(as_json_value value, char* buf, size_t cap,
                                                  size_t* len) {
  as_json_impl_cur c;
  char unit[4];
  size_t n = 0;
  size_t k;
  size_t i;
  as_json_status st;
  if (buf == NULL && cap > 0) return AS_JSON_ERR_USAGE;
  if (cap > 0) buf[0] = '\0';
  if (value.type != AS_JSON_TYPE_STRING) return AS_JSON_ERR_TYPE;
  if (value.text.len < 2 || value.text.ptr[0] != '"' || value.text.ptr[value.text.len - 1] != '"') {
    return AS_JSON_ERR_SYNTAX;
  }
  c = as_json_impl_cursor(value.text.ptr + 1, value.text.len - 2);
  st = AS_JSON_OK;
  while (c.p < c.end && st == AS_JSON_OK) {
    st = as_json_impl_string_unit(&c, unit, &k);
    for (i = 0; st == AS_JSON_OK && i < k; ++i, ++n) {
      if (n < cap) buf[n] = unit[i];
    }
  }
  if (st == AS_JSON_OK && len != NULL) *len = n;
  if (st == AS_JSON_OK && n >= cap) st = AS_JSON_ERR_SPACE;
  if (st != AS_JSON_OK) {
    if (cap > 0) buf[0] = '\0'; /* the copy may have begun: never leave a truncated string */
    return st;
  }
  buf[n] = '\0';
  return AS_JSON_OK;
}

/**
 * Converts a number value to the nearest double (as strtod, whatever the C locale).
 * @return AS_JSON_OK; AS_JSON_ERR_TYPE (not a number); AS_JSON_ERR_RANGE (beyond the double
 *         range, or text longer than AS_JSON_MAX_NUMBER_LEN); AS_JSON_ERR_SYNTAX;
 *         AS_JSON_ERR_USAGE (NULL `out`). Numbers too small for a double become 0 or subnormal.
 */
static inline as_json_status as_json_value_double(as_json_value value, double* out) {
  char text[AS_JSON_MAX_NUMBER_LEN + 8]; /* the number, a longer decimal point, a NUL */
  char point[8];
  size_t point_len = as_json_impl_decimal_point(point);
  size_t n = 0;
  size_t i;
  char* end;
  double d;
  as_json_impl_cur c = as_json_impl_cursor(value.text.ptr, value.text.len);
  if (out == NULL) return AS_JSON_ERR_USAGE;
  if (value.type != AS_JSON_TYPE_NUMBER) return AS_JSON_ERR_TYPE;
  if (as_json_impl_scan_number(&c) != AS_JSON_OK || c.p != c.end) return AS_JSON_ERR_SYNTAX;
  if (value.text.len > AS_JSON_MAX_NUMBER_LEN) return AS_JSON_ERR_RANGE;
  for (i = 0; i < value.text.len; ++i) {
    if (value.text.ptr[i] == '.') {
      memcpy(text + n, point, point_len);
      n += point_len;
    } else {
      text[n++] = value.text.ptr[i];
    }
  }
  text[n] = '\0';
  d = strtod(text, &end);
  if (end != text + n) return AS_JSON_ERR_SYNTAX;
  if (!isfinite(d)) return AS_JSON_ERR_RANGE;
  *out = d;
  return AS_JSON_OK;
}

/**
 * Converts a number value written as an integer (no fraction, no exponent) to int64_t.
 * @return AS_JSON_OK; AS_JSON_ERR_TYPE (not a number, or "1.0", "1e3"); AS_JSON_ERR_RANGE
 *         (outside int64_t); AS_JSON_ERR_SYNTAX; AS_JSON_ERR_USAGE (NULL `out`)
 */
static inline as_json_status as_json_value_int64(as_json_value value, int64_t* out) {
  as_json_impl_cur c = as_json_impl_cursor(value.text.ptr, value.text.len);
  const char* p = value.text.ptr;
  int negative;
  uint64_t limit;
  uint64_t magnitude = 0;
  if (out == NULL) return AS_JSON_ERR_USAGE;
  if (value.type != AS_JSON_TYPE_NUMBER) return AS_JSON_ERR_TYPE;
  if (as_json_impl_scan_number(&c) != AS_JSON_OK || c.p != c.end) return AS_JSON_ERR_SYNTAX;
  negative = *p == '-';
  p += negative;
  limit = negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; p < c.end; ++p) {
    uint64_t digit;
    if (*p < '0' || *p > '9') return AS_JSON_ERR_TYPE; /* '.', 'e' or 'E' */
    digit = (uint64_t)(*p - '0');
    if (magnitude > (limit - digit) / 10) return AS_JSON_ERR_RANGE;
    magnitude = magnitude * 10 + digit;
  }
  if (!negative) {
    *out = (int64_t)magnitude;
  } else if (magnitude == limit) {
    *out = INT64_MIN; /* its magnitude has no positive int64_t */
  } else {
    *out = -(int64_t)magnitude;
  }
  return AS_JSON_OK;
}

/**
 * Converts a true or false value: `*out` becomes 1 or 0.
 * @return AS_JSON_OK; AS_JSON_ERR_TYPE (not a boolean); AS_JSON_ERR_USAGE (NULL `out`)
 */
static inline as_json_status as_json_value_bool(as_json_value value, int* out) {
  if (out == NULL) return AS_JSON_ERR_USAGE;
  if (value.type != AS_JSON_TYPE_BOOL || value.text.len == 0) return AS_JSON_ERR_TYPE;
  *out = value.text.ptr[0] == 't';
  return AS_JSON_OK;
}

/** `as_json_find` then `as_json_value_string`: same parameters, same statuses. */
static inline as_json_status as_json_get_string(as_str object, const char* key, char* buf,
                                                size_t cap, size_t* len) {
  as_json_value v;
  as_json_status st = as_json_find(object, key, &v);
  return st != AS_JSON_OK ? st : as_json_value_string(v, buf, cap, len);
}

/** `as_json_find` then `as_json_value_double`. */
static inline as_json_status as_json_get_double(as_str object, const char* key, double* out) {
  as_json_value v;
  as_json_status st = as_json_find(object, key, &v);
  return st != AS_JSON_OK ? st : as_json_value_double(v, out);
}

/** `as_json_find` then `as_json_value_int64`. */
static inline as_json_status as_json_get_int64(as_str object, const char* key, int64_t* out) {
  as_json_value v;
  as_json_status st = as_json_find(object, key, &v);
  return st != AS_JSON_OK ? st : as_json_value_int64(v, out);
}

/** `as_json_find` then `as_json_value_bool`. */
static inline as_json_status as_json_get_bool(as_str object, const char* key, int* out) {
  as_json_value v;
  as_json_status st = as_json_find(object, key, &v);
  return st != AS_JSON_OK ? st : as_json_value_bool(v, out);
}

/** An iterator that holds no array: iterating it gives AS_JSON_ERR_USAGE. */
static inline as_json_status as_json_impl_no_array(as_json_iter* it, as_json_status st) {
  it->p = NULL;
  it->end = NULL;
  it->index = 0;
  return st;
}

/**
 * Starts iterating the elements of an array value.
 * @return AS_JSON_OK; AS_JSON_ERR_TYPE (not an array); AS_JSON_ERR_USAGE (NULL `it`). On
 *         failure `*it` is still set, to an iterator whose next call gives AS_JSON_ERR_USAGE,
 *         so it is never uninitialised.
 * OWNERSHIP: `it` points into the document `array` came from.
 */
static inline as_json_status as_json_array_begin(as_json_value array, as_json_iter* it) {
  if (it == NULL) return AS_JSON_ERR_USAGE;
  if (array.type != AS_JSON_TYPE_ARRAY) return as_json_impl_no_array(it, AS_JSON_ERR_TYPE);
  if (array.text.len < 2 || array.text.ptr[0] != '[') {
    return as_json_impl_no_array(it, AS_JSON_ERR_SYNTAX);
  }
  it->p = array.text.ptr + 1;
  it->end = array.text.ptr + array.text.len;
  it->index = 0;
  return AS_JSON_OK;
}

/** `as_json_find` then `as_json_array_begin`: iterate the array member `key` of `object`. As
 *  there, `*it` is set also on failure. */
static inline as_json_status as_json_get_array(as_str object, const char* key, as_json_iter* it) {
  as_json_value v;
  as_json_status st;
  if (it == NULL) return AS_JSON_ERR_USAGE;
  st = as_json_find(object, key, &v);
  return st != AS_JSON_OK ? as_json_impl_no_array(it, st) : as_json_array_begin(v, it);
}

/**
 * The next element of the array, of any type.
 * @return AS_JSON_OK (`*out` is the element, `it` moved past it); AS_JSON_END (no more, and
 *         every later call says so too); AS_JSON_ERR_SYNTAX / AS_JSON_ERR_DEPTH (malformed);
 *         AS_JSON_ERR_USAGE (NULL argument, or `it` from a failed `as_json_array_begin`)
 */
static inline as_json_status as_json_array_next(as_json_iter* it, as_json_value* out) {
  as_json_impl_cur c;
  as_json_value v;
  as_json_status st;
  if (it == NULL || out == NULL || it->p == NULL) return AS_JSON_ERR_USAGE;
  c.p = it->p;
  c.end = it->end;
  as_json_impl_ws(&c);
  if (as_json_impl_at(&c, ']')) return AS_JSON_END;
  if (it->index > 0) {
    if (!as_json_impl_at(&c, ',')) return AS_JSON_ERR_SYNTAX;
    ++c.p;
  }
  st = as_json_impl_read_value(&c, 1, &v);
  if (st != AS_JSON_OK) return st;
  it->p = c.p;
  ++it->index;
  *out = v;
  return AS_JSON_OK;
}

/**
 * The next element as a string (see `as_json_value_string` for `buf`, `cap`, `len`). `it`
 * moves only on AS_JSON_OK, so after AS_JSON_ERR_SPACE the caller can retry with `*len` + 1
 * bytes. Returns AS_JSON_END after the last element, AS_JSON_ERR_TYPE for a non-string one.
 */
static inline as_json_status as_json_array_next_string(as_json_iter* it, char* buf, size_t cap,
                                                       size_t* len) {
  as_json_iter next;
  as_json_value v;
  as_json_status st;
  if (it == NULL) return AS_JSON_ERR_USAGE;
  next = *it;
  st = as_json_array_next(&next, &v);
  if (st == AS_JSON_OK) st = as_json_value_string(v, buf, cap, len);
  if (st == AS_JSON_OK) *it = next;
  return st;
}

/** The next element as a double (see `as_json_value_double`); `it` moves only on AS_JSON_OK. */
static inline as_json_status as_json_array_next_double(as_json_iter* it, double* out) {
  as_json_iter next;
  as_json_value v;
  as_json_status st;
  if (it == NULL) return AS_JSON_ERR_USAGE;
  next = *it;
  st = as_json_array_next(&next, &v);
  if (st == AS_JSON_OK) st = as_json_value_double(v, out);
  if (st == AS_JSON_OK) *it = next;
  return st;
}

/** The next element as an int64_t (see `as_json_value_int64`); `it` moves only on AS_JSON_OK. */
static inline as_json_status as_json_array_next_int64(as_json_iter* it, int64_t* out) {
  as_json_iter next;
  as_json_value v;
  as_json_status st;
  if (it == NULL) return AS_JSON_ERR_USAGE;
  next = *it;
  st = as_json_array_next(&next, &v);
  if (st == AS_JSON_OK) st = as_json_value_int64(v, out);
  if (st == AS_JSON_OK) *it = next;
  return st;
}

/* ------------------------------------------------------------------------------------------ */
/* Writer                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/**
 * Writes one JSON value (usually an object) to an `as_writer`. Initialise with
 * `as_json_writer_init`; the fields are internal. Every writer function takes a non-NULL `w`.
 * OWNERSHIP: the caller's (typically on the stack); `out` is borrowed and must stay valid
 * while the writer is used.
 */
typedef struct as_json_writer {
  as_writer* out;
  as_json_status status; /**< The first error; AS_JSON_OK while none. */
  int depth;             /**< Open arrays and objects. */
  int key_pending;       /**< `as_json_key_n` wrote a key: its value comes next. */
  int top_written;       /**< The top-level value has been started. */
  unsigned char is_object[AS_JSON_WRITER_MAX_DEPTH]; /**< Per open container. */
  unsigned char has_items[AS_JSON_WRITER_MAX_DEPTH]; /**< Per open container: needs a ','. */
} as_json_writer;

/** Prepares `w` to write to `out` (NULL discards, as `as_write` does). */
static inline void as_json_writer_init(as_json_writer* w, as_writer* out) {
  memset(w, 0, sizeof *w);
  w->out = out;
}

/** Keeps the first error; returns 0 so callers can `return as_json_impl_fail(...)`. */
static inline int as_json_impl_fail(as_json_writer* w, as_json_status st) {
  if (w->status == AS_JSON_OK) w->status = st;
  return 0;
}

/** Writes the escape for byte `b`: a quote, a backslash, a control character or a byte that is
 *  not part of well-formed UTF-8. */
static inline void as_json_impl_write_escape(as_writer* out, unsigned char b) {
  static const char kHex[] = "0123456789abcdef";
  char u00xx[6] = {'\\', 'u', '0', '0', 0, 0};
  switch (b) {
    case '"': as_write(out, "\\\"", 2); break;
    case '\\': as_write(out, "\\\\", 2); break;
    case '\b': as_write(out, "\\b", 2); break;
    case '\f': as_write(out, "\\f", 2); break;
    case '\n': as_write(out, "\\n", 2); break;
    case '\r': as_write(out, "\\r", 2); break;
    case '\t': as_write(out, "\\t", 2); break;
    default:
      if (b >= 0x20) {
        as_write(out, "\\ufffd", 6); /* U+FFFD REPLACEMENT CHARACTER */
        break;
      }
      u00xx[4] = kHex[b >> 4];
      u00xx[5] = kHex[b & 0xF];
      as_write(out, u00xx, 6);
      break;
  }
}

/**
 * Writes `s` as a JSON string with its quotes. `"` and `\` are escaped, \b \f \n \r \t use
 * their short escapes and the other control characters \u00XX; well-formed UTF-8 passes
 * through and each byte of a malformed sequence becomes \ufffd (as Go's encoding/json does),
 * so the result is always valid JSON.
 */
static inline void as_json_impl_write_escaped(as_writer* out, const char* s, size_t len) {
  const char* end = s + len;
  const char* run = s; /* bytes not yet written that need no escape */
  const char* p = s;
  as_write(out, "\"", 1);
  while (p < end) {
    unsigned char b = (unsigned char)*p;
    size_t n = (b >= 0x20 && b != '"' && b != '\\') ? as_json_impl_utf8_len(p, end) : 0;
    if (n > 0) {
      p += n;
      continue;
    }
    as_write(out, run, (size_t)(p - run));
    as_json_impl_write_escape(out, b);
    run = ++p;
  }
  as_write(out, run, (size_t)(p - run));
  as_write(out, "\"", 1);
}

/** Writes an object key and its ':' (and a ',' before it after a sibling). */
static inline int as_json_impl_key(as_json_writer* w, const char* key, size_t len) {
  int top = w->depth - 1;
  if (w->status != AS_JSON_OK) return 0;
  if (w->depth == 0 || !w->is_object[top] || w->key_pending) {
    return as_json_impl_fail(w, AS_JSON_ERR_USAGE);
  }
  if (w->has_items[top]) as_write(w->out, ",", 1);
  as_json_impl_write_escaped(w->out, key, len);
  as_write(w->out, ":", 1);
  w->has_items[top] = 1;
  w->key_pending = 1;
  return 1;
}

/**
 * What every value needs before it: its key in an object (`key`, or one written with
 * `as_json_key_n`), a ',' after a sibling in an array, a single value at the top level.
 * Returns 0 (and records AS_JSON_ERR_USAGE) when the value does not belong here.
 */
static inline int as_json_impl_before_value(as_json_writer* w, const char* key) {
  int top = w->depth - 1;
  if (w->status != AS_JSON_OK) return 0;
  if (w->depth == 0) {
    if (key != NULL || w->top_written) return as_json_impl_fail(w, AS_JSON_ERR_USAGE);
    w->top_written = 1;
    return 1;
  }
  if (!w->is_object[top]) {
    if (key != NULL) return as_json_impl_fail(w, AS_JSON_ERR_USAGE);
    if (w->has_items[top]) as_write(w->out, ",", 1);
    w->has_items[top] = 1;
    return 1;
  }
  if (key != NULL && !as_json_impl_key(w, key, strlen(key))) return 0;
  if (!w->key_pending) return as_json_impl_fail(w, AS_JSON_ERR_USAGE);
  w->key_pending = 0;
  return 1;
}

/** Opens an object or array. */
static inline as_json_status as_json_impl_begin(as_json_writer* w, const char* key, int is_object) {
  if (w->status == AS_JSON_OK && w->depth >= AS_JSON_WRITER_MAX_DEPTH) {
    as_json_impl_fail(w, AS_JSON_ERR_DEPTH);
  }
  if (as_json_impl_before_value(w, key)) {
    w->is_object[w->depth] = (unsigned char)is_object;
    w->has_items[w->depth] = 0;
    ++w->depth;
    as_write(w->out, is_object ? "{" : "[", 1);
  }
  return w->status;
}

/** Closes the innermost container, which must be of the given kind and not await a value. */
static inline as_json_status as_json_impl_end(as_json_writer* w, int is_object) {
  if (w->status != AS_JSON_OK) return w->status;
  if (w->depth == 0 || w->is_object[w->depth - 1] != is_object || w->key_pending) {
    as_json_impl_fail(w, AS_JSON_ERR_USAGE);
    return w->status;
  }
  --w->depth;
  as_write(w->out, is_object ? "}" : "]", 1);
  return w->status;
}

/**
 * Opens an object: `key` is its member name inside an object, NULL elsewhere.
 * @return the writer's status: AS_JSON_OK, or the first error (AS_JSON_ERR_DEPTH past
 *         AS_JSON_WRITER_MAX_DEPTH, AS_JSON_ERR_USAGE for a misplaced or missing key)
 */
static inline as_json_status as_json_begin_object(as_json_writer* w, const char* key) {
  return as_json_impl_begin(w, key, 1);
}

/** Closes the innermost object (AS_JSON_ERR_USAGE if it is not an object or awaits a value). */
static inline as_json_status as_json_end_object(as_json_writer* w) {
  return as_json_impl_end(w, 1);
}

/** Opens an array: `key` is its member name inside an object, NULL elsewhere. */
static inline as_json_status as_json_begin_array(as_json_writer* w, const char* key) {
  return as_json_impl_begin(w, key, 0);
}

/** Closes the innermost array (AS_JSON_ERR_USAGE if it is not an array). */
static inline as_json_status as_json_end_array(as_json_writer* w) { return as_json_impl_end(w, 0); }

/**
 * Writes an object key of `len` bytes (not NUL-terminated, e.g. from an `as_str`); the next
 * value is then written with `key` NULL. Keys are escaped as strings are.
 * @return the writer's status (AS_JSON_ERR_USAGE outside an object or after another key)
 */
static inline as_json_status as_json_key_n(as_json_writer* w, const char* key, size_t len) {
  if (key == NULL && len > 0) {
    as_json_impl_fail(w, AS_JSON_ERR_USAGE);
  } else {
    as_json_impl_key(w, key, len);
  }
  return w->status;
}

/** Writes a string of `len` bytes (may contain NULs), escaped as described above. */
static inline as_json_status as_json_write_string_n(as_json_writer* w, const char* key,
                                                    const char* s, size_t len) {
  if (s == NULL && len > 0) {
    as_json_impl_fail(w, AS_JSON_ERR_USAGE);
  } else if (as_json_impl_before_value(w, key)) {
    as_json_impl_write_escaped(w->out, s, len);
  }
  return w->status;
}

/** Writes a NUL-terminated string, escaped as described above (NULL: AS_JSON_ERR_USAGE). */
static inline as_json_status as_json_write_string(as_json_writer* w, const char* key,
                                                  const char* s) {
  if (s == NULL) {
    as_json_impl_fail(w, AS_JSON_ERR_USAGE);
    return w->status;
  }
  return as_json_write_string_n(w, key, s, strlen(s));
}

/** Writes an integer. */
static inline as_json_status as_json_write_int64(as_json_writer* w, const char* key,
                                                 int64_t value) {
  char text[24];
  int n = snprintf(text, sizeof text, "%lld", (long long)value);
  if (as_json_impl_before_value(w, key)) as_write(w->out, text, (size_t)n);
  return w->status;
}

/**
 * Formats a finite double in the fewest significant digits (15, 16 or 17) that read back as
 * the same double: 17 always do (IEEE 754 binary64), and fewer keep 0.1 as "0.1". The locale's
 * decimal point, if not ".", is replaced. Returns the length written to `out`.
 */
static inline size_t as_json_impl_format_double(double value, char out[32]) {
  char tmp[32];
  char point[8];
  size_t point_len = as_json_impl_decimal_point(point);
  size_t n = 0;
  size_t i = 0;
  int precision;
  for (precision = 15; precision < 17; ++precision) {
    snprintf(tmp, sizeof tmp, "%.*g", precision, value);
    if (strtod(tmp, NULL) == value) break; /* same locale both ways */
  }
  if (precision == 17) snprintf(tmp, sizeof tmp, "%.17g", value);
  while (tmp[i] != '\0') {
    if (point_len > 0 && strncmp(tmp + i, point, point_len) == 0) {
      out[n++] = '.';
      i += point_len;
    } else {
      out[n++] = tmp[i++];
    }
  }
  return n;
}

/**
 * Writes a finite double so that reading it back gives the same value, in as few digits as
 * that allows: 0.1 is "0.1", 1.0 / 3 is "0.3333333333333333", 2.0 is "2", 1e300 is "1e+300".
 * @return the writer's status: AS_JSON_ERR_RANGE for NaN or an infinity (JSON has neither)
 */
static inline as_json_status as_json_write_double(as_json_writer* w, const char* key,
                                                  double value) {
  char text[32];
  if (!isfinite(value)) {
    as_json_impl_fail(w, AS_JSON_ERR_RANGE);
    return w->status;
  }
  if (as_json_impl_before_value(w, key)) {
    as_write(w->out, text, as_json_impl_format_double(value, text));
  }
  return w->status;
}

/** Writes true (`value` non-zero) or false. */
static inline as_json_status as_json_write_bool(as_json_writer* w, const char* key, int value) {
  if (as_json_impl_before_value(w, key)) {
    as_write(w->out, value ? "true" : "false", value ? 4 : 5);
  }
  return w->status;
}

/** Writes null. */
static inline as_json_status as_json_write_null(as_json_writer* w, const char* key) {
  if (as_json_impl_before_value(w, key)) as_write(w->out, "null", 4);
  return w->status;
}

/**
 * Ends writing and says whether the output is one complete JSON value.
 * @return AS_JSON_OK; the first error of an earlier call (then the output is incomplete and
 *         must not be used: return an error from the hook); AS_JSON_ERR_USAGE when a container
 *         is still open, a key awaits its value or nothing was written
 */
static inline as_json_status as_json_writer_finish(as_json_writer* w) {
  if (w->status == AS_JSON_OK && (w->depth != 0 || w->key_pending || !w->top_written)) {
    as_json_impl_fail(w, AS_JSON_ERR_USAGE);
  }
  return w->status;
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* AGENTSYS_JSON_H */
