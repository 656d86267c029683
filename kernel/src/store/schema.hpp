#pragma once
// The state database's schema: an append-only list of migrations, tracked by user_version.
#include "store/sqlite.hpp"

namespace agentsys::schema {

/// The version this build migrates to.
int latest_version();

/// The database's current version.
int current_version(sqlite::Database& db);

/// Applies every missing migration, each in its own transaction (safe against a concurrent
/// migrator). Throws sqlite::Error when the database is newer than this build.
void migrate(sqlite::Database& db);

}  // namespace agentsys::schema
