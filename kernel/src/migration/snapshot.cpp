#include "migration/snapshot.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>

#include "store/sqlite.hpp"
#include "store/state_store.hpp"
#include "task/ids.hpp"
#include "util/hex.hpp"
#include "util/sha256.hpp"
#include "util/time.hpp"
#include "version.hpp"

namespace agentsys::migration {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr const char* kFormat = "agentsys-snapshot/1";
constexpr const char* kManifest = "manifest.json";
constexpr const char* kStateFile = "state.json";
constexpr const char* kTmpPrefix = ".tmp-";
/// Suffix of the temporary file a restore writes next to its target before renaming it.
constexpr const char* kRestoreSuffix = ".agentsys-restore";
/// A snapshot's temporary directory older than this is left over by a process that died.
constexpr auto kStaleTmp = std::chrono::hours(1);

[[noreturn]] void io_error(std::string_view what, const fs::path& path, int err) {
  throw SnapshotError(SnapshotError::Kind::io,
                      fmt::format("{} {}: {}", what, path.string(), std::strerror(err)));
}

[[noreturn]] void io_error(std::string_view what, const fs::path& path, const std::error_code& ec) {
  throw SnapshotError(SnapshotError::Kind::io,
                      fmt::format("{} {}: {}", what, path.string(), ec.message()));
}

/// Streaming SHA-256 (OpenSSL EVP), for files of any size.
class Sha256 {
 public:
  Sha256() {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("sha256: OpenSSL digest init failed");
    }
  }
  void update(const void* data, size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_.get(), md.data(), &len);
    return hex_bytes(md.data(), len);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }
  /// Closes now, reporting the error (a deferred write error can surface here).
  int close() {
    int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

struct Digest {
  uint64_t size = 0;
  std::string sha256;
};

/// Reads the regular file `from` (a symlink is not followed), hashing its bytes; with `to`,
/// also writes them there (created or truncated), sets `mode` when given, and syncs it.
Digest stream_file(const fs::path& from, const fs::path* to, std::optional<mode_t> mode) {
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (in.get() < 0) io_error("cannot read", from, errno);
  std::optional<Fd> out;
  if (to != nullptr) {
    out.emplace(::open(to->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (out->get() < 0) io_error("cannot write", *to, errno);
  }
  Sha256 hash;
  Digest digest;
  std::vector<char> buf(size_t{1} << 16);
  for (;;) {
    ssize_t n = ::read(in.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      io_error("cannot read", from, errno);
    }
    if (n == 0) break;
    hash.update(buf.data(), static_cast<size_t>(n));
    digest.size += static_cast<uint64_t>(n);
    if (out) {
      for (ssize_t done = 0; done < n;) {
        ssize_t w = ::write(out->get(), buf.data() + done, static_cast<size_t>(n - done));
        if (w < 0) {
          if (errno == EINTR) continue;
          io_error("cannot write", *to, errno);
        }
        done += w;
      }
    }
  }
  if (out) {
    if (mode && ::fchmod(out->get(), *mode) != 0) io_error("cannot set the mode of", *to, errno);
    if (::fsync(out->get()) != 0) io_error("cannot sync", *to, errno);
    if (out->close() != 0) io_error("cannot write", *to, errno);
  }
  digest.sha256 = hash.hex();
  return digest;
}

/// Writes `text` to `file` and syncs it.
Digest write_text(const fs::path& file, const std::string& text) {
  Fd out(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (out.get() < 0) io_error("cannot write", file, errno);
  for (size_t done = 0; done < text.size();) {
    ssize_t w = ::write(out.get(), text.data() + done, text.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      io_error("cannot write", file, errno);
    }
    done += static_cast<size_t>(w);
  }
  if (::fsync(out.get()) != 0) io_error("cannot sync", file, errno);
  if (out.close() != 0) io_error("cannot write", file, errno);
  return {text.size(), sha256_hex(text)};
}

void fsync_dir(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) io_error("cannot open directory", dir, errno);
  if (::fsync(fd.get()) != 0 && errno != EINVAL) io_error("cannot sync directory", dir, errno);
}

struct Stat {
  enum Type { none, file, dir, symlink, other } type = none;
  mode_t mode = 0;
  uint64_t size = 0;
};

/// lstat (or stat with `follow`); `none` when the path does not exist.
Stat stat_of(const fs::path& path, bool follow = false) {
  struct stat st {};
  if ((follow ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st)) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return {};
    io_error("cannot read", path, errno);
  }
  Stat s;
  s.mode = st.st_mode & 07777;
  s.size = static_cast<uint64_t>(st.st_size);
  if (S_ISREG(st.st_mode)) {
    s.type = Stat::file;
  } else if (S_ISDIR(st.st_mode)) {
    s.type = Stat::dir;
  } else if (S_ISLNK(st.st_mode)) {
    s.type = Stat::symlink;
  } else {
    s.type = Stat::other;
  }
  return s;
}

std::string type_name(Stat::Type t) {
  switch (t) {
    case Stat::file: return "file";
    case Stat::dir: return "dir";
    case Stat::symlink: return "symlink";
    case Stat::other: return "special file";
    case Stat::none: break;
  }
  return "nothing";
}

std::string mode_text(mode_t mode) { return fmt::format("{:04o}", mode & 07777); }

mode_t parse_mode(const std::string& text) {
  return static_cast<mode_t>(std::stoul(text, nullptr, 8) & 07777);
}

/// The children of `dir`, sorted by name. Throws SnapshotError(io) naming the directory.
std::vector<fs::path> children(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> out;
  fs::directory_iterator it(dir, ec);
  if (ec) io_error("cannot list directory", dir, ec);
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) io_error("cannot list directory", dir, ec);
    out.push_back(it->path());
  }
  if (ec) io_error("cannot list directory", dir, ec);
  std::sort(out.begin(), out.end());
  return out;
}

