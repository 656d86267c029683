#pragma once
// Snapshots taken before a cutover, and restored by a rollback: the configuration tree, the
// output tree (which holds what V1 plugins keep there, e.g. a legacy script's own state) and
// the kernel's routing state, copied under <state_dir>/snapshots/<id>/ with a
// checksummed manifest. Format and what is and is not restored: docs/migration.md#snapshots.
//
//   <state_dir>/snapshots/<id>/
//     manifest.json   every entry below (path, type, size, sha256, mode), id, created_at,
//                     reason, kernel version, sources, and manifest_sha256 over the rest
//     config/...      the configuration directory
//     outputs/...     the output directory
//     state.json      module modes; in-flight runs and the listed modules' idempotency keys
//     (reference)
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace agentsys::migration {

/// What a snapshot copies, and where a restore writes back to.
struct SnapshotSources {
  /// Snapshots live in <state_dir>/snapshots; state.json is read from its database. The state
  /// directory is never part of the configuration or output tree, even when inside one.
  std::filesystem::path state_dir;
  std::filesystem::path config_dir;  ///< Copied to config/.
  std::filesystem::path output_dir;  ///< Copied to outputs/ (may not exist yet: then empty).
  /// Modules whose idempotency keys state.json lists (a module that submits tasks: its own runs and
  /// the tasks it submits); the CLI names the migratable modules of the configuration.
  std::vector<std::string> scheduler_modules;
};

/// One manifest entry. Paths are relative to the snapshot directory, '/'-separated:
/// "config", "config/env/dev.toml", "outputs/...", "state.json".
struct SnapshotEntry {
  std::string path;
  std::string type;    ///< "file", "dir" or "symlink".
  uint64_t size = 0;   ///< file: bytes; otherwise 0.
  std::string sha256;  ///< file: of its bytes; symlink: of its target text; dir: "".
  std::string mode;    ///< Permission bits in octal, e.g. "0644".
  std::string target;  ///< symlink: where it points (not followed).
};

struct SnapshotInfo {
  std::string id;
  std::string created_at;  ///< ISO-8601 UTC.
  std::string reason;
  std::string kernel_version;  ///< "0.1.0 (build 1a2b3c4d5e6f)".
  std::filesystem::path dir;   ///< <state_dir>/snapshots/<id>.
  SnapshotSources sources;     ///< As recorded at creation (absolute paths).
  bool output_dir_existed = true;
  uint64_t files = 0;  ///< Regular files (state.json included).
  uint64_t bytes = 0;
  std::string manifest_sha256;
  std::string error;  ///< list(): why the manifest could not be read; "" otherwise.
};

struct SnapshotManifest {
  SnapshotInfo info;
  std::vector<SnapshotEntry> entries;  ///< Sorted by path.
};

struct VerifyReport {
  std::string id;
  std::string manifest_problem;      ///< "" when manifest.json reads and its checksum matches.
  size_t checked = 0;                ///< Entries whose copy matched.
  std::vector<std::string> missing;  ///< Entries with no copy.
  std::vector<std::string> changed;  ///< "PATH: why" (size, sha256, type, target).
  std::vector<std::string> extra;    ///< Files in the snapshot that the manifest does not list.
  [[nodiscard]] bool ok() const {
    return manifest_problem.empty() && missing.empty() && changed.empty() && extra.empty();
  }
  /// One line per problem.
  [[nodiscard]] std::vector<std::string> problems() const;
};

/// One step of a restore: "write" (create or replace a file's bytes), "mkdir", "symlink",
/// "chmod", or "remove" (something the snapshot did not have).
struct RestoreChange {
  std::string action;
  std::filesystem::path path;  ///< The live path acted on.
  std::string detail;          ///< e.g. "content differs", "missing", "not in the snapshot".
};

struct RestoreResult {
  std::string id;
  bool dry_run = false;
  std::vector<RestoreChange> changes;  ///< Done (or, dry run, to do), in order.
  size_t unchanged = 0;                ///< Entries already equal to the snapshot.
  /// Module -> mode as recorded in state.json (text, so modes this build does not know
  /// survive). A restore does not apply them: the caller re-applies them.
  std::map<std::string, std::string> module_modes;
};

class SnapshotError : public std::runtime_error {
 public:
  enum class Kind {
    not_found,  ///< No snapshot with that id.
    corrupted,  ///< Verification failed: nothing is restored from it.
    io,         ///< A file could not be read or written (the message names it).
    invalid,    ///< Sources that cannot be snapshotted (e.g. the state dir as output dir).
  };
  SnapshotError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  [[nodiscard]] Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

/// The snapshots of one state directory.
///
///   migration::SnapshotSources sources;
///   sources.state_dir = options.state_dir;        // KernelOptions after config::apply_config
///   sources.config_dir = config.config_dir();     // EffectiveConfig
///   sources.output_dir = options.host.output_dir;
///   migration::SnapshotStore snapshots(sources.state_dir);
///   migration::SnapshotInfo snap = snapshots.create(sources, "cutover billing_export");
///   ...
///   migration::RestoreResult r = snapshots.restore(snap.id, snap.sources);
///   for (auto& [module, mode] : r.module_modes) { /* re-apply */ }
class SnapshotStore {
 public:
  explicit SnapshotStore(std::filesystem::path state_dir);

  /// <state_dir>/snapshots.
  [[nodiscard]] std::filesystem::path root() const { return root_; }

  /// Copies the sources into a new snapshot and returns it. Everything is written under a
  /// temporary name and renamed into place once complete and synced, so a failure leaves no
  /// snapshot behind. Throws SnapshotError (io naming the file that could not be read,
  /// invalid) or sqlite::Error (the state database): the caller must then not cut over.
  SnapshotInfo create(const SnapshotSources& sources, const std::string& reason);

  /// Every snapshot, oldest first; one whose manifest cannot be read is listed with `error`.
  std::vector<SnapshotInfo> list() const;

  /// The manifest of one snapshot (not verified). Throws SnapshotError(not_found | corrupted).
  SnapshotManifest show(const std::string& id) const;

  /// state.json of one snapshot. Throws SnapshotError(not_found | corrupted).
  nlohmann::json state(const std::string& id) const;

  /// Recomputes every checksum against the manifest and the manifest's own checksum.
  /// Throws SnapshotError(not_found) only.
  VerifyReport verify(const std::string& id) const;

  /// Verifies the snapshot (throws SnapshotError(corrupted) without touching anything when it
  /// fails), then makes `targets.config_dir` and `targets.output_dir` equal to the snapshot's
  /// config/ and outputs/: files whose bytes or mode differ are rewritten atomically (temp file
  /// + rename), missing ones created, and files that did not exist at snapshot time removed —
  /// only inside those two trees, never in the state directory. Idempotent: an interrupted
  /// restore is completed by running it again. With `dry_run`, returns the changes it would
  /// make and changes nothing. The kernel's run state is not restored (see RestoreResult).
  RestoreResult restore(const std::string& id, const SnapshotSources& targets,
                        bool dry_run = false);

 private:
  [[nodiscard]] std::filesystem::path dir_of(const std::string& id) const;

  std::filesystem::path state_dir_;
  std::filesystem::path root_;
};

}  // namespace agentsys::migration
