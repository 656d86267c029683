#pragma once
// The JSON Schemas of the reports domain's configuration folders, compiled in from schema/.

namespace agentsys::reports::checks {

/// One file of config/reports/ (a report definition).
extern const char* const kReportSchema;
/// One file of config/runbook/ (a runbook).
extern const char* const kRunbookSchema;

}  // namespace agentsys::reports::checks
