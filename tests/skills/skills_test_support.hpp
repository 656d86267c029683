#pragma once
// Helpers shared by the skills engine's tests: a temporary folder each test creates (and
// removes), and writers for SKILL.md fixtures inside it.
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "skill.hpp"

namespace agentsys::skills_test {
namespace fs = std::filesystem;

/// A fresh folder under the system's temporary directory, removed with everything in it when
/// the object goes out of scope.
class TempDir {
 public:
  TempDir() {
    static std::atomic<unsigned> counter{0};
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ =
        fs::temp_directory_path() / ("agentsys-skills-test-" + std::to_string(::getpid()) + "-" +
                                     std::to_string(now) + "-" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const fs::path& path() const { return path_; }
  [[nodiscard]] fs::path operator/(const std::string& leaf) const { return path_ / leaf; }

 private:
  fs::path path_;
};

/// Writes `text` to `file` byte for byte, creating its folders.
inline void write_file(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
}

/// Writes `<root>/<folder>/SKILL.md` as `---`, `front_matter`, `---`, `body`; returns the file.
inline fs::path write_skill(const fs::path& root, const std::string& folder,
                            const std::string& front_matter,
                            const std::string& body = "# Steps\n\n1. Do it.\n") {
  const fs::path file = root / folder / "SKILL.md";
  write_file(file, "---\n" + front_matter + "---\n" + body);
  return file;
}

/// A skill held in memory only (no folder): for router tests with body_weight 0.
inline skills::Skill make_skill(std::string name, std::string description) {
  skills::Skill s;
  s.name = std::move(name);
  s.description = std::move(description);
  return s;
}

}  // namespace agentsys::skills_test