fs::path canonical_or_absolute(const fs::path& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(fs::absolute(p, ec), ec);
  return ec ? fs::absolute(p, ec).lexically_normal() : c;
}

/// True when `p` is `root` or below it (both canonical).
bool is_within(const fs::path& p, const fs::path& root) {
  auto pi = p.begin();
  for (auto ri = root.begin(); ri != root.end(); ++ri, ++pi) {
    if (ri->empty()) continue;  // a trailing separator
    if (pi == p.end() || *pi != *ri) return false;
  }
  return true;
}

/// A manifest path: relative, '/'-separated, no "." or "..", under config/ or outputs/, or
/// exactly state.json. Anything else would let a forged manifest write outside the trees.
bool safe_entry_path(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string::npos) return false;
  if (path == kStateFile) return true;
  size_t start = 0;
  bool first = true;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string_view part(path.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (first && part != "config" && part != "outputs") return false;
    first = false;
    start = end + 1;
  }
  return true;
}

json entry_json(const SnapshotEntry& e) {
  json j = {{"path", e.path},
            {"type", e.type},
            {"size", e.size},
            {"sha256", e.sha256.empty() ? json(nullptr) : json(e.sha256)},
            {"mode", e.mode}};
  if (e.type == "symlink") j["target"] = e.target;
  return j;
}

/// The checksum of a manifest: SHA-256 of its compact JSON with sorted keys, without the
/// manifest_sha256 member itself.
std::string manifest_checksum(json manifest) {
  manifest.erase("manifest_sha256");
  return sha256_hex(manifest.dump());
}

struct LoadedManifest {
  std::optional<SnapshotManifest> manifest;
  std::string problem;  ///< "" when it parsed and its checksum matches.
};

