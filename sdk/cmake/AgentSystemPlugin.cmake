# agentsys_add_plugin(<name> SOURCES <src>... [OUTPUT_DIRECTORY <dir>])
#
# Builds an AgentSystem plugin: a MODULE library named exactly <name>.so (no "lib" prefix),
# with hidden visibility so that only as_plugin_entry is exported. The kernel refuses a
# plugin whose file name differs from the name in its descriptor, so <name> must be the
# name the plugin declares (by convention <module>_<v1|v2>, e.g. report_orchestrator_v2).
include_guard(GLOBAL)

function(agentsys_add_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "agentsys_add_plugin(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE AgentSystemSDK::sdk)
  get_property(_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if("CXX" IN_LIST _languages)
    target_compile_features(${name} PRIVATE cxx_std_20)  # plugin.hpp is C++20
  endif()
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${name}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # GCC marks template statics STB_GNU_UNIQUE, which makes glibc refuse to unload the library:
  # a hot-reloaded C++ plugin would then keep its first build mapped and share its statics.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${name} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fno-gnu-unique>)
  endif()
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  endif()
endfunction()
