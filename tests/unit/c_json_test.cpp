// agentsys/json.h, the C plugins' JSON helpers: through a C fixture plugin loaded by the
// registry (cjson_v2), then the reader and the writer directly, on their edge cases.
#include <agentsys/json.h>
#include <doctest/doctest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "host/call_frame.hpp"
#include "registry/module_registry.hpp"
#include "test_support.hpp"

using namespace agentsys;
using namespace agentsys::test;
using json = nlohmann::json;

namespace {

// ---- through the plugin ----------------------------------------------------------------------

struct CJsonPlugin {
  NullSink sink;
  ModuleRegistry registry{sink};

  CJsonPlugin() {
    LoadResult r = PluginLibrary::load(good("cjson_v2"));
    REQUIRE_MESSAGE(r, r.error);
    REQUIRE(registry.install(r.library, ModuleRegistry::Install::add).empty());
  }

  Invocation sum(std::string_view input) const {
    CallSpec spec;
    spec.module = "cjson";
    spec.action = "sum";
    spec.input_json = input;
    CallFrame frame(spec);
    return registry.invoke(frame);
  }

  /// The output of a call that must succeed.
  json ok(std::string_view input) const {
    Invocation r = sum(input);
    INFO(input << " -> " << r.outcome.error);
    REQUIRE(r.outcome.status == AS_OK);
    return json::parse(r.outcome.output);
  }

  /// The error text of a call that must fail as invalid input.
  std::string invalid(std::string_view input) const {
    Invocation r = sum(input);
    INFO(input);
    CHECK(r.outcome.status == AS_ERR_INVALID_INPUT);
    return r.outcome.error;
  }
};

// ---- direct ----------------------------------------------------------------------------------

as_str str(std::string_view s) { return as_str{s.data(), s.size()}; }

/// Exactly `text`, in an allocation of its own: a read past its end leaves it (ASan sees it).
std::unique_ptr<char[]> exact_copy(std::string_view text) {
  auto copy = std::make_unique<char[]>(text.size() + 1);
  std::memcpy(copy.get(), text.data(), text.size());
  return copy;
}

as_json_status find(std::string_view doc, const char* key, as_json_value* v = nullptr) {
  as_json_value ignored;
  return as_json_find(str(doc), key, v != nullptr ? v : &ignored);
}

/// The member `key` of `doc` as a string, or "<status text>".
std::string get_string(std::string_view doc, const char* key) {
  char buf[256];
  size_t len = 0;
  as_json_status st = as_json_get_string(str(doc), key, buf, sizeof buf, &len);
  if (st != AS_JSON_OK) return std::string("<") + as_json_status_text(st) + ">";
  return {buf, len};
}

/// An as_writer appending to a std::string.
struct StringOut {
  std::string text;
  as_writer writer{
      static_cast<uint32_t>(sizeof(as_writer)), &text,
      [](void* ctx, const char* p, size_t n) { static_cast<std::string*>(ctx)->append(p, n); }};
};

/// `value` written alone (a top-level string) by as_json_write_string_n.
std::string written_string(std::string_view value) {
  StringOut out;
  as_json_writer w;
  as_json_writer_init(&w, &out.writer);
  as_json_write_string_n(&w, nullptr, value.data(), value.size());
  REQUIRE(as_json_writer_finish(&w) == AS_JSON_OK);
  return out.text;
}

std::string written_double(double value) {
  StringOut out;
  as_json_writer w;
  as_json_writer_init(&w, &out.writer);
  as_json_write_double(&w, nullptr, value);
  REQUIRE(as_json_writer_finish(&w) == AS_JSON_OK);
  return out.text;
}

double read_double(const std::string& text) {
  as_json_value v{AS_JSON_TYPE_NUMBER, str(text)};
  double d = 0;
  REQUIRE(as_json_value_double(v, &d) == AS_JSON_OK);
  return d;
}

}  // namespace

// ---- the C plugin through the registry -------------------------------------------------------

