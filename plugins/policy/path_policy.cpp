#include "path_policy.hpp"

#include <fnmatch.h>

#include "path_canon.hpp"
#include "utf8.hpp"

namespace agentsys::policy {

namespace {

/// A component that decodes to "." or ".." or holds an encoded '/', '\' or NUL: harmless to
/// the filesystem, but anything downstream that URL-decodes would see a traversal.
bool encoded_traversal(std::string_view path) {
  auto lower = [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); };
  for (size_t i = path.find('%'); i != std::string_view::npos && i + 2 < path.size();
       i = path.find('%', i + 1)) {
    const char a = path[i + 1];
    const char b = lower(path[i + 2]);
    if ((a == '2' && (b == 'e' || b == 'f')) || (a == '5' && b == 'c') || (a == '0' && b == '0')) {
      return true;
    }
  }
  return false;
}

bool has_control(std::string_view path) {
  for (char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

bool component_matches(std::string_view path, const PathPolicy::Names& names) {
  if (names.globs.empty()) return false;
  size_t pos = 1;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    const std::string_view component = path.substr(pos, next - pos);
    if (!component.empty() && names.matches(component)) return true;
    pos = next + 1;
  }
  return false;
}

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

}  // namespace

PathPolicy::Glob PathPolicy::Glob::compile(const std::string& pattern) {
  // The common shapes ("name", "*.pem", "id_rsa*") are compared directly; fnmatch otherwise.
  const size_t meta = pattern.find_first_of("*?[\\");
  if (meta == std::string::npos) return {Shape::literal, pattern};
  const std::string_view rest = std::string_view(pattern).substr(1);
  if (pattern[0] == '*' && rest.find_first_of("*?[\\") == std::string_view::npos) {
    return {Shape::suffix, std::string(rest)};
  }
  if (meta == pattern.size() - 1 && pattern.back() == '*') {
    return {Shape::prefix, pattern.substr(0, pattern.size() - 1)};
  }
  return {Shape::general, pattern};
}

bool PathPolicy::Glob::matches(std::string_view component) const {
  switch (shape) {
    case Shape::literal: return component == text;
    case Shape::suffix: return component.ends_with(text);
    case Shape::prefix: return component.starts_with(text);
    case Shape::general: break;
  }
  // No FNM_PERIOD: a deny pattern "*.pem" covers ".hidden.pem" too.
  return ::fnmatch(text.c_str(), std::string(component).c_str(), 0) == 0;
}

void PathPolicy::Names::add(const std::string& pattern) {
  Glob g = Glob::compile(pattern);
  switch (g.shape) {
    case Glob::Shape::literal:
    case Glob::Shape::prefix:
      if (g.text.empty()) {
        general = true;
      } else {
        first.set(static_cast<unsigned char>(g.text.front()));
      }
      break;
    case Glob::Shape::suffix:
      if (g.text.empty()) {
        general = true;  // "*"
      } else {
        last.set(static_cast<unsigned char>(g.text.back()));
      }
      break;
    case Glob::Shape::general: general = true; break;
  }
  globs.push_back(std::move(g));
}

bool PathPolicy::Names::matches(std::string_view component) const {
  if (!general && !first.test(static_cast<unsigned char>(component.front())) &&
      !last.test(static_cast<unsigned char>(component.back()))) {
    return false;
  }
  for (const auto& g : globs) {
    if (g.matches(component)) return true;
  }
  return false;
}

void PathPolicy::build(const std::vector<LayerDoc>& layers, const Vars& fixed,
                       Problems& /*problems*/) {
  for (const auto& doc : layers) {
    if (!doc.path) continue;
    for (const auto& d : doc.path->deny) {
      Rule rule{d.id, doc.name, d.read, d.write, {}, {}};
      for (const auto& n : d.names) rule.names.add(n);
      rule.roots.add(d.roots, fixed);
      deny_.push_back(std::move(rule));
    }
    if (!doc.path->allow) continue;
    Layer layer;
    layer.name = doc.name;
    for (const auto& a : *doc.path->allow) {
      Rule rule{a.id, doc.name, a.read, a.write, {}, {}};
      rule.roots.add(a.roots, fixed);
      layer.constrains_read = layer.constrains_read || a.read;
      layer.constrains_write = layer.constrains_write || a.write;
      layer.allow.push_back(std::move(rule));
    }
    if (doc.path->allow->empty()) {
      layer.constrains_read = layer.constrains_write = true;  // "allow = []" allows nothing
    }
    layers_.push_back(std::move(layer));
  }
}

Decision PathPolicy::decide(const PathRequest& request, const VarScope& scope,
                            bool use_filesystem) const {
  const std::string_view raw = request.path;
  const std::string_view access = access_name(request.access);
  if (has_nul(raw)) return Decision::deny("path.nul_byte", "the path contains a NUL byte");
  if (!is_valid_utf8(raw)) {
    return Decision::deny("path.invalid_utf8", "the path is not valid UTF-8");
  }
  if (has_control(raw)) {
    return Decision::deny("path.control_character",
                          "the path contains a control character (newline, tab, ...)");
  }
  if (encoded_traversal(raw)) {
    return Decision::deny("path.encoded_traversal",
                          "the path contains a percent-encoded '.', '/', '\\' or NUL");
  }
  std::string joined;  // a relative path on its working directory
  std::string_view absolute = raw;
  if (raw.empty() || raw[0] != '/') {
    if (!request.cwd || request.cwd->empty() || (*request.cwd)[0] != '/') {
      return Decision::deny("path.not_absolute",
                            "the path " + in_quotes(raw) +
                                " is relative and no absolute working directory was given");
    }
    joined = join_path(*request.cwd, raw);
    absolute = joined;
  }
  CanonResult canon = canonicalize(absolute, use_filesystem);
  switch (canon.status) {
    case CanonStatus::ok: break;
    case CanonStatus::not_absolute:
      return Decision::deny("path.not_absolute", "the path " + in_quotes(raw) + " is not absolute");
    case CanonStatus::too_long:
      return Decision::deny("path.too_long", "the path is longer than 4096 bytes");
    case CanonStatus::symlink_loop:
      return Decision::deny("path.symlink_loop",
                            "resolving the path followed more than 40 symlinks at " + canon.detail);
    case CanonStatus::unreadable:
      return Decision::deny("path.unresolvable", "cannot resolve the path: " + canon.detail);
  }
  const std::string& path = canon.path;
  auto finish = [&](Decision d) {  // the last use of `path`: each call returns
    d.canonical = std::move(canon.path);
    return d;
  };

  for (const auto& rule : deny_) {
    if (!rule.covers(request.access)) continue;
    std::string missing;
    const RootList::Match m = rule.roots.contains(path, scope, use_filesystem, missing);
    if (m == RootList::Match::inside || component_matches(path, rule.names)) {
      return finish(Decision::deny(rule.id, std::string(access) + " of " + in_quotes(path) +
                                                " is denied by " + rule.id + " (" + rule.layer +
                                                ")"));
    }
    if (m == RootList::Match::unresolved) {
      // A deny entry we cannot evaluate might cover the path: fail closed.
      return finish(Decision::deny(
          "path.unresolved_placeholder",
          "deny rule " + rule.id + " needs ${" + missing + "}, which has no value for this call"));
    }
  }

  const Rule* granted = nullptr;
  bool constrained = false;
  for (const auto& layer : layers_) {
    if (request.access == Access::read ? !layer.constrains_read : !layer.constrains_write) continue;
    constrained = true;
    const Rule* match = nullptr;
    for (const auto& rule : layer.allow) {
      std::string missing;
      if (rule.covers(request.access) &&
          rule.roots.contains(path, scope, use_filesystem, missing) == RootList::Match::inside) {
        match = &rule;
        break;
      }
    }
    if (match == nullptr) {
      return finish(Decision::deny("path.outside_roots",
                                   concat({access, " of '", path, "' is outside every ", access,
                                           " root of layer '", layer.name, "'"})));
    }
    granted = match;  // the narrowest layer's rule is reported
  }
  if (!constrained) {
    return finish(Decision::deny("default.deny", "no policy layer allows any path " +
                                                     std::string(access) + "; denied by default"));
  }
  return finish(Decision::allow(granted->id,
                                concat({access, " of '", path, "' is allowed by ", granted->id})));
}

nlohmann::json PathPolicy::describe() const {
  auto rule_json = [](const Rule& r) {
    nlohmann::json access = nlohmann::json::array();
    if (r.read) access.push_back("read");
    if (r.write) access.push_back("write");
    nlohmann::json j{
        {"id", r.id}, {"layer", r.layer}, {"access", access}, {"roots", r.roots.to_json()}};
    if (!r.names.globs.empty()) {
      j["names"] = nlohmann::json::array();
      for (const auto& g : r.names.globs) {
        j["names"].push_back(g.shape == Glob::Shape::suffix   ? "*" + g.text
                             : g.shape == Glob::Shape::prefix ? g.text + "*"
                                                              : g.text);
      }
    }
    return j;
  };
  nlohmann::json out{{"deny", nlohmann::json::array()}, {"allow_layers", nlohmann::json::array()}};
  for (const auto& r : deny_) out["deny"].push_back(rule_json(r));
  for (const auto& l : layers_) {
    nlohmann::json rules = nlohmann::json::array();
    for (const auto& r : l.allow) rules.push_back(rule_json(r));
    out["allow_layers"].push_back({{"layer", l.name},
                                   {"constrains_read", l.constrains_read},
                                   {"constrains_write", l.constrains_write},
                                   {"allow", rules}});
  }
  return out;
}

}  // namespace agentsys::policy