LoadedManifest load_manifest(const fs::path& dir, const std::string& id) {
  LoadedManifest out;
  const fs::path file = dir / kManifest;
  if (stat_of(file).type != Stat::file) {
    out.problem = "manifest.json is missing";
    return out;
  }
  std::string text;
  {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      out.problem = fmt::format("cannot read {}", file.string());
      return out;
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    text = buf.str();
  }
  json m = json::parse(text, nullptr, false);
  if (m.is_discarded() || !m.is_object()) {
    out.problem = "manifest.json is not valid JSON";
    return out;
  }
  try {
    if (m.value("format", "") != kFormat) {
      out.problem = fmt::format("manifest.json has format '{}', expected '{}'",
                                m.value("format", ""), kFormat);
      return out;
    }
    SnapshotManifest sm;
    SnapshotInfo& info = sm.info;
    info.id = m.at("id").get<std::string>();
    info.created_at = m.at("created_at").get<std::string>();
    info.reason = m.value("reason", "");
    info.kernel_version = m.value("kernel_version", "");
    info.dir = dir;
    const json& src = m.at("sources");
    info.sources.state_dir = src.value("state_dir", "");
    info.sources.config_dir = src.at("config_dir").get<std::string>();
    info.sources.output_dir = src.at("output_dir").get<std::string>();
    info.sources.scheduler_modules = src.value("scheduler_modules", info.sources.scheduler_modules);
    info.output_dir_existed = src.value("output_dir_existed", true);
    info.manifest_sha256 = m.value("manifest_sha256", "");
    for (const json& e : m.at("entries")) {
      SnapshotEntry entry;
      entry.path = e.at("path").get<std::string>();
      entry.type = e.at("type").get<std::string>();
      entry.size = e.value("size", uint64_t{0});
      entry.sha256 = e.at("sha256").is_string() ? e["sha256"].get<std::string>() : "";
      entry.mode = e.value("mode", "0644");
      entry.target = e.value("target", "");
      if (!safe_entry_path(entry.path)) {
        out.problem = fmt::format("manifest.json lists an unsafe path '{}'", entry.path);
        return out;
      }
      if (entry.type != "file" && entry.type != "dir" && entry.type != "symlink") {
        out.problem =
            fmt::format("manifest.json: '{}' has unknown type '{}'", entry.path, entry.type);
        return out;
      }
      if (entry.type == "file") {
        ++info.files;
        info.bytes += entry.size;
      }
      sm.entries.push_back(std::move(entry));
    }
    std::sort(sm.entries.begin(), sm.entries.end(),
              [](const SnapshotEntry& a, const SnapshotEntry& b) { return a.path < b.path; });
    if (info.id != id) {
      out.problem = fmt::format("manifest.json names snapshot '{}', not '{}'", info.id, id);
    } else if (info.manifest_sha256.empty()) {
      out.problem = "manifest.json has no manifest_sha256";
    } else if (manifest_checksum(m) != info.manifest_sha256) {
      out.problem = "manifest.json was modified (its checksum does not match)";
    }
    out.manifest = std::move(sm);
  } catch (const json::exception& e) {
    out.problem = fmt::format("manifest.json is malformed: {}", e.what());
  }
  return out;
}

/// Copies the source trees into a snapshot's temporary directory, recording every entry.
class TreeCopier {
 public:
  TreeCopier(fs::path dest, fs::path exclude, std::vector<SnapshotEntry>& entries)
      : dest_(std::move(dest)), exclude_(std::move(exclude)), entries_(entries) {}

  void copy_tree(const fs::path& root, const std::string& prefix) {
    Stat st = stat_of(root, true);
    const fs::path target = dest_ / prefix;
    std::error_code ec;
    fs::create_directory(target, ec);
    if (ec) io_error("cannot create", target, ec);
    entries_.push_back({prefix, "dir", 0, "", mode_text(st.mode), ""});
    copy_dir(root, canonical_or_absolute(root), prefix);
  }

 private:
  void copy_dir(const fs::path& dir, const fs::path& canonical, const std::string& rel) {
    for (const fs::path& child : children(dir)) {
      const std::string name = child.filename().string();
      const std::string child_rel = rel + "/" + name;
      const fs::path target = dest_ / child_rel;
      Stat st = stat_of(child);
      switch (st.type) {
        case Stat::none:  // removed since the directory was listed
          break;
        case Stat::dir: {
          if (canonical / name == exclude_) break;  // the state directory itself
          std::error_code ec;
          fs::create_directory(target, ec);
          if (ec) io_error("cannot create", target, ec);
          entries_.push_back({child_rel, "dir", 0, "", mode_text(st.mode), ""});
          copy_dir(child, canonical / name, child_rel);
          break;
        }
        case Stat::file: {
          Digest d = stream_file(child, &target, std::nullopt);
          entries_.push_back({child_rel, "file", d.size, d.sha256, mode_text(st.mode), ""});
          break;
        }
        case Stat::symlink: {
          std::error_code ec;
          fs::path link = fs::read_symlink(child, ec);
          if (ec) io_error("cannot read", child, ec);
          fs::create_symlink(link, target, ec);
          if (ec) io_error("cannot create", target, ec);
          entries_.push_back(
              {child_rel, "symlink", 0, sha256_hex(link.string()), "0777", link.string()});
          break;
        }
        case Stat::other:
          throw SnapshotError(
              SnapshotError::Kind::invalid,
              fmt::format("cannot snapshot {}: not a regular file, directory or symbolic link",
                          child.string()));
      }
    }
    fsync_dir(dest_ / rel);
  }

  fs::path dest_;
  fs::path exclude_;
  std::vector<SnapshotEntry>& entries_;
};

