#ifndef AGENTSYS_TEST_PATHS_H
#define AGENTSYS_TEST_PATHS_H
/* Paths the tests need: the agentsys executable, the bundled plugin and fixture directories,
 * the source tree. They are defined in the build tree's generated test_paths.c
 * (tests/CMakeLists.txt) rather than passed as -D on every test source, so that the test
 * sources compile identically in every clone and ccache reuses them across clone folders. */
#ifdef __cplusplus
extern "C" {
#endif

extern const char agentsys_test_bin[];
extern const char agentsys_test_plugin_dir[];
extern const char agentsys_test_fixture_dir[];
extern const char agentsys_test_source_dir[];

#ifdef __cplusplus
}
#endif

#define AGENTSYS_TEST_BIN agentsys_test_bin
#define AGENTSYS_TEST_PLUGIN_DIR agentsys_test_plugin_dir
#define AGENTSYS_TEST_FIXTURE_DIR agentsys_test_fixture_dir
#define AGENTSYS_TEST_SOURCE_DIR agentsys_test_source_dir

#endif /* AGENTSYS_TEST_PATHS_H */
