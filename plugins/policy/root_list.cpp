#include "root_list.hpp"

#include "path_canon.hpp"

namespace agentsys::policy {

namespace {

/// Compares a root, fed in pieces, with a canonical path, as path_within(path, root) would,
/// while checking that the root is already canonical (is_canonical), i.e. that
/// canonicalize(root, false) would return it unchanged. Nothing is copied.
class RootStream {
 public:
  explicit RootStream(std::string_view path) : path_(path) {}

  void feed(std::string_view piece) {
    if (piece.empty()) return;
    prefix_ = prefix_ && size_ + piece.size() <= path_.size() &&
              path_.compare(size_, piece.size(), piece) == 0;
    if (size_ == 0 && piece[0] != '/') canonical_ = false;
    size_t pos = 0;
    while (true) {
      const size_t slash = piece.find('/', pos);
      const size_t end = slash == std::string_view::npos ? piece.size() : slash;
      for (size_t i = pos; i < end && dots_; ++i) dots_ = piece[i] == '.';
      component_ += end - pos;
      if (slash == std::string_view::npos) break;
      if (size_ + slash > 0) end_component();  // the leading '/' ends nothing
      component_ = 0;
      dots_ = true;
      pos = slash + 1;
    }
    size_ += piece.size();
    last_ = piece.back();
  }

  enum class Result { inside, outside, not_canonical };

  Result finish() {
    if (size_ == 1 && last_ == '/') return Result::inside;  // "/" holds every path
    if (size_ == 0 || last_ == '/' || size_ > kPathMax) return Result::not_canonical;
    end_component();
    if (!canonical_) return Result::not_canonical;
    const bool within = prefix_ && (path_.size() == size_ || path_[size_] == '/');
    return within ? Result::inside : Result::outside;
  }

 private:
  static constexpr size_t kPathMax = 4096;

  /// An empty component ("//"), "." or ".." would be rewritten.
  void end_component() {
    if (component_ == 0 || (dots_ && component_ <= 2)) canonical_ = false;
  }

  std::string_view path_;
  size_t size_ = 0;       // bytes fed
  size_t component_ = 0;  // bytes of the current component so far
  bool dots_ = true;      // the current component is all '.' so far
  bool canonical_ = true;
  bool prefix_ = true;  // the root so far is a prefix of path
  char last_ = 0;
};

enum class Lexical { inside, outside, unknown };

Lexical lexical(RootStream::Result r) {
  switch (r) {
    case RootStream::Result::inside: return Lexical::inside;
    case RootStream::Result::outside: return Lexical::outside;
    case RootStream::Result::not_canonical: break;
  }
  return Lexical::unknown;
}

/// Without the filesystem, a root template whose expansion is already canonical is compared
/// with `path` piece by piece, so the common `${run_dir}` root costs no allocation. `unknown`
/// sends the caller the general way (expand, canonicalize, compare): a placeholder without a
/// value, or a root that canonicalisation would change.
Lexical lexical_contains(const Template& t, std::string_view path, const VarScope& scope) {
  auto one = [&](std::string_view root) {
    RootStream s(path);
    s.feed(root);
    return s.finish();
  };
  if (t.is_single_placeholder()) {
    const VarValue* value = scope.find(t.names().front());
    if (value == nullptr) return Lexical::unknown;
    if (const auto* text = std::get_if<std::string>(value)) return lexical(one(*text));
    // A list: one root per element.
    bool all_canonical = true;
    for (const auto& root : std::get<std::vector<std::string>>(*value)) {
      const RootStream::Result r = one(root);
      if (r == RootStream::Result::inside) return Lexical::inside;
      all_canonical = all_canonical && r == RootStream::Result::outside;
    }
    return all_canonical ? Lexical::outside : Lexical::unknown;
  }
  RootStream s(path);
  if (!t.for_each_piece(scope, [&](std::string_view piece) { s.feed(piece); })) {
    return Lexical::unknown;
  }
  return lexical(s.finish());
}

}  // namespace

void RootList::add(const std::vector<TemplateField>& fields, const Vars& fixed) {
  const VarScope scope{&fixed, nullptr};
  for (const auto& f : fields) {
    if (!f.value.resolvable_with(fixed)) {
      dynamic_.push_back(f.value);
      continue;
    }
    std::string missing;
    auto expanded = f.value.expand_list(scope, missing);
    if (!expanded) continue;
    for (const auto& root : *expanded) {
      CanonResult c = canonicalize(root, true);
      if (c.status == CanonStatus::ok) fixed_.push_back(std::move(c.path));
      // A root that cannot be canonicalised (relative list element, unreadable) grants nothing.
    }
  }
}

RootList::Match RootList::contains(std::string_view path, const VarScope& scope,
                                   bool use_filesystem, std::string& missing) const {
  for (const auto& root : fixed_) {
    if (path_within(path, root)) return Match::inside;
  }
  bool skipped = false;
  for (const auto& t : dynamic_) {
    if (!use_filesystem) {
      const Lexical l = lexical_contains(t, path, scope);
      if (l == Lexical::inside) return Match::inside;
      if (l == Lexical::outside) continue;
    }
    std::string why;
    auto expanded = t.expand_list(scope, why);
    if (!expanded) {
      skipped = true;
      missing = why;
      continue;
    }
    for (const auto& root : *expanded) {
      CanonResult c = canonicalize(root, use_filesystem);
      if (c.status == CanonStatus::ok && path_within(path, c.path)) return Match::inside;
    }
  }
  return skipped ? Match::unresolved : Match::outside;
}

nlohmann::json RootList::to_json() const {
  auto out = nlohmann::json::array();
  for (const auto& r : fixed_) out.push_back(r);
  for (const auto& t : dynamic_) out.push_back(t.source());
  return out;
}

}  // namespace agentsys::policy