TEST_CASE("c json plugin: reads the input and writes the result through the ABI") {
  CJsonPlugin p;
  CHECK(p.ok(R"({"name":"Ada","values":[1,2.5,-0.5],"tags":["x","y"],"scale":2})") ==
        json::parse(R"({"name":"Ada","count":3,"sum":6,"tags":["x","y"],
                        "greeting":"hello, Ada"})"));
  // "scale" is optional; empty arrays are arrays.
  CHECK(p.ok(R"({"name":"","values":[],"tags":[]})") ==
        json::parse(R"({"name":"","count":0,"sum":0,"tags":[],"greeting":"hello, "})"));
  json r = p.ok(R"({"name":"n","values":[0.1,0.2],"tags":[]})");
  CHECK(r["sum"].get<double>() == 0.1 + 0.2);  // the double round-trips exactly
}

TEST_CASE("c json plugin: unicode escapes, surrogate pairs included, come out as UTF-8") {
  CJsonPlugin p;
  json r = p.ok(R"({"name":"Ren\u00e9e \ud83d\ude00","values":[1],)"
                R"("tags":["caf\u00e9","\"q\"\\\n\t","\u0001","\u20ac"]})");
  CHECK(r["name"] ==
        "Ren\xC3\xA9"
        "e \xF0\x9F\x98\x80");
  CHECK(r["greeting"] ==
        "hello, Ren\xC3\xA9"
        "e \xF0\x9F\x98\x80");
  CHECK(r["tags"] == json::array({"caf\xC3\xA9", "\"q\"\\\n\t", "\x01", "\xE2\x82\xAC"}));
  // Raw UTF-8 passes through unchanged.
  CHECK(p.ok("{\"name\":\"\xE6\x97\xA5\",\"values\":[],\"tags\":[]}")["name"] == "\xE6\x97\xA5");
}

TEST_CASE("c json plugin: keys in any order, nested values and unknown members are skipped") {
  CJsonPlugin p;
  const json expected =
      json::parse(R"({"name":"z","count":2,"sum":30,"tags":["t"],"greeting":"hello, z"})");
  CHECK(p.ok(R"({"scale":10,"tags":["t"],"values":[1,2],"name":"z"})") == expected);
  CHECK(p.ok(R"( {"extra":{"a":[1,{"b":[[],{}]}],"c":"]}\""},"values":[1,2],)"
             R"("more":[[{"x":null}],true,false,-1e-3],"name":"z","tags":["t"],"scale":10} )") ==
        expected);
  // An escaped key is the same key.
  CHECK(p.ok(R"({"n\u0061me":"z","values":[1,2],"tags":["t"],"scale":10})") == expected);
}

TEST_CASE("c json plugin: a missing or mistyped field is invalid input, said clearly") {
  CJsonPlugin p;
  CHECK(p.invalid(R"({"values":[1],"tags":[]})") == R"(missing field "name" (a string))");
  CHECK(p.invalid(R"({"name":5,"values":[1],"tags":[]})") == R"(field "name" must be a string)");
  CHECK(p.invalid(R"({"name":")" + std::string(64, 'x') + R"(","values":[],"tags":[]})") ==
        R"(field "name" is longer than 63 bytes)");
  CHECK(p.invalid(R"({"name":"a","tags":[]})") ==
        R"(missing field "values" (an array of numbers))");
  CHECK(p.invalid(R"({"name":"a","values":{"0":1},"tags":[]})") ==
        R"(field "values" must be an array of numbers)");
  CHECK(p.invalid(R"({"name":"a","values":[1,"2"],"tags":[]})") ==
        R"(field "values" must be an array of numbers)");
  CHECK(p.invalid(R"({"name":"a","values":[1e999],"tags":[]})") ==
        R"(field "values": number out of range)");
  CHECK(p.invalid(R"({"name":"a","values":[],"tags":[1]})") ==
        R"(field "tags" must be an array of strings)");
  CHECK(p.invalid(R"({"name":"a","values":[],"tags":[],"scale":"2"})") ==
        R"(field "scale" must be a number)");
  CHECK(p.invalid(R"({"name":"a","name":"b","values":[],"tags":[]})") ==
        R"(field "name": duplicate key)");
  CHECK(p.invalid(R"({"name":"a","values":[1e308,1e308],"tags":[]})") ==
        "the scaled sum is too large for a double");
  CHECK(p.invalid("[1,2]") == "the input must be a JSON object");
  Invocation r = p.sum("{}");
  CHECK(r.outcome.status == AS_ERR_INVALID_INPUT);
  CallSpec spec;
  spec.module = "cjson";
  spec.action = "product";
  CallFrame frame(spec);
  r = p.registry.invoke(frame);
  CHECK(r.outcome.status == AS_ERR_UNSUPPORTED);
  CHECK(r.outcome.error == "cjson_v2: unknown action (supported: sum)");
}

