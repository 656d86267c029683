// json_depth: the nesting of JSON text in one pass, without recursion.
#include <doctest/doctest.h>

#include <string>

#include "util/json_depth.hpp"

using namespace agentsys;

TEST_CASE("json depth: arrays and objects count, scalars and strings do not") {
  CHECK(json_depth("1") == 0);
  CHECK(json_depth(R"("[[[")") == 0);  // brackets in a string
  CHECK(json_depth(R"({"a":[1,{"b":[]}]})") == 4);
  CHECK(json_depth(R"(["\"[", ["\\"]])") == 2);  // escaped quote, then an escaped backslash
  CHECK(json_depth("[][][]") == 1);
}

TEST_CASE("json depth: stops as soon as the limit is passed, whatever the length") {
  const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  CHECK(json_depth(deep) == kMaxJsonDepth + 1);
  CHECK(json_depth(deep, 10) == 11);
  CHECK(json_depth(std::string(64, '[') + std::string(64, ']')) == 64);
}
