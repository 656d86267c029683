#pragma once
// SHA-256 (OpenSSL) as lowercase hex.
#include <filesystem>
#include <string>
#include <string_view>

namespace agentsys {

std::string sha256_hex(std::string_view data);

/// Digest of a file's bytes; throws std::runtime_error naming the file when unreadable.
std::string sha256_file_hex(const std::filesystem::path& file);

}  // namespace agentsys