// ---- the reader ------------------------------------------------------------------------------

TEST_CASE("c json reader: finds members of every type and converts them") {
  const std::string doc =
      R"({"s":"a\/b","i":-42,"big":9223372036854775807,"min":-9223372036854775808,)"
      R"("d":2.5e-3,"t":true,"f":false,"z":null,"a":[1,[2]],"o":{"s":"inner"}})";
  as_json_value v{};
  REQUIRE(find(doc, "z", &v) == AS_JSON_OK);
  CHECK(v.type == AS_JSON_TYPE_NULL);
  CHECK(get_string(doc, "s") == "a/b");
  int64_t i = 0;
  CHECK(as_json_get_int64(str(doc), "i", &i) == AS_JSON_OK);
  CHECK(i == -42);
  CHECK(as_json_get_int64(str(doc), "big", &i) == AS_JSON_OK);
  CHECK(i == INT64_MAX);
  CHECK(as_json_get_int64(str(doc), "min", &i) == AS_JSON_OK);
  CHECK(i == INT64_MIN);
  CHECK(as_json_get_int64(str(doc), "d", &i) == AS_JSON_ERR_TYPE);  // not an integer
  CHECK(as_json_get_int64(str(doc), "s", &i) == AS_JSON_ERR_TYPE);
  CHECK(as_json_get_int64(str(R"({"n":9223372036854775808})"), "n", &i) == AS_JSON_ERR_RANGE);
  CHECK(as_json_get_int64(str(R"({"n":-9223372036854775809})"), "n", &i) == AS_JSON_ERR_RANGE);
  double d = 0;
  CHECK(as_json_get_double(str(doc), "d", &d) == AS_JSON_OK);
  CHECK(d == 2.5e-3);
  CHECK(as_json_get_double(str(doc), "t", &d) == AS_JSON_ERR_TYPE);
  CHECK(as_json_get_double(str(R"({"n":-1e400})"), "n", &d) == AS_JSON_ERR_RANGE);
  CHECK(as_json_get_double(str(R"({"n":1e-400})"), "n", &d) == AS_JSON_OK);  // underflows to 0
  CHECK(d == 0.0);
  const std::string long_number = "0." + std::string(AS_JSON_MAX_NUMBER_LEN, '1');
  CHECK(as_json_get_double(str(R"({"n":)" + long_number + "}"), "n", &d) == AS_JSON_ERR_RANGE);
  int b = -1;
  CHECK(as_json_get_bool(str(doc), "t", &b) == AS_JSON_OK);
  CHECK(b == 1);
  CHECK(as_json_get_bool(str(doc), "f", &b) == AS_JSON_OK);
  CHECK(b == 0);
  CHECK(as_json_get_bool(str(doc), "z", &b) == AS_JSON_ERR_TYPE);
  CHECK(find(doc, "missing") == AS_JSON_ERR_NOT_FOUND);
  CHECK(find(doc, "") == AS_JSON_ERR_NOT_FOUND);
  // A nested object is read by finding inside its text.
  REQUIRE(find(doc, "o", &v) == AS_JSON_OK);
  CHECK(v.type == AS_JSON_TYPE_OBJECT);
  CHECK(get_string(std::string(v.text.ptr, v.text.len), "s") == "inner");
  CHECK(find("{}", "a") == AS_JSON_ERR_NOT_FOUND);
  CHECK(find(" \n{ } \t", "a") == AS_JSON_ERR_NOT_FOUND);
}

