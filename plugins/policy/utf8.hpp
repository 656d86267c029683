#pragma once
// Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
#include <string_view>

namespace agentsys::policy {

/// True when `text` is well-formed UTF-8.
[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

/// True when `text` holds a NUL byte.
[[nodiscard]] inline bool has_nul(std::string_view text) noexcept {
  return text.find('\0') != std::string_view::npos;
}

}  // namespace agentsys::policy
