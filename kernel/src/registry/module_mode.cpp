#include "registry/module_mode.hpp"

#include <fmt/format.h>

namespace agentsys {

std::string Routing::label() const {
  if (mode == ModuleMode::cutover) return fmt::format("cutover {}%", percent);
  return std::string(to_string(mode));
}

uint32_t cutover_bucket(std::string_view salt, std::string_view key) {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](std::string_view bytes) {
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 0x100000001b3ULL;
    }
  };
  mix(salt);
  mix(std::string_view("\0", 1));  // "ab"+"c" and "a"+"bc" must not collide
  mix(key);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return static_cast<uint32_t>(h % 10000U);
}

}  // namespace agentsys
