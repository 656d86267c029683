#ifndef AGENTSYS_BUILD_ID_H
#define AGENTSYS_BUILD_ID_H
/* The build id of the kernel and the bundled plugins: the git commit they were built from
 * ("unknown" outside a git checkout). Defined in the build tree's generated build_id.c
 * (tools/build_id/CMakeLists.txt), the only file that changes when the commit does. */
#ifdef __cplusplus
extern "C" {
#endif

extern const char agentsys_build_id[];

#ifdef __cplusplus
}
#endif

#endif /* AGENTSYS_BUILD_ID_H */
