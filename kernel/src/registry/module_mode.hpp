#pragma once
// How the kernel routes a module's tasks: to its V1 wrapper or its V2 implementation.
#include <optional>
#include <string_view>

namespace agentsys {

enum class ModuleMode { v1, v2 };

constexpr std::string_view to_string(ModuleMode mode) {
  return mode == ModuleMode::v1 ? "v1" : "v2";
}

constexpr std::optional<ModuleMode> parse_module_mode(std::string_view text) {
  if (text == "v1") return ModuleMode::v1;
  if (text == "v2") return ModuleMode::v2;
  return std::nullopt;
}

}  // namespace agentsys