TEST_CASE("c json reader: arrays of numbers and of strings are iterated") {
  const std::string doc = R"({"n":[ 1 , -2.5,3e2 ],"s":["a","\u00e9",""],"m":[1,"x"],"e":[]})";
  as_json_iter it{};
  double d = 0;
  REQUIRE(as_json_get_array(str(doc), "n", &it) == AS_JSON_OK);
  std::vector<double> numbers;
  while (as_json_array_next_double(&it, &d) == AS_JSON_OK) numbers.push_back(d);
  CHECK(numbers == std::vector<double>{1, -2.5, 300});
  CHECK(as_json_array_next_double(&it, &d) == AS_JSON_END);  // and it stays at the end

  REQUIRE(as_json_get_array(str(doc), "s", &it) == AS_JSON_OK);
  std::vector<std::string> strings;
  char buf[8];
  size_t len = 0;
  while (as_json_array_next_string(&it, buf, sizeof buf, &len) == AS_JSON_OK) {
    strings.emplace_back(buf, len);
  }
  CHECK(strings == std::vector<std::string>{"a", "\xC3\xA9", ""});

  // A mistyped element fails without moving past it.
  REQUIRE(as_json_get_array(str(doc), "m", &it) == AS_JSON_OK);
  CHECK(as_json_array_next_double(&it, &d) == AS_JSON_OK);
  CHECK(as_json_array_next_double(&it, &d) == AS_JSON_ERR_TYPE);
  CHECK(as_json_array_next_string(&it, buf, sizeof buf, &len) == AS_JSON_OK);
  CHECK(std::string(buf, len) == "x");
  CHECK(as_json_array_next_string(&it, buf, sizeof buf, &len) == AS_JSON_END);

  REQUIRE(as_json_get_array(str(doc), "e", &it) == AS_JSON_OK);
  CHECK(as_json_array_next_double(&it, &d) == AS_JSON_END);
  CHECK(as_json_get_array(str(R"({"a":"[1]"})"), "a", &it) == AS_JSON_ERR_TYPE);
}

TEST_CASE("c json reader: a buffer too small for a string gives the length it needs") {
  const std::string doc = R"({"s":"caf\u00e9!"})";  // 6 bytes of UTF-8
  char buf[8];
  size_t len = 0;
  CHECK(as_json_get_string(str(doc), "s", nullptr, 0, &len) == AS_JSON_ERR_SPACE);
  CHECK(len == 6);
  std::memset(buf, 'x', sizeof buf);
  CHECK(as_json_get_string(str(doc), "s", buf, 6, &len) == AS_JSON_ERR_SPACE);  // no room for NUL
  CHECK(len == 6);
  CHECK(buf[0] == '\0');  // an empty string, not a truncated one
  CHECK(buf[6] == 'x');   // nothing written past cap
  CHECK(as_json_get_string(str(doc), "s", buf, 7, &len) == AS_JSON_OK);
  CHECK(std::string(buf) == "caf\xC3\xA9!");
  CHECK(as_json_get_string(str(doc), "s", nullptr, 4, &len) == AS_JSON_ERR_USAGE);

  // In an array the element stays current, so the caller can retry with a bigger buffer.
  as_json_iter it{};
  REQUIRE(as_json_get_array(str(R"({"a":["long enough"]})"), "a", &it) == AS_JSON_OK);
  CHECK(as_json_array_next_string(&it, buf, 4, &len) == AS_JSON_ERR_SPACE);
  CHECK(len == 11);
  std::string big(len + 1, '\0');
  CHECK(as_json_array_next_string(&it, big.data(), big.size(), &len) == AS_JSON_OK);
  CHECK(big.c_str() == std::string("long enough"));
  // "\u0000" is a NUL inside the string: the length says so.
  CHECK(as_json_get_string(str(R"({"s":"a\u0000b"})"), "s", buf, sizeof buf, &len) == AS_JSON_OK);
  CHECK(std::string(buf, len) == std::string("a\0b", 3));
}

