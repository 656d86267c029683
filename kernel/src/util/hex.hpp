#pragma once
// Lowercase hex text without a formatting library: ids and digests are made on every task.
#include <cstddef>
#include <cstdint>
#include <string>

namespace agentsys {

/// Appends the low `digits` hex digits of `value`, most significant first, zero-padded.
inline void append_hex(std::string& out, uint64_t value, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
    out.push_back(kDigits[(value >> shift) & 0xf]);
  }
}

/// Two hex digits per byte.
inline std::string hex_bytes(const unsigned char* data, std::size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) append_hex(out, data[i], 2);
  return out;
}

}  // namespace agentsys
