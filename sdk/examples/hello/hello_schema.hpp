// The JSON Schema of one config/hello/*.toml file: the hello domain ships it in its plugins'
// descriptors (ABI 1.3 config folders), so the kernel checks the files without knowing them.
#pragma once

namespace hello {

// clang-format off
inline constexpr const char* kGreetingSchema = R"json({
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "required": ["greeting"],
  "properties": {
    "greeting": {"type": "string", "minLength": 1, "description": "what to say"},
    "audience": {"type": "string", "minLength": 1, "description": "to whom (default: world)"}
  },
  "additionalProperties": false
})json";
// clang-format on

}  // namespace hello
