#pragma once
// How the kernel routes a module's tasks: to its V1 wrapper, its V2 implementation, both
// (shadow: V1 serves, V2 is compared), or a stable percentage of them to V2 (cutover).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentsys {

enum class ModuleMode { v1, v2, shadow, cutover };

constexpr std::string_view to_string(ModuleMode mode) {
  switch (mode) {
    case ModuleMode::v1: return "v1";
    case ModuleMode::v2: return "v2";
    case ModuleMode::shadow: return "shadow";
    case ModuleMode::cutover: return "cutover";
  }
  return "v1";
}

constexpr std::optional<ModuleMode> parse_module_mode(std::string_view text) {
  if (text == "v1") return ModuleMode::v1;
  if (text == "v2") return ModuleMode::v2;
  if (text == "shadow") return ModuleMode::shadow;
  if (text == "cutover") return ModuleMode::cutover;
  return std::nullopt;
}

/// A module's routing: its mode and, in cutover, the share of tasks V2 serves.
struct Routing {
  ModuleMode mode = ModuleMode::v1;
  unsigned percent = 0;  ///< cutover only: 0..100
  /// cutover only: mixed into every task's bucket, so two modules at 20% do not move the same
  /// keys. Kept for the module's lifetime once chosen (changing it reshuffles the buckets).
  std::string salt;

  [[nodiscard]] std::string label() const;
  friend bool operator==(const Routing&, const Routing&) = default;
};

/// The cutover bucket of a task, 0..9999: a hash of the module's salt and the task's
/// idempotency key. Stable across processes and builds (FNV-1a then a SplitMix64 finaliser;
/// never change it, or a running cutover would move keys), so raising the percentage only moves
/// keys from V1 to V2.
uint32_t cutover_bucket(std::string_view salt, std::string_view key);

/// True when a task in `bucket` goes to V2 at `percent`.
constexpr bool routes_to_v2(uint32_t bucket, unsigned percent) { return bucket < percent * 100U; }

}  // namespace agentsys