/// The kernel's scheduler and routing state, as state.json records it.
json scheduler_state(const SnapshotSources& sources) {
  json state = {
      {"format", 1},
      {"restored_by_rollback", json{{"module_modes", true},
                                    {"in_flight_runs", false},
                                    {"scheduler_idempotency_keys", false}}},
      {"note",
       "module_modes are returned by a restore for the caller to re-apply; in_flight_runs and "
       "scheduler_idempotency_keys are for reference only: the run database is never "
       "restored, since that would lose runs acknowledged after the snapshot"},
      {"database", nullptr},
      {"schema_version", nullptr},
      {"module_modes", json::array()},
      {"in_flight_runs", json::array()},
      {"scheduler_idempotency_keys", json::array()}};
  const fs::path file = StateStore::database_path(sources.state_dir);
  std::error_code ec;
  if (!fs::exists(file, ec)) return state;
  try {
    state["schema_version"] = StateStore::open(sources.state_dir, false)->schema_version();
    sqlite::Database db(file, false);
    state["database"] = file.string();
    sqlite::Statement modes =
        db.prepare("SELECT module, mode, percent, updated_at FROM module_routing ORDER BY module");
    while (modes.step()) {
      state["module_modes"].push_back({{"module", modes.column_text(0)},
                                       {"mode", modes.column_text(1)},
                                       {"percent", modes.column_int(2)},
                                       {"updated_at", modes.column_text(3)}});
    }
    sqlite::Statement runs = db.prepare(
        "SELECT run_id, module, action, status, idempotency_key, created_at, updated_at "
        "FROM runs WHERE status IN ('pending', 'running', 'retrying', 'interrupted') "
        "ORDER BY created_at, run_id");
    while (runs.step()) {
      state["in_flight_runs"].push_back(
          {{"run_id", runs.column_text(0)},
           {"module", runs.column_text(1)},
           {"action", runs.column_text(2)},
           {"status", runs.column_text(3)},
           {"idempotency_key", runs.column_is_null(4) ? json(nullptr) : json(runs.column_text(4))},
           {"created_at", runs.column_text(5)},
           {"updated_at", runs.column_text(6)}});
    }
    sqlite::Statement keys = db.prepare(
        "SELECT k.module, k.key, k.run_id, r.status, k.created_at FROM idempotency_keys k "
        "LEFT JOIN runs r ON r.run_id = k.run_id WHERE k.module = ?1 "
        "ORDER BY k.created_at, k.key");
    for (const std::string& module : sources.scheduler_modules) {
      keys.reset();
      keys.bind(1, module);
      while (keys.step()) {
        state["scheduler_idempotency_keys"].push_back(
            {{"module", keys.column_text(0)},
             {"key", keys.column_text(1)},
             {"run_id", keys.column_text(2)},
             {"status", keys.column_is_null(3) ? json(nullptr) : json(keys.column_text(3))},
             {"created_at", keys.column_text(4)}});
      }
    }
  } catch (const sqlite::Error& e) {
    throw SnapshotError(SnapshotError::Kind::io,
                        fmt::format("cannot read the kernel state: {}", e.what()));
  }
  return state;
}

/// Removes leftovers of snapshots whose process died before renaming them into place.
void remove_stale_tmp(const fs::path& root) {
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind(kTmpPrefix, 0) != 0) continue;
    std::error_code tec;
    auto written = fs::last_write_time(it->path(), tec);
    if (!tec && fs::file_time_type::clock::now() - written > kStaleTmp) {
      fs::remove_all(it->path(), tec);
    }
  }
}

void remove_path(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
  if (ec) io_error("cannot remove", p, ec);
}

/// Makes one live tree equal to the snapshot's `prefix` tree, or (apply = false) only says
/// what that would change.
class TreeSync {
 public:
  TreeSync(const SnapshotManifest& manifest, std::string prefix, fs::path live_root,
           fs::path exclude, bool apply)
      : manifest_(manifest),
        prefix_(std::move(prefix)),
        live_root_(std::move(live_root)),
        canonical_root_(canonical_or_absolute(live_root_)),
        apply_(apply) {
    // Only a state directory below the tree needs keeping out of it (the default output
    // directory, var/output, is itself below the state directory, var).
    if (is_within(exclude, canonical_root_) && exclude != canonical_root_) {
      exclude_ = std::move(exclude);
    }
    for (const SnapshotEntry& e : manifest_.entries) {
      if (e.path == prefix_) {
        entries_[""] = &e;
      } else if (e.path.rfind(prefix_ + "/", 0) == 0) {
        entries_[e.path.substr(prefix_.size() + 1)] = &e;
      }
    }
  }

