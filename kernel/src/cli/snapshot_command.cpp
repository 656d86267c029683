// agentsys snapshot create | list | show | verify | restore
#include <fmt/format.h>
#include <fmt/ostream.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/cli.hpp"
#include "cli/command.hpp"
#include "cli/table.hpp"
#include "config/kernel_settings.hpp"
#include "migration/migration_cases.hpp"
#include "migration/snapshot.hpp"

namespace agentsys::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using migration::SnapshotError;

std::filesystem::path migration_state_dir(CommandContext& ctx) {
  if (ctx.global.state_dir_set) return fs::absolute(ctx.global.state_dir);
  KernelOptions options;
  options.state_dir = ctx.global.state_dir;
  config::apply_config(load_effective_config(ctx.global, ctx.err), options);
  return options.state_dir;
}

namespace {

/// Runs `fn`, turning snapshot errors into the CLI's: an unknown id is a usage error (exit 2),
/// anything else a runtime error (exit 1).
template <typename Fn>
auto guarded(std::string_view verb, Fn&& fn) {
  try {
    return fn();
  } catch (const SnapshotError& e) {
    if (e.kind() == SnapshotError::Kind::not_found) {
      throw UsageError(
          fmt::format("snapshot {}: {} (see 'agentsys snapshot list')", verb, e.what()));
    }
    throw RuntimeError(fmt::format("snapshot {}: {}", verb, e.what()));
  }
}

std::string size_text(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

json info_json(const migration::SnapshotInfo& s) {
  json j = {{"id", s.id},
            {"created_at", s.created_at},
            {"reason", s.reason},
            {"kernel_version", s.kernel_version},
            {"dir", s.dir.string()},
            {"files", s.files},
            {"bytes", s.bytes},
            {"sources",
             {{"state_dir", s.sources.state_dir.string()},
              {"config_dir", s.sources.config_dir.string()},
              {"output_dir", s.sources.output_dir.string()},
              {"output_dir_existed", s.output_dir_existed}}},
            {"manifest_sha256", s.manifest_sha256}};
  if (!s.error.empty()) j["error"] = s.error;
  return j;
}

std::string required_id(const std::string& id, const CommandContext& ctx, std::string_view verb) {
  if (id.empty()) {
    throw UsageError(fmt::format("snapshot {}: missing ID (usage: {})", verb, ctx.usage));
  }
  return id;
}

}  // namespace

int snapshot_create(CommandContext& ctx) {
  std::string reason = "manual";
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("reason", po::value(&reason)->default_value(reason),
                     "why the snapshot is taken (recorded in its manifest)")(
      "json", po::bool_switch(&as_json), "print the snapshot as JSON");
  if (!ctx.parse(desc)) return kExitOk;

  config::EffectiveConfig config = load_effective_config(ctx.global, ctx.err);
  KernelOptions options;
  options.state_dir = ctx.global.state_dir;
  config::apply_config(config, options);
  migration::SnapshotSources sources;
  sources.state_dir = options.state_dir;
  sources.config_dir = config.config_dir();
  sources.scheduler_modules = migration::migratable_modules(config.values());
  sources.output_dir =
      options.host.output_dir.empty() ? options.state_dir / "output" : options.host.output_dir;
  migration::SnapshotStore store(sources.state_dir);
  migration::SnapshotInfo s = guarded("create", [&] { return store.create(sources, reason); });
  if (as_json) {
    ctx.out << info_json(s).dump(2) << "\n";
    return kExitOk;
  }
  fmt::print(ctx.out, "snapshot {} created: {} files, {} (config {}, outputs {}{}) in {}\n", s.id,
             s.files, size_text(s.bytes), s.sources.config_dir.string(),
             s.sources.output_dir.string(), s.output_dir_existed ? "" : " (did not exist)",
             s.dir.string());
  return kExitOk;
}

int snapshot_list(CommandContext& ctx) {
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("json", po::bool_switch(&as_json), "print JSON");
  if (!ctx.parse(desc)) return kExitOk;
  migration::SnapshotStore store(migration_state_dir(ctx));
  std::vector<migration::SnapshotInfo> all = guarded("list", [&] { return store.list(); });
  if (as_json) {
    json doc = json::array();
    for (const auto& s : all) doc.push_back(info_json(s));
    ctx.out << doc.dump(2) << "\n";
    return kExitOk;
  }
  if (all.empty()) {
    fmt::print(ctx.out, "no snapshots in {}\n", store.root().string());
    return kExitOk;
  }
  Table table({"ID", "CREATED", "FILES", "SIZE", "REASON"});
  for (const auto& s : all) {
    table.add({s.id, s.created_at.empty() ? "-" : s.created_at, std::to_string(s.files),
               size_text(s.bytes), s.error.empty() ? s.reason : "unreadable: " + s.error});
  }
  table.print(ctx.out);
  return kExitOk;
}

int snapshot_show(CommandContext& ctx) {
  std::string id;
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("id", po::value(&id), "the snapshot id")("json", po::bool_switch(&as_json),
                                                              "print JSON");
  po::positional_options_description pos;
  pos.add("id", 1);
  if (!ctx.parse(desc, pos)) return kExitOk;
  required_id(id, ctx, "show");
  migration::SnapshotStore store(migration_state_dir(ctx));
  migration::SnapshotManifest m = guarded("show", [&] { return store.show(id); });
  nlohmann::json state = guarded("show", [&] { return store.state(id); });
  if (as_json) {
    json entries = json::array();
    for (const auto& e : m.entries) {
      json j = {{"path", e.path},
                {"type", e.type},
                {"size", e.size},
                {"sha256", e.sha256.empty() ? json(nullptr) : json(e.sha256)},
                {"mode", e.mode}};
      if (e.type == "symlink") j["target"] = e.target;
      entries.push_back(std::move(j));
    }
    json doc = {{"snapshot", info_json(m.info)}, {"entries", entries}, {"state", state}};
    ctx.out << doc.dump(2) << "\n";
    return kExitOk;
  }
  const auto& s = m.info;
  fmt::print(ctx.out,
             "snapshot:   {}\ncreated:    {}\nreason:     {}\nkernel:     {}\nconfig:     {}\n"
             "outputs:    {}{}\nfiles:      {} ({})\nmanifest:   sha256 {}{}\n",
             s.id, s.created_at, s.reason, s.kernel_version, s.sources.config_dir.string(),
             s.sources.output_dir.string(), s.output_dir_existed ? "" : " (did not exist)", s.files,
             size_text(s.bytes), s.manifest_sha256, s.error.empty() ? "" : " (" + s.error + ")");
  std::vector<std::string> modes;
  for (const auto& mm : state.value("module_modes", nlohmann::json::array())) {
    modes.push_back(fmt::format("{}={}", mm.value("module", "?"), mm.value("mode", "?")));
  }
  fmt::print(ctx.out,
             "state:      module modes: {}; {} in-flight run(s), {} scheduler idempotency key(s) "
             "(reference only)\n\n",
             modes.empty() ? "none set" : fmt::format("{}", fmt::join(modes, ", ")),
             state.value("in_flight_runs", nlohmann::json::array()).size(),
             state.value("scheduler_idempotency_keys", nlohmann::json::array()).size());
  Table table({"PATH", "TYPE", "SIZE", "MODE", "SHA256"});
  for (const auto& e : m.entries) {
    table.add({e.path + (e.type == "symlink" ? " -> " + e.target : ""), e.type,
               e.type == "file" ? std::to_string(e.size) : "-", e.mode,
               e.sha256.empty() || e.type != "file" ? "-" : e.sha256});
  }
  table.print(ctx.out);
  return kExitOk;
}

int snapshot_verify(CommandContext& ctx) {
  std::string id;
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("id", po::value(&id), "the snapshot id")("json", po::bool_switch(&as_json),
                                                              "print JSON");
  po::positional_options_description pos;
  pos.add("id", 1);
  if (!ctx.parse(desc, pos)) return kExitOk;
  required_id(id, ctx, "verify");
  migration::SnapshotStore store(migration_state_dir(ctx));
  migration::VerifyReport r = guarded("verify", [&] { return store.verify(id); });
  if (as_json) {
    json doc = {
        {"id", r.id},
        {"ok", r.ok()},
        {"checked", r.checked},
        {"manifest_problem", r.manifest_problem.empty() ? json(nullptr) : json(r.manifest_problem)},
        {"missing", r.missing},
        {"changed", r.changed},
        {"extra", r.extra}};
    ctx.out << doc.dump(2) << "\n";
  } else if (r.ok()) {
    fmt::print(ctx.out, "snapshot {}: ok, {} entries match the manifest (sha256 of every file)\n",
               r.id, r.checked);
  } else {
    const std::vector<std::string> problems = r.problems();
    fmt::print(ctx.out, "snapshot {}: verification FAILED, {} problem(s):\n", r.id,
               problems.size());
    for (const auto& p : problems) fmt::print(ctx.out, "  {}\n", p);
  }
  return r.ok() ? kExitOk : kExitRuntimeError;
}

int snapshot_restore(CommandContext& ctx) {
  std::string id;
  bool dry_run = false;
  bool as_json = false;
  po::options_description desc("Options");
  desc.add_options()("id", po::value(&id), "the snapshot id")(
      "dry-run", po::bool_switch(&dry_run), "print what would change; change nothing")(
      "json", po::bool_switch(&as_json), "print JSON");
  po::positional_options_description pos;
  pos.add("id", 1);
  if (!ctx.parse(desc, pos)) return kExitOk;
  required_id(id, ctx, "restore");
  fs::path state_dir;
  try {
    state_dir = migration_state_dir(ctx);
  } catch (const RuntimeError& e) {
    throw RuntimeError(fmt::format(
        "{} (pass --state-dir to restore without reading the configuration)", e.what()));
  }
  migration::SnapshotStore store(state_dir);
  migration::SnapshotSources targets =
      guarded("restore", [&] { return store.show(id); }).info.sources;
  targets.state_dir = state_dir;
  migration::RestoreResult r =
      guarded("restore", [&] { return store.restore(id, targets, dry_run); });
  if (as_json) {
    json changes = json::array();
    for (const auto& c : r.changes) {
      changes.push_back({{"action", c.action}, {"path", c.path.string()}, {"detail", c.detail}});
    }
    json doc = {{"id", r.id},
                {"dry_run", r.dry_run},
                {"config_dir", targets.config_dir.string()},
                {"output_dir", targets.output_dir.string()},
                {"changes", changes},
                {"unchanged", r.unchanged},
                {"module_modes", r.module_modes}};
    ctx.out << doc.dump(2) << "\n";
    return kExitOk;
  }
  fmt::print(ctx.out, "snapshot {}{}: config {}, outputs {}\n", r.id, r.dry_run ? " (dry run)" : "",
             targets.config_dir.string(), targets.output_dir.string());
  if (!r.changes.empty()) {
    Table table({"ACTION", "PATH", "WHY"});
    for (const auto& c : r.changes) table.add({c.action, c.path.string(), c.detail});
    table.print(ctx.out);
  }
  if (r.dry_run) {
    fmt::print(ctx.out,
               "dry run: {} change(s) would be made, {} entries already equal; nothing "
               "was changed\n",
               r.changes.size(), r.unchanged);
  } else {
    fmt::print(ctx.out,
               "restored: {} change(s), {} entries already equal; the configuration and output "
               "trees now match the snapshot byte for byte\n",
               r.changes.size(), r.unchanged);
  }
  if (!r.module_modes.empty()) {
    std::vector<std::string> modes;
    for (const auto& [module, mode] : r.module_modes) {
      modes.push_back(fmt::format("{}={}", module, mode));
    }
    fmt::print(ctx.out,
               "module modes at snapshot time (not applied; re-apply with 'agentsys module set "
               "MODULE --mode MODE'): {}\n",
               fmt::join(modes, ", "));
  }
  return kExitOk;
}

}  // namespace agentsys::cli
