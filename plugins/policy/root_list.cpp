#include "root_list.hpp"

#include "path_canon.hpp"

namespace agentsys::policy {

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