TEST_CASE("c json reader: every truncation of a document is malformed, and never read past") {
  const std::string doc =
      R"({"a":[1,-2.5e+3,{"b":"x\"y\u00e9\ud83d\ude00"}],"c":{"d":[true,false,null]},"e":""})";
  as_json_value v{};
  REQUIRE(as_json_find(str(doc), "e", &v) == AS_JSON_OK);
  for (size_t n = 0; n < doc.size(); ++n) {
    auto copy = exact_copy(std::string_view(doc).substr(0, n));
    as_json_status st = as_json_find(as_str{copy.get(), n}, "a", &v);
    INFO(doc.substr(0, n));
    CHECK(st == AS_JSON_ERR_SYNTAX);
  }
}

TEST_CASE("c json reader: malformed documents are refused whichever member is asked for") {
  for (const char* bad : {R"({"a":1,})",
                          R"({"a":1 "b":2})",
                          R"({"a" 1})",
                          R"({a:1})",
                          R"({"a":01})",
                          R"({"a":1.})",
                          R"({"a":-})",
                          R"({"a":1e})",
                          R"({"a":.5})",
                          R"({"a":tru})",
                          R"({"a":[1,]})",
                          R"({"a":[,1]})",
                          R"({"a":[1}})",
                          R"({"a":{"b":1]})",
                          R"({"a":1}x)",
                          R"({"a":1}{})",
                          R"({"a":"\x"})",
                          R"({"a":"\u12"})",
                          R"({"a":"\ud83d"})",
                          R"({"a":"\ude00"})",
                          R"({"a":"\ud83d\u0041"})",
                          "{\"a\":\"tab\there\"}",
                          "{\"a\":\"\xC3\"}",
                          "{\"a\":\"\xC0\xAF\"}",
                          "{\"a\":\"\xED\xA0\x80\"}",
                          "{\"a\":\"\xF4\x90\x80\x80\"}",
                          "{\"a\":\"\xFF\"}",
                          "",
                          "   ",
                          "{",
                          "{\"a\"",
                          "nul"}) {
    INFO(bad);
    CHECK(find(bad, "a") == AS_JSON_ERR_SYNTAX);
  }
  // Well-formed, but not an object.
  for (const char* doc : {"[1,2]", "\"a\"", "12", "null", " true "}) {
    INFO(doc);
    CHECK(find(doc, "a") == AS_JSON_ERR_NOT_OBJECT);
  }
  // Duplicate keys are refused, also when spelled differently; others still work.
  CHECK(find(R"({"a":1,"b":2,"\u0061":3})", "a") == AS_JSON_ERR_DUPLICATE);
  CHECK(find(R"({"a":1,"b":2,"\u0061":3})", "b") == AS_JSON_OK);
  // A forged value (not from the reader) is refused, not read out of bounds.
  int64_t i = 0;
  CHECK(as_json_value_int64(as_json_value{AS_JSON_TYPE_NUMBER, str("12x")}, &i) ==
        AS_JSON_ERR_SYNTAX);
  char buf[4];
  CHECK(as_json_value_string(as_json_value{AS_JSON_TYPE_STRING, str(R"("a\")")}, buf, 4, nullptr) ==
        AS_JSON_ERR_SYNTAX);
  as_json_value v{};
  CHECK(as_json_find(as_str{nullptr, 0}, "a", &v) == AS_JSON_ERR_SYNTAX);
  CHECK(as_json_find(str("{}"), nullptr, &v) == AS_JSON_ERR_USAGE);
}