  void run(std::vector<RestoreChange>& changes, size_t& unchanged) {
    changes_ = &changes;
    Stat root = stat_of(live_root_, true);
    if (root.type == Stat::dir) remove_extras(live_root_, "");
    std::vector<std::pair<fs::path, mode_t>> dir_modes;
    for (const auto& [rel, entry] : entries_) {
      const fs::path live = rel.empty() ? live_root_ : live_root_ / rel;
      if (!rel.empty() && excluded(canonical_root_ / rel)) continue;
      const fs::path source = manifest_.info.dir / entry->path;
      const mode_t mode = parse_mode(entry->mode);
      Stat st = stat_of(live, rel.empty());
      if (entry->type == "dir") {
        if (st.type == Stat::dir) {
          if (st.mode != mode) {
            dir_modes.emplace_back(live, mode);
            change("chmod", live, fmt::format("mode {} -> {}", mode_text(st.mode), entry->mode));
          } else {
            ++unchanged;
          }
          continue;
        }
        if (st.type != Stat::none) {
          change("remove", live,
                 fmt::format("a {} where the snapshot has a directory", type_name(st.type)));
          if (apply_) remove_path(live);
        }
        change("mkdir", live, "missing");
        if (apply_) {
          std::error_code ec;
          fs::create_directories(live, ec);
          if (ec) io_error("cannot create", live, ec);
        }
        dir_modes.emplace_back(live, mode);
      } else if (entry->type == "file") {
        if (st.type == Stat::file && st.size == entry->size &&
            stream_file(live, nullptr, std::nullopt).sha256 == entry->sha256) {
          if (st.mode != mode) {
            change("chmod", live, fmt::format("mode {} -> {}", mode_text(st.mode), entry->mode));
            if (apply_ && ::chmod(live.c_str(), mode) != 0) {
              io_error("cannot set the mode of", live, errno);
            }
          } else {
            ++unchanged;
          }
          continue;
        }
        change("write", live,
               st.type == Stat::none ? "missing"
               : st.type == Stat::file
                   ? "content differs"
                   : fmt::format("a {} where the snapshot has a file", type_name(st.type)));
        if (apply_) write_file(source, live, *entry, st);
      } else {  // symlink
        std::error_code ec;
        if (st.type == Stat::symlink && fs::read_symlink(live, ec).string() == entry->target &&
            !ec) {
          ++unchanged;
          continue;
        }
        change("symlink", live,
               st.type == Stat::none ? "missing" : fmt::format("-> {}", entry->target));
        if (apply_) {
          if (st.type == Stat::dir) remove_path(live);
          fs::path tmp = temp_name(live);
          fs::remove(tmp, ec);
          fs::create_symlink(entry->target, tmp, ec);
          if (ec) io_error("cannot create", tmp, ec);
          fs::rename(tmp, live, ec);
          if (ec) io_error("cannot replace", live, ec);
        }
      }
    }
    // Modes of directories last, deepest first, so that a read-only directory is still
    // written into above.
    if (apply_) {
      for (auto it = dir_modes.rbegin(); it != dir_modes.rend(); ++it) {
        if (::chmod(it->first.c_str(), it->second) != 0) {
          io_error("cannot set the mode of", it->first, errno);
        }
      }
    }
  }

 private:
  [[nodiscard]] bool excluded(const fs::path& canonical) const {
    return !exclude_.empty() && is_within(canonical, exclude_);
  }

  static fs::path temp_name(const fs::path& live) {
    return live.parent_path() / ("." + live.filename().string() + kRestoreSuffix);
  }

  void change(std::string action, const fs::path& path, std::string detail) {
    changes_->push_back({std::move(action), path, std::move(detail)});
  }

  void write_file(const fs::path& source, const fs::path& live, const SnapshotEntry& entry,
                  const Stat& st) {
    if (st.type == Stat::dir) remove_path(live);
    const fs::path tmp = temp_name(live);
    std::error_code ec;
    fs::remove(tmp, ec);
    Digest d = stream_file(source, &tmp, parse_mode(entry.mode));
    if (d.sha256 != entry.sha256 || d.size != entry.size) {
      fs::remove(tmp, ec);
      throw SnapshotError(SnapshotError::Kind::corrupted,
                          fmt::format("{} changed while it was being restored (sha256 {}, the "
                                      "manifest says {}); run the restore again after verify",
                                      source.string(), d.sha256, entry.sha256));
    }
    fs::rename(tmp, live, ec);
    if (ec) io_error("cannot replace", live, ec);
    fsync_dir(live.parent_path());
  }

