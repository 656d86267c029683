// The hello domain: a domain the kernel has never seen, built against the installed SDK.
//
// Module "hello", action "run": input {"greeting": NAME} picks config/hello/NAME.toml and
// answers {"greeting": NAME, "text": "<greeting>, <audience>!"}. hello_v1 (the "legacy" side)
// and hello_v2 (the native side) answer the same, so a shadow run reconciles them cleanly.
// Both declare the configuration folder hello/ with its schema and check it for preflight;
// hello_v2 also serves `agentsys hello list`.
#pragma once

#include <agentsys/plugin.hpp>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "hello_schema.hpp"

namespace hello {

using json = nlohmann::json;

/// Preflight's check beyond the schema: a greeting must not say goodbye (rule hello.greeting).
inline std::string validate(std::string_view request) {
  const json r = json::parse(request);
  json problems = json::array();
  const json greetings = r["config"].value("hello", json::object());
  for (const auto& [stem, g] : greetings.items()) {
    const std::string text = g.value("greeting", "");
    if (text.find("bye") != std::string::npos) {
      problems.push_back({{"path", "/hello/" + stem + "/greeting"},
                          {"rule", "hello.greeting"},
                          {"message", "a greeting must not say goodbye: '" + text + "'"}});
    }
  }
  return json{{"problems", problems}, {"summary", {{"hello_greetings", greetings.size()}}}}.dump();
}

/// The module's behaviour, shared by both sides.
class Greeter {
 public:
  explicit Greeter(std::string_view config_json) {
    const json c = json::parse(config_json.empty() ? std::string_view("{}") : config_json);
    const json greetings = c.value("hello", json::object());  // outlives the loop
    for (const auto& [stem, g] : greetings.items()) {
      greetings_[stem] = g.value("greeting", "") + ", " + g.value("audience", "world") + "!";
    }
  }
  static std::string validate_config(agentsys::Host, std::string_view request) {
    return validate(request);
  }
  std::string invoke(const agentsys::Call& call) {
    const json in = json::parse(call.input(), nullptr, false);
    if (!in.is_object() || !in.value("greeting", json()).is_string()) {
      throw agentsys::Error(AS_ERR_INVALID_INPUT, "hello: input needs {\"greeting\": NAME}");
    }
    const std::string name = in["greeting"];
    auto it = greetings_.find(name);
    if (it == greetings_.end()) {
      throw agentsys::Error(AS_ERR_NOT_FOUND, "hello: no config/hello/" + name + ".toml");
    }
    return json{{"greeting", name}, {"text", it->second}}.dump();
  }

 protected:
  std::map<std::string, std::string> greetings_;
};

}  // namespace hello
