#include "path_canon.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace agentsys::policy {

namespace {

constexpr size_t kPathMax = 4096;
constexpr int kMaxSymlinks = 40;  // the kernel's own limit (MAXSYMLINKS)

/// Pushes the components of `path` so that the first component is popped first.
void push_components(std::vector<std::string>& stack, std::string_view path) {
  const size_t base = stack.size();
  size_t pos = 0;
  while (pos < path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    if (next > pos) stack.emplace_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  std::reverse(stack.begin() + static_cast<std::ptrdiff_t>(base), stack.end());
}

void pop_component(std::string& out) {
  const size_t slash = out.rfind('/');
  out.resize(slash == std::string::npos ? 0 : slash);
}

/// The same result without the filesystem: one pass, no allocation per component.
CanonResult lexical(std::string_view path) {
  CanonResult result;
  std::string& out = result.path;
  if (is_canonical(path)) {  // the common case: nothing to rewrite
    out.assign(path);
    return result;
  }
  out.reserve(path.size());
  size_t pos = 0;
  while (pos < path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    const std::string_view component = path.substr(pos, next - pos);
    pos = next + 1;
    if (component.empty() || component == ".") continue;
    if (component == "..") {
      pop_component(out);
      continue;
    }
    out += '/';
    out += component;
  }
  if (out.empty()) out = "/";
  return result;
}

}  // namespace

bool is_canonical(std::string_view path) noexcept {
  if (path.empty() || path[0] != '/' || path.size() > kPathMax) return false;
  if (path.size() == 1) return true;
  size_t pos = 1;
  while (true) {
    const size_t slash = path.find('/', pos);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    const size_t length = end - pos;
    // "" (from "//" or a trailing '/'), "." or "..".
    if (length == 0 ||
        (path[pos] == '.' && (length == 1 || (length == 2 && path[pos + 1] == '.')))) {
      return false;
    }
    if (slash == std::string_view::npos) return true;
    pos = slash + 1;
  }
}

std::string join_path(std::string_view base, std::string_view relative) {
  if (!relative.empty() && relative[0] == '/') return std::string(relative);
  std::string out(base);
  if (out.empty() || out.back() != '/') out += '/';
  out += relative;
  return out;
}

CanonResult canonicalize(std::string_view path, bool use_filesystem) {
  CanonResult result;
  if (path.empty() || path[0] != '/') {
    result.status = CanonStatus::not_absolute;
    return result;
  }
  if (path.size() > kPathMax) {
    result.status = CanonStatus::too_long;
    return result;
  }
  if (!use_filesystem) return lexical(path);
  std::vector<std::string> stack;
  stack.reserve(16);
  push_components(stack, path);
  std::string out;  // canonical so far; "" stands for "/"
  out.reserve(path.size());
  size_t verified = 0;  // out[0, verified) exists and holds no symlink
  bool probing = use_filesystem;
  int links = 0;
  while (!stack.empty()) {
    std::string component = std::move(stack.back());
    stack.pop_back();
    if (component == ".") continue;
    if (component == "..") {
      pop_component(out);
      if (out.size() < verified) verified = out.size();
      probing = use_filesystem && out.size() <= verified;  // back in the part that exists
      continue;
    }
    const size_t before = out.size();
    out += '/';
    out += component;
    if (!probing) continue;
    struct stat st {};
    if (::lstat(out.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) {
        probing = false;  // the tail does not exist: resolve it lexically
        continue;
      }
      result.status = CanonStatus::unreadable;
      result.detail = out + ": " + std::strerror(errno);
      return result;
    }
    if (S_ISLNK(st.st_mode)) {
      if (++links > kMaxSymlinks) {
        result.status = CanonStatus::symlink_loop;
        result.detail = out;
        return result;
      }
      std::string target(kPathMax, '\0');
      const ssize_t n = ::readlink(out.c_str(), target.data(), target.size());
      if (n < 0) {
        result.status = CanonStatus::unreadable;
        result.detail = out + ": " + std::strerror(errno);
        return result;
      }
      target.resize(static_cast<size_t>(n));
      out.resize(before);
      if (!target.empty() && target[0] == '/') out.clear();
      if (out.size() < verified) verified = out.size();
      push_components(stack, target);
      continue;
    }
    verified = out.size();
  }
  result.path = out.empty() ? "/" : std::move(out);
  if (result.path.size() > kPathMax) result.status = CanonStatus::too_long;
  return result;
}

}  // namespace agentsys::policy
