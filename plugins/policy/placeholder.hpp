#pragma once
// Placeholders in policy values: "${state_dir}/runs/${run_dir}". Values come from the plugin
// config's "vars" (fixed for the instance's life) and from a decide request's "vars" (per call,
// e.g. run_dir). A fixed value cannot be changed per call. A template whose placeholders are all
// fixed is expanded once, when the policy is built; the others are expanded on each decision.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace agentsys::policy {

/// A placeholder value: a string, or a list of strings (e.g. script_dirs) that expands to one
/// entry per element where the template is a whole list entry.
using VarValue = std::variant<std::string, std::vector<std::string>>;
using Vars = std::map<std::string, VarValue, std::less<>>;

/// Names the host is expected to provide; other names must be set in the config's "vars".
inline constexpr std::string_view kWellKnownVars[] = {
    "state_dir", "run_dir", "config_dir", "repo_root", "home", "output_dir", "script_dirs"};

/// Where a template's placeholders are looked up: fixed vars first, then per-call vars.
struct VarScope {
  const Vars* fixed = nullptr;
  const Vars* call = nullptr;
  [[nodiscard]] const VarValue* find(std::string_view name) const;
};

/// How a substituted value is written into the result.
enum class Escape { none, regex };

class Template {
 public:
  /// Parses `text`; on a syntax error (unclosed "${", bad name) returns nullopt and sets `error`.
  static std::optional<Template> parse(std::string_view text, std::string& error);

  [[nodiscard]] const std::string& source() const { return source_; }
  [[nodiscard]] const std::vector<std::string>& names() const { return names_; }
  [[nodiscard]] bool has_placeholders() const { return !names_.empty(); }
  /// True when every placeholder has a value in `fixed`.
  [[nodiscard]] bool resolvable_with(const Vars& fixed) const;
  /// True when the template is exactly one placeholder (so a list value may expand in place).
  [[nodiscard]] bool is_single_placeholder() const {
    return pieces_.size() == 1 && pieces_[0].is_var;
  }

  /// The expanded string, or nullopt when a placeholder has no value or names a list; then
  /// `missing` names it.
  [[nodiscard]] std::optional<std::string> expand(const VarScope& scope, Escape escape,
                                                  std::string& missing) const;
  /// Like expand, but a single-placeholder template naming a list yields every element.
  [[nodiscard]] std::optional<std::vector<std::string>> expand_list(const VarScope& scope,
                                                                    std::string& missing) const;

  /// What expand(scope, Escape::none, ...) would concatenate, without building it: calls
  /// `f(std::string_view)` with each literal piece and each placeholder's value, in order.
  /// Returns false when a placeholder has no string value (expand would return nullopt); `f` has
  /// then seen only the pieces before it.
  template <typename F>
  bool for_each_piece(const VarScope& scope, F&& f) const {
    for (const auto& piece : pieces_) {
      if (!piece.is_var) {
        f(std::string_view(piece.text));
        continue;
      }
      const VarValue* value = scope.find(piece.text);
      const auto* text = value != nullptr ? std::get_if<std::string>(value) : nullptr;
      if (text == nullptr) return false;
      f(std::string_view(*text));
    }
    return true;
  }

 private:
  struct Piece {
    bool is_var = false;
    std::string text;  // literal text, or the placeholder's name
  };
  std::string source_;
  std::vector<Piece> pieces_;
  std::vector<std::string> names_;
};

/// Escapes ECMAScript regex metacharacters so `text` matches literally.
[[nodiscard]] std::string regex_escape(std::string_view text);

}  // namespace agentsys::policy