  /// Removes what the snapshot does not have, below `dir` (a live directory at `rel`).
  void remove_extras(const fs::path& dir, const std::string& rel) {
    for (const fs::path& child : children(dir)) {
      const std::string child_rel =
          rel.empty() ? child.filename().string() : rel + "/" + child.filename().string();
      Stat st = stat_of(child);
      if (st.type == Stat::none) continue;
      if (st.type == Stat::dir) {
        const fs::path canonical = canonical_root_ / child_rel;
        if (excluded(canonical)) continue;  // the state directory is never touched
        if (!exclude_.empty() && is_within(exclude_, canonical)) {  // ... nor what leads to it
          remove_extras(child, child_rel);
          continue;
        }
      }
      auto entry = entries_.find(child_rel);
      if (entry == entries_.end()) {
        change("remove", child,
               st.type == Stat::dir ? "directory not in the snapshot" : "not in the snapshot");
        if (apply_) remove_path(child);
        continue;
      }
      if (st.type == Stat::dir && entry->second->type == "dir") remove_extras(child, child_rel);
    }
  }

  const SnapshotManifest& manifest_;
  std::string prefix_;
  fs::path live_root_;
  fs::path canonical_root_;
  fs::path exclude_;  ///< The state directory when it lies below the tree; else empty.
  bool apply_;
  std::map<std::string, const SnapshotEntry*> entries_;  ///< By path relative to the tree.
  std::vector<RestoreChange>* changes_ = nullptr;
};

}  // namespace

std::vector<std::string> VerifyReport::problems() const {
  std::vector<std::string> out;
  if (!manifest_problem.empty()) out.push_back("manifest: " + manifest_problem);
  for (const auto& p : missing) out.push_back("missing: " + p);
  for (const auto& p : changed) out.push_back("changed: " + p);
  for (const auto& p : extra) out.push_back("extra: " + p);
  return out;
}

SnapshotStore::SnapshotStore(fs::path state_dir)
    : state_dir_(std::move(state_dir)), root_(state_dir_ / "snapshots") {}

fs::path SnapshotStore::dir_of(const std::string& id) const {
  const bool well_formed =
      !id.empty() && id.front() != '.' && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.';
      });
  const fs::path dir = root_ / id;
  if (!well_formed || stat_of(dir).type != Stat::dir) {
    throw SnapshotError(SnapshotError::Kind::not_found,
                        fmt::format("no snapshot '{}' in {}", id, root_.string()));
  }
  return dir;
}

