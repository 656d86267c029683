#pragma once
// Whether the kernel will be able to write into a directory, found out without leaving
// anything behind.
#include <filesystem>
#include <string>

namespace agentsys::config {

/// "" when files can be created in `dir` (or, when it does not exist yet, in its nearest
/// existing parent, from which the kernel will create it); otherwise why not. Creates and
/// removes one probe file; never creates `dir`.
std::string probe_writable(const std::filesystem::path& dir);

}  // namespace agentsys::config
