#ifndef AGENTSYS_PLUGIN_BUILD_ID_H
#define AGENTSYS_PLUGIN_BUILD_ID_H
/* Force-included (-include) into every bundled plugin's sources: the SDK's AS_PLUGIN_BUILD_ID
 * hook (plugin.hpp, or a C plugin's descriptor) then reads the build id from the build_id
 * library instead of a per-commit -D, so a new commit recompiles no plugin source.
 * Out-of-tree plugins do not see this file; their build id stays as the SDK defaults it. */
#include "build_id/build_id.h"

#define AS_PLUGIN_BUILD_ID agentsys_build_id

#endif /* AGENTSYS_PLUGIN_BUILD_ID_H */
