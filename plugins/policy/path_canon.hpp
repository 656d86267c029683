#pragma once
// Canonicalisation of absolute paths: ".", "..", duplicate slashes and, with filesystem access,
// symlinks (a symlink inside an allowed root that points outside it ends up outside). Symlinks
// are resolved component by component with lstat/readlink while the prefix exists; once a
// component does not exist, the rest is resolved lexically. A ".." that climbs back into the
// existing part resumes the checks, so "new/../link" still follows "link".
#include <string>
#include <string_view>

namespace agentsys::policy {

enum class CanonStatus {
  ok,
  not_absolute,  ///< the input does not start with '/'
  too_long,      ///< longer than PATH_MAX (4096)
  symlink_loop,  ///< more than 40 symlinks followed
  unreadable,    ///< a component could not be inspected (e.g. EACCES): fail closed
};

struct CanonResult {
  CanonStatus status = CanonStatus::ok;
  std::string path;    ///< the canonical path when ok
  std::string detail;  ///< the offending component and errno text otherwise
};

/// Canonicalises an absolute path. With `use_filesystem` false no system call is made and
/// symlinks are not resolved (for callers that pass paths they already resolved).
[[nodiscard]] CanonResult canonicalize(std::string_view path, bool use_filesystem);

/// True when canonicalize(path, false) would return `path` unchanged: absolute, at most 4096
/// bytes, no empty, "." or ".." component and no trailing '/' (except "/" itself).
[[nodiscard]] bool is_canonical(std::string_view path) noexcept;

/// `base` joined with `relative` when `relative` does not start with '/'.
[[nodiscard]] std::string join_path(std::string_view base, std::string_view relative);

/// True when `path` is `root` or lies below it (both canonical).
[[nodiscard]] inline bool path_within(std::string_view path, std::string_view root) noexcept {
  if (root == "/") return true;
  return path.size() >= root.size() && path.compare(0, root.size(), root) == 0 &&
         (path.size() == root.size() || path[root.size()] == '/');
}

}  // namespace agentsys::policy