SnapshotInfo SnapshotStore::create(const SnapshotSources& sources, const std::string& reason) {
  using Kind = SnapshotError::Kind;
  if (sources.config_dir.empty() || stat_of(sources.config_dir, true).type != Stat::dir) {
    throw SnapshotError(Kind::invalid, fmt::format("the configuration directory {} does not exist",
                                                   sources.config_dir.string()));
  }
  if (sources.output_dir.empty()) throw SnapshotError(Kind::invalid, "no output directory given");
  const Stat output = stat_of(sources.output_dir, true);
  if (output.type != Stat::none && output.type != Stat::dir) {
    throw SnapshotError(Kind::invalid, fmt::format("the output directory {} is not a directory",
                                                   sources.output_dir.string()));
  }
  const fs::path state_dir = canonical_or_absolute(sources.state_dir);
  for (const fs::path& tree : {sources.config_dir, sources.output_dir}) {
    if (canonical_or_absolute(tree) == state_dir) {
      throw SnapshotError(Kind::invalid,
                          fmt::format("{} is the state directory: the configuration and the "
                                      "outputs need directories of their own to be snapshotted",
                                      tree.string()));
    }
  }

  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) io_error("cannot create", root_, ec);
  remove_stale_tmp(root_);

  SnapshotInfo info;
  info.id = new_time_ordered_id("snap");
  info.created_at = iso8601_now();
  info.reason = reason;
  info.kernel_version = fmt::format("{} (build {})", kVersion, kBuildId);
  info.sources.state_dir = state_dir;
  info.sources.config_dir = canonical_or_absolute(sources.config_dir);
  info.sources.output_dir = canonical_or_absolute(sources.output_dir);
  info.sources.scheduler_modules = sources.scheduler_modules;
  info.output_dir_existed = output.type == Stat::dir;
  info.dir = root_ / info.id;

  const fs::path tmp = root_ / (kTmpPrefix + info.id);
  fs::create_directory(tmp, ec);
  if (ec) io_error("cannot create", tmp, ec);
  try {
    std::vector<SnapshotEntry> entries;
    TreeCopier copier(tmp, state_dir, entries);
    copier.copy_tree(sources.config_dir, "config");
    if (info.output_dir_existed) copier.copy_tree(sources.output_dir, "outputs");
    Digest state = write_text(tmp / kStateFile, scheduler_state(info.sources).dump(2) + "\n");
    entries.push_back({kStateFile, "file", state.size, state.sha256, "0644", ""});
    std::sort(entries.begin(), entries.end(),
              [](const SnapshotEntry& a, const SnapshotEntry& b) { return a.path < b.path; });

    json list = json::array();
    for (const SnapshotEntry& e : entries) {
      list.push_back(entry_json(e));
      if (e.type == "file") {
        ++info.files;
        info.bytes += e.size;
      }
    }
    json manifest = {{"format", kFormat},
                     {"id", info.id},
                     {"created_at", info.created_at},
                     {"reason", info.reason},
                     {"kernel_version", info.kernel_version},
                     {"sources",
                      {{"state_dir", info.sources.state_dir.string()},
                       {"config_dir", info.sources.config_dir.string()},
                       {"output_dir", info.sources.output_dir.string()},
                       {"output_dir_existed", info.output_dir_existed},
                       {"scheduler_modules", info.sources.scheduler_modules}}},
                     {"totals", {{"files", info.files}, {"bytes", info.bytes}}},
                     {"entries", std::move(list)}};
    std::string text;
    try {
      info.manifest_sha256 = manifest_checksum(manifest);
      manifest["manifest_sha256"] = info.manifest_sha256;
      text = manifest.dump(2) + "\n";
    } catch (const json::type_error& e) {
      throw SnapshotError(Kind::invalid,
                          fmt::format("cannot write the manifest: a file name is not valid "
                                      "UTF-8 ({})",
                                      e.what()));
    }
    write_text(tmp / kManifest, text);
    fsync_dir(tmp);
    fs::rename(tmp, info.dir, ec);
    if (ec) io_error("cannot rename the snapshot into", info.dir, ec);
    fsync_dir(root_);
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
  return info;
}

std::vector<SnapshotInfo> SnapshotStore::list() const {
  std::vector<SnapshotInfo> out;
  if (stat_of(root_, true).type != Stat::dir) return out;
  for (const fs::path& dir : children(root_)) {
    const std::string id = dir.filename().string();
    if (id.empty() || id.front() == '.' || stat_of(dir).type != Stat::dir) continue;
    LoadedManifest loaded = load_manifest(dir, id);
    SnapshotInfo info;
    if (loaded.manifest) info = loaded.manifest->info;
    info.id = id;
    info.dir = dir;
    info.error = loaded.problem;
    out.push_back(std::move(info));
  }
  return out;  // ids are time-ordered: oldest first
}

SnapshotManifest SnapshotStore::show(const std::string& id) const {
  LoadedManifest loaded = load_manifest(dir_of(id), id);
  if (!loaded.manifest) {
    throw SnapshotError(SnapshotError::Kind::corrupted,
                        fmt::format("snapshot {}: {}", id, loaded.problem));
  }
  loaded.manifest->info.error = loaded.problem;
  return std::move(*loaded.manifest);
}

json SnapshotStore::state(const std::string& id) const {
  const fs::path file = dir_of(id) / kStateFile;
  std::ifstream in(file, std::ios::binary);
  json j = in ? json::parse(in, nullptr, false) : json(nullptr);
  if (!in || j.is_discarded() || !j.is_object()) {
    throw SnapshotError(
        SnapshotError::Kind::corrupted,
        fmt::format("snapshot {}: {} is missing or not valid JSON", id, file.string()));
  }
  return j;
}

