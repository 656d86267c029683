#include "skill.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "front_matter.hpp"

namespace agentsys::skills {
namespace fs = std::filesystem;

std::string read_body(const Skill& skill) {
  std::ifstream in(skill.file, std::ios::binary);
  if (!in) throw std::runtime_error(skill.file.string() + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  std::string error;
  std::optional<FrontMatter> fm = split_front_matter(text.str(), error);
  if (!fm) throw std::runtime_error(skill.file.string() + ": " + error);
  return fm->body;
}

std::vector<std::string> resource_files(const Skill& skill) {
  std::vector<std::string> files;
  for (const char* folder : {"scripts", "references", "assets"}) {
    std::error_code ec;
    const fs::path dir = skill.dir / folder;
    if (!fs::is_directory(dir, ec)) continue;
    for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec)) files.push_back(fs::relative(it->path(), skill.dir).string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace agentsys::skills
