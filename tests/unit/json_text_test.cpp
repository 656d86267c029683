#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "util/json_text.hpp"

using namespace agentsys;

TEST_CASE("json text: strings are escaped so that a JSON parser reads them back exactly") {
  for (std::string s :
       {std::string("plain"), std::string("quote \" backslash \\ slash /"),
        std::string("tab\tnewline\ncr\r"), std::string("\x01\x1f ctrl"),
        std::string("UTF-8: \xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80"), std::string()}) {
    std::string out;
    append_json_string(out, s);
    CHECK(nlohmann::json::parse(out).get<std::string>() == s);
  }
}

TEST_CASE("json text: invalid UTF-8 becomes U+FFFD and the output stays valid JSON") {
  std::string out;
  append_json_string(out, std::string("a\xff"
                                      "b\xc3"
                                      "\xed\xa0\x80"
                                      "c",
                                      8));
  auto parsed = nlohmann::json::parse(out).get<std::string>();
  CHECK(parsed ==
        "a\xEF\xBF\xBD"
        "b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
        "c");
  std::string null_or;
  append_json_string_or_null(null_or, "");
  CHECK(null_or == "null");
}