VerifyReport SnapshotStore::verify(const std::string& id) const {
  const fs::path dir = dir_of(id);
  VerifyReport report;
  report.id = id;
  LoadedManifest loaded = load_manifest(dir, id);
  report.manifest_problem = loaded.problem;
  if (!loaded.manifest) return report;
  std::set<std::string> listed;
  for (const SnapshotEntry& e : loaded.manifest->entries) {
    listed.insert(e.path);
    const fs::path copy = dir / e.path;
    Stat st = stat_of(copy);
    if (st.type == Stat::none) {
      report.missing.push_back(e.path);
      continue;
    }
    if (type_name(st.type) != e.type) {
      report.changed.push_back(
          fmt::format("{}: is a {}, the manifest says {}", e.path, type_name(st.type), e.type));
      continue;
    }
    if (e.type == "file") {
      Digest d = stream_file(copy, nullptr, std::nullopt);
      if (d.size != e.size) {
        report.changed.push_back(
            fmt::format("{}: {} bytes, the manifest says {}", e.path, d.size, e.size));
        continue;
      }
      if (d.sha256 != e.sha256) {
        report.changed.push_back(
            fmt::format("{}: sha256 {}, the manifest says {}", e.path, d.sha256, e.sha256));
        continue;
      }
    } else if (e.type == "symlink") {
      std::error_code ec;
      const std::string target = fs::read_symlink(copy, ec).string();
      if (ec || target != e.target || sha256_hex(target) != e.sha256) {
        report.changed.push_back(
            fmt::format("{}: points to '{}', the manifest says '{}'", e.path, target, e.target));
        continue;
      }
    }
    ++report.checked;
  }
  // Anything in the snapshot the manifest does not list.
  std::vector<std::pair<fs::path, std::string>> pending = {{dir, ""}};
  while (!pending.empty()) {
    auto [at, rel] = pending.back();
    pending.pop_back();
    for (const fs::path& child : children(at)) {
      const std::string name = child.filename().string();
      const std::string child_rel = rel.empty() ? name : rel + "/" + name;
      if (child_rel == kManifest) continue;
      if (listed.count(child_rel) == 0) {
        report.extra.push_back(child_rel);
      } else if (stat_of(child).type == Stat::dir) {
        pending.emplace_back(child, child_rel);
      }
    }
  }
  std::sort(report.extra.begin(), report.extra.end());
  return report;
}

RestoreResult SnapshotStore::restore(const std::string& id, const SnapshotSources& targets,
                                     bool dry_run) {
  if (targets.config_dir.empty() || targets.output_dir.empty()) {
    throw SnapshotError(SnapshotError::Kind::invalid,
                        "restore needs a configuration and an output directory");
  }
  VerifyReport verified = verify(id);
  if (!verified.ok()) {
    std::vector<std::string> problems = verified.problems();
    const size_t shown = std::min<size_t>(problems.size(), 3);
    throw SnapshotError(
        SnapshotError::Kind::corrupted,
        fmt::format("snapshot {} failed verification ({}{}); refusing to restore from it", id,
                    fmt::join(problems.begin(),
                              problems.begin() + static_cast<std::ptrdiff_t>(shown), "; "),
                    problems.size() > shown ? fmt::format("; and {} more", problems.size() - shown)
                                            : std::string()));
  }
  SnapshotManifest manifest = show(id);
  const fs::path exclude =
      canonical_or_absolute(targets.state_dir.empty() ? state_dir_ : targets.state_dir);

  RestoreResult result;
  result.id = id;
  result.dry_run = dry_run;
  const std::array<std::pair<const char*, fs::path>, 2> trees = {
      {{"config", targets.config_dir}, {"outputs", targets.output_dir}}};
  for (const auto& [prefix, live] : trees) {
    if (canonical_or_absolute(live) == exclude) {
      throw SnapshotError(
          SnapshotError::Kind::invalid,
          fmt::format("refusing to restore {} into the state directory {}", prefix, live.string()));
    }
  }
  for (const auto& [prefix, live] : trees) {
    if (!dry_run && stat_of(live, true).type == Stat::none) {
      std::error_code ec;
      fs::create_directories(live, ec);
      if (ec) io_error("cannot create", live, ec);
    }
    TreeSync(manifest, prefix, live, exclude, !dry_run).run(result.changes, result.unchanged);
  }
  if (!dry_run) {
    // Verified byte for byte: the live trees must now need no change at all.
    std::vector<RestoreChange> left;
    size_t same = 0;
    for (const auto& [prefix, live] : trees) {
      TreeSync(manifest, prefix, live, exclude, false).run(left, same);
    }
    if (!left.empty()) {
      throw SnapshotError(SnapshotError::Kind::io,
                          fmt::format("restore of snapshot {} incomplete: {} still differs ({}); "
                                      "run it again",
                                      id, left.front().path.string(), left.front().detail));
    }
  }
  json state = this->state(id);
  for (const json& m : state.value("module_modes", json::array())) {
    if (m.is_object() && m.contains("module") && m.contains("mode")) {
      result.module_modes[m["module"].get<std::string>()] = m["mode"].get<std::string>();
    }
  }
  return result;
}

}  // namespace agentsys::migration
