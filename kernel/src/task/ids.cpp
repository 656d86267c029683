#include "task/ids.hpp"

#include <chrono>
#include <random>

#include "util/hex.hpp"

namespace agentsys {
namespace {

uint64_t random64() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

}  // namespace

std::string new_trace_id() {
  uint64_t hi = 0;
  uint64_t lo = 0;
  while (hi == 0 && lo == 0) {
    hi = random64();
    lo = random64();
  }
  std::string id;
  id.reserve(32);
  append_hex(id, hi, 16);
  append_hex(id, lo, 16);
  return id;
}

bool is_valid_trace_id(std::string_view id) {
  if (id.size() != 32) return false;
  bool nonzero = false;
  for (char c : id) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!hex) return false;
    nonzero = nonzero || c != '0';
  }
  return nonzero;
}

std::string new_time_ordered_id(std::string_view prefix) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  std::string id;
  id.reserve(prefix.size() + 25);
  id.append(prefix).push_back('_');
  append_hex(id, static_cast<uint64_t>(ms), 12);
  append_hex(id, random64(), 12);
  return id;
}

}  // namespace agentsys
