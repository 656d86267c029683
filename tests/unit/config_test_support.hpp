#pragma once
// A scratch configuration directory for the config tests: files written on demand, the
// repository's schemas copied in.
#include <filesystem>
#include <fstream>
#include <string>

#include "test_paths.h"
#include "test_support.hpp"

namespace agentsys::test {

inline const std::filesystem::path kRepoConfigDir =
    std::filesystem::path(AGENTSYS_TEST_SOURCE_DIR) / "config";

class ConfigDir {
 public:
  /// With the repository's schemas (schema/ and schema/meta/) unless `schemas` is false.
  explicit ConfigDir(bool schemas = true) {
    std::filesystem::create_directories(path() / "env");
    if (schemas) {
      std::filesystem::copy(kRepoConfigDir / "schema", path() / "schema",
                            std::filesystem::copy_options::recursive);
    }
  }
  /// Writes `text` to `relative` (creating folders) and returns the absolute path.
  std::filesystem::path write(const std::string& relative, const std::string& text) const {
    std::filesystem::path file = path() / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }
  [[nodiscard]] const std::filesystem::path& path() const { return dir_.path(); }

 private:
  TempDir dir_;
};

}  // namespace agentsys::test
