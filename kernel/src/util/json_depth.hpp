#pragma once
// How deeply JSON text nests, found in one pass without recursion. The JSON library's printer
// recurses once per level, so text from outside (task input, batch lines, plugin output) is
// held to a depth limit before it is parsed and printed (docs/configuration.md, "Limits").
#include <cstddef>
#include <string_view>

namespace agentsys {

/// Arrays and objects may nest this deep in task input...
inline constexpr size_t kMaxJsonDepth = 64;
/// ...and this deep in plugin output (which often wraps its input).
inline constexpr size_t kMaxOutputDepth = 2 * kMaxJsonDepth;
/// A task's input may be this large unless its module or [runner] says otherwise.
inline constexpr size_t kDefaultMaxInputBytes = 16 * 1024 * 1024;

/// The deepest nesting of arrays and objects in `text` (brackets inside strings do not
/// count), or `stop_above + 1` as soon as it is exceeded. `text` need not be valid JSON.
size_t json_depth(std::string_view text, size_t stop_above = kMaxJsonDepth);

}  // namespace agentsys