TEST_CASE("c json reader: nesting up to the depth limit is skipped, beyond it refused") {
  auto nested = [](int levels) {  // the top-level object counts as one level
    return R"({"x":)" + std::string(levels - 1, '[') + std::string(levels - 1, ']') +
           R"(,"y":"after"})";
  };
  CHECK(get_string(nested(AS_JSON_MAX_DEPTH), "y") == "after");
  CHECK(find(nested(AS_JSON_MAX_DEPTH + 1), "y") == AS_JSON_ERR_DEPTH);
  std::string objects = R"({"y":1,"x":)";
  for (int i = 1; i < AS_JSON_MAX_DEPTH; ++i) objects += R"({"k":)";
  objects += "0" + std::string(AS_JSON_MAX_DEPTH, '}');
  CHECK(find(objects, "y") == AS_JSON_OK);
  // A huge hostile nesting is refused at the limit, without recursion.
  const std::string deep = R"({"x":)" + std::string(1000000, '[');
  CHECK(find(deep, "x") == AS_JSON_ERR_DEPTH);
  CHECK(find(std::string(1000000, '['), "x") == AS_JSON_ERR_DEPTH);
}

// ---- the writer ------------------------------------------------------------------------------

TEST_CASE("c json writer: objects and arrays with commas, keys and every scalar") {
  StringOut out;
  as_json_writer w;
  as_json_writer_init(&w, &out.writer);
  as_json_begin_object(&w, nullptr);
  as_json_write_string(&w, "s", "v");
  as_json_write_int64(&w, "i", INT64_MIN);
  as_json_write_double(&w, "d", 0.5);
  as_json_write_bool(&w, "t", 1);
  as_json_write_bool(&w, "f", 0);
  as_json_write_null(&w, "z");
  as_json_begin_array(&w, "a");
  as_json_write_int64(&w, nullptr, 1);
  as_json_begin_object(&w, nullptr);
  as_json_end_object(&w);
  as_json_begin_array(&w, nullptr);
  as_json_end_array(&w);
  as_json_end_array(&w);
  as_json_key_n(&w, "k\"ey", 4);
  as_json_write_string_n(&w, nullptr, "a\0b", 3);
  as_json_end_object(&w);
  REQUIRE(as_json_writer_finish(&w) == AS_JSON_OK);
  CHECK(out.text == R"({"s":"v","i":-9223372036854775808,"d":0.5,"t":true,"f":false,"z":null,)"
                    R"("a":[1,{},[]],"k\"ey":"a\u0000b"})");
  CHECK(json::parse(out.text).is_object());
}

