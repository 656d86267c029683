// Identifiers, timestamps and digests: made on every task without a formatting library, so
// their exact shape is pinned here.
#include <doctest/doctest.h>

#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include "task/ids.hpp"
#include "util/hex.hpp"
#include "util/sha256.hpp"
#include "util/time.hpp"

using namespace agentsys;

TEST_CASE("iso8601 formats UTC with milliseconds, also across second boundaries") {
  using namespace std::chrono;
  const system_clock::time_point epoch{};
  CHECK(iso8601(epoch) == "1970-01-01T00:00:00.000Z");
  // 2024-02-29T23:59:59.999Z (a leap day), then the next millisecond in the next second.
  const system_clock::time_point leap{milliseconds(1709251199999)};
  CHECK(iso8601(leap) == "2024-02-29T23:59:59.999Z");
  CHECK(iso8601(leap + milliseconds(1)) == "2024-03-01T00:00:00.000Z");
  CHECK(iso8601(leap - milliseconds(998)) == "2024-02-29T23:59:59.001Z");
  CHECK(std::regex_match(iso8601_now(),
                         std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")));
}

TEST_CASE("hex text is lowercase and zero-padded") {
  std::string out;
  append_hex(out, 0xabc, 6);
  CHECK(out == "000abc");
  const unsigned char bytes[] = {0x00, 0x0f, 0xf0, 0xff};
  CHECK(hex_bytes(bytes, 4) == "000ff0ff");
}

TEST_CASE("ids: trace ids are W3C, run ids sort by time and do not repeat") {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string t = new_trace_id();
    CHECK(is_valid_trace_id(t));
    CHECK(seen.insert(t).second);
  }
  const std::string a = new_time_ordered_id("run");
  CHECK(std::regex_match(a, std::regex("run_[0-9a-f]{24}")));
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  CHECK(new_time_ordered_id("run").substr(0, 16) > a.substr(0, 16));
}

TEST_CASE("sha256 of known inputs") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
