#pragma once
// The ABI's string view (`as_str`) as a std::string_view, for the kernel's side of the ABI.
#include <agentsys/abi.h>

#include <string_view>

namespace agentsys {

/// `s` as a view; a NULL pointer is the empty string.
inline std::string_view view(as_str s) {
  return s.ptr == nullptr ? std::string_view{} : std::string_view{s.ptr, s.len};
}

}  // namespace agentsys