TEST_CASE("c json writer: quotes, backslashes and control characters are escaped") {
  CHECK(written_string("say \"hi\"\\") == R"("say \"hi\"\\")");
  CHECK(written_string("\b\f\n\r\t") == R"("\b\f\n\r\t")");
  CHECK(written_string(std::string("\x01\x1f\x7f/", 4)) == "\"\\u0001\\u001f\x7f/\"");
  CHECK(written_string(std::string(1, '\0')) == R"("\u0000")");
  // Well-formed UTF-8 passes through; each byte of a malformed sequence becomes U+FFFD.
  CHECK(written_string("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80") ==
        "\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"");
  CHECK(written_string("a\xFF"
                       "b\xC3") == R"("a\ufffdb\ufffd")");
  CHECK(written_string("\xED\xA0\x80") == R"("\ufffd\ufffd\ufffd")");  // a UTF-8 surrogate
  // Every byte value, read back by the reader and by nlohmann-json, is the same string.
  std::string all;
  for (int c = 1; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  const std::string text = written_string(all);
  CHECK(json::parse(text) == all);
  char buf[256];
  size_t len = 0;
  CHECK(as_json_value_string(as_json_value{AS_JSON_TYPE_STRING, str(text)}, buf, sizeof buf,
                             &len) == AS_JSON_OK);
  CHECK(std::string(buf, len) == all);
}

TEST_CASE("c json writer: doubles round-trip exactly, in the fewest digits") {
  CHECK(written_double(0.1) == "0.1");
  CHECK(written_double(1.0 / 3) == "0.3333333333333333");
  CHECK(written_double(2.0) == "2");
  CHECK(written_double(-0.0) == "-0");
  CHECK(written_double(1e300) == "1e+300");
  CHECK(written_double(0.1 + 0.2) == "0.30000000000000004");
  std::vector<double> values = {DBL_MAX,      -DBL_MAX,    DBL_MIN,
                                DBL_TRUE_MIN, DBL_EPSILON, 123456789012345678.0,
                                1.0 / 7,      -2.5e-300};
  std::mt19937_64 rng(20240601);
  for (int i = 0; i < 2000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (std::isfinite(d)) values.push_back(d);
  }
  for (double d : values) {
    const std::string text = written_double(d);
    INFO(text);
    CHECK(read_double(text) == d);
    CHECK(json::parse(text).get<double>() == d);
  }
}

TEST_CASE("c json writer: misuse and unwritable values are errors, kept until finish") {
  auto status_of = [](auto&& write) {
    StringOut out;
    as_json_writer w;
    as_json_writer_init(&w, &out.writer);
    write(w);
    return as_json_writer_finish(&w);
  };
  CHECK(status_of([](as_json_writer& w) {
          as_json_begin_object(&w, nullptr);
          as_json_write_int64(&w, nullptr, 1);  // a value in an object needs a key
        }) == AS_JSON_ERR_USAGE);
  CHECK(status_of([](as_json_writer& w) {
          as_json_begin_array(&w, nullptr);
          as_json_write_int64(&w, "k", 1);  // an array has no keys
        }) == AS_JSON_ERR_USAGE);
  CHECK(status_of([](as_json_writer& w) { as_json_begin_object(&w, nullptr); }) ==
        AS_JSON_ERR_USAGE);  // still open
  CHECK(status_of([](as_json_writer& w) {
          as_json_begin_object(&w, nullptr);
          as_json_end_array(&w);
        }) == AS_JSON_ERR_USAGE);
  CHECK(status_of([](as_json_writer& w) {
          as_json_begin_object(&w, nullptr);
          as_json_key_n(&w, "k", 1);
          as_json_end_object(&w);  // the key has no value
        }) == AS_JSON_ERR_USAGE);
  CHECK(status_of([](as_json_writer& w) {
          as_json_write_null(&w, nullptr);
          as_json_write_null(&w, nullptr);  // one top-level value only
        }) == AS_JSON_ERR_USAGE);
  CHECK(status_of([](as_json_writer&) {}) == AS_JSON_ERR_USAGE);  // nothing written
  CHECK(status_of([](as_json_writer& w) {
          as_json_begin_array(&w, nullptr);
          as_json_write_string(&w, nullptr, nullptr);
          as_json_end_array(&w);
        }) == AS_JSON_ERR_USAGE);
  for (double bad : {NAN, INFINITY, -INFINITY}) {
    CHECK(status_of([bad](as_json_writer& w) {
            as_json_begin_array(&w, nullptr);
            as_json_write_double(&w, nullptr, bad);
            as_json_end_array(&w);
          }) == AS_JSON_ERR_RANGE);
  }
  // Depth: AS_JSON_WRITER_MAX_DEPTH levels fit, one more is an error and stops all output.
  StringOut out;
  as_json_writer w;
  as_json_writer_init(&w, &out.writer);
  for (int i = 0; i < AS_JSON_WRITER_MAX_DEPTH; ++i) as_json_begin_array(&w, nullptr);
  CHECK(w.status == AS_JSON_OK);
  CHECK(as_json_begin_array(&w, nullptr) == AS_JSON_ERR_DEPTH);
  const std::string before = out.text;
  for (int i = 0; i < AS_JSON_WRITER_MAX_DEPTH + 1; ++i) as_json_end_array(&w);
  CHECK(out.text == before);
  CHECK(as_json_writer_finish(&w) == AS_JSON_ERR_DEPTH);  // the first error is kept
}
