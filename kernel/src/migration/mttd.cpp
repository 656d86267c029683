#include "migration/mttd.hpp"

#include <nlohmann/json.hpp>

#include "migration/reconcile_files.hpp"
#include "util/atomic_file.hpp"

namespace agentsys::migration {
namespace fs = std::filesystem;

std::string failure_step(std::string_view message) {
  const size_t colon = message.find(": ");
  if (colon == std::string_view::npos) return "";
  std::string_view head = message.substr(0, colon);
  head = head.substr(0, head.find(' '));
  for (char c : head) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.' || c == '-' || c == '/';
    if (!word) return "";
  }
  return std::string(head);
}

std::string append_mttd_sample(const fs::path& state_dir, std::string_view month,
                               const MttdSample& s) {
  const fs::path dir = reconcile_root(state_dir) / month_folder(month);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "cannot create '" + dir.string() + "': " + ec.message();
  auto text = [](const std::string& v) { return v.empty() ? nlohmann::json() : nlohmann::json(v); };
  const nlohmann::json line{
      {"impl", s.impl},     {"onset_ts", s.onset_ts}, {"detected_ts", text(s.detected_ts)},
      {"module", s.module}, {"step", text(s.step)},   {"error_code", text(s.error_code)},
      {"run_id", s.run_id}};
  return append_file_synced(
      dir / "mttd.jsonl",
      line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace agentsys::migration
