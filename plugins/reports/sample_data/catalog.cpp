#include "catalog.hpp"

namespace agentsys::sample {

const std::vector<Tenant>& tenants() {
  static const std::vector<Tenant> kTenants = {
      {"acme", "Acme Logistics", "enterprise"},
      {"globex", "Globex Retail", "enterprise"},
      {"initech", "Initech Software", "enterprise"},
      {"umbrella", "Umbrella Health", "enterprise"},
      {"hooli", "Hooli Media", "business"},
      {"stark", "Stark Manufacturing", "business"},
      {"wayne", "Wayne Financial", "business"},
      {"wonka", "Wonka Foods", "business"},
      {"cyberdyne", "Cyberdyne Systems", "business"},
      {"tyrell", "Tyrell Biotech", "business"},
      {"soylent", "Soylent Nutrition", "business"},
      {"oscorp", "Oscorp Labs", "business"},
      {"vandelay", "Vandelay Industries", "business"},
      {"dunder", "Dunder Paper", "business"},
      {"gringotts", "Gringotts Bank", "starter"},
      {"monarch", "Monarch Airlines", "starter"},
      {"pied_piper", "Pied Piper", "starter"},
      {"massive", "Massive Dynamic", "starter"},
      {"nakatomi", "Nakatomi Trading", "starter"},
      {"octan", "Octan Energy", "starter"},
      {"prestige", "Prestige Worldwide", "starter"},
      {"quahog", "Quahog Cable", "starter"},
      {"rekall", "Rekall Travel", "starter"},
      {"sirius", "Sirius Cybernetics", "starter"},
      {"tessier", "Tessier-Ashpool", "starter"},
      {"ubik", "Ubik Consumer Goods", "starter"},
      {"veridian", "Veridian Dynamics", "starter"},
      {"weyland", "Weyland Logistics", "starter"},
      {"xanadu", "Xanadu Resorts", "starter"},
      {"yoyodyne", "Yoyodyne Propulsion", "starter"},
      {"zorg", "Zorg Industries", "starter"},
      {"aperture", "Aperture Science", "starter"},
      {"blackmesa", "Black Mesa Research", "starter"},
      {"choam", "CHOAM Shipping", "starter"},
      {"duff", "Duff Beverages", "starter"},
      {"ecorp", "E Corp", "starter"},
      {"fringe", "Fringe Analytics", "starter"},
      {"gekko", "Gekko Capital", "starter"},
      {"hanso", "Hanso Foundation", "starter"},
      {"ingen", "InGen Parks", "starter"},
  };
  return kTenants;
}

const std::array<ModuleProfile, kModuleCount>& modules() {
  static const std::array<ModuleProfile, kModuleCount> kModules = {{
      {Module::skill_router,
       "skill_router",
       0.55,
       900,
       0.55,
       30000,
       0.020,
       0.006,
       {{"skill_not_found", 0.3}, {"llm_rate_limited", 0.4}, {"invalid_input", 0.3}},
       "llm_upstream_error"},
      {Module::mcp_connector,
       "mcp_connector",
       0.30,
       320,
       0.85,
       20000,
       0.030,
       0.010,
       {{"tool_error", 0.5}, {"auth_expired", 0.2}, {"server_unavailable", 0.3}},
       "server_unavailable"},
      {Module::image_creator_hub,
       "image_creator_hub",
       0.15,
       7500,
       0.45,
       120000,
       0.025,
       0.008,
       {{"content_policy", 0.4}, {"provider_error", 0.4}, {"invalid_prompt", 0.2}},
       "provider_quota_exceeded"},
  }};
  return kModules;
}

const ModuleProfile& profile(Module m) { return modules()[static_cast<size_t>(m)]; }

const std::vector<std::string_view>& skills() {
  static const std::vector<std::string_view> kSkills = {
      "summarize_document", "draft_email",    "translate_text",  "answer_from_kb",
      "classify_ticket",    "extract_table",  "review_code",     "write_sql",
      "meeting_notes",      "plan_itinerary", "generate_slides", "legal_redline",
  };
  return kSkills;
}

const std::vector<McpServer>& mcp_servers() {
  static const std::vector<McpServer> kServers = {
      {"github", {"search_issues", "get_file", "create_pull_request"}},
      {"jira", {"search", "create_issue", "transition_issue"}},
      {"postgres", {"query", "describe_table"}},
      {"slack", {"post_message", "list_channels", "search_messages"}},
      {"web_search", {"search", "fetch_page"}},
      {"filesystem", {"read_file", "list_directory"}},
  };
  return kServers;
}

const std::vector<ImageModel>& image_models() {
  static const std::vector<ImageModel> kModels = {
      {"sdxl-turbo", 0.5, 0.010},
      {"dall-e-3", 0.3, 0.040},
      {"imagen-3", 0.2, 0.030},
  };
  return kModels;
}

const std::array<double, 24>& hourly_weights() {
  // Quiet nights, a morning ramp, a lunch dip, busy afternoons (UTC, European-heavy tenants).
  static const std::array<double, 24> kHours = {0.20, 0.15, 0.12, 0.12, 0.15, 0.25, 0.45, 0.80,
                                                1.00, 1.00, 0.95, 0.90, 0.70, 0.85, 1.00, 1.00,
                                                0.95, 0.80, 0.60, 0.45, 0.40, 0.35, 0.30, 0.25};
  return kHours;
}

const std::array<double, 7>& weekday_weights() {
  static const std::array<double, 7> kDays = {0.35, 1.0, 1.0, 1.0, 1.0, 0.95, 0.45};
  return kDays;
}

}  // namespace agentsys::sample
