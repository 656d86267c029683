/* demo_v1: the V1 side of the demo module, in plain C against abi.h only.
 * Action "run" echoes the task input: {"impl":"v1","plugin":"demo_v1","input":<input>}. */
#include <agentsys/abi.h>

#include <stdlib.h>
#include <string.h>

struct as_instance {
  const as_host_api* host;
  as_host_ctx* ctx;
};

static void write_cstr(as_writer* w, const char* s) { as_write(w, s, strlen(s)); }

static as_status demo_create(const as_host_api* host, as_host_ctx* ctx, as_str config,
                             as_instance** out, as_writer* err) {
  as_instance* self = (as_instance*)calloc(1, sizeof(as_instance));
  (void)config;
  if (self == NULL) {
    write_cstr(err, "out of memory");
    return AS_ERR_INTERNAL;
  }
  self->host = host;
  self->ctx = ctx;
  *out = self;
  return AS_OK;
}

static int is_action(const as_call* call, const char* name) {
  size_t n = strlen(name);
  return call->action.len == n && memcmp(call->action.ptr, name, n) == 0;
}

static as_status demo_invoke(as_instance* self, const as_call* call, as_writer* out,
                             as_writer* err) {
  static const char kMessage[] = "demo_v1 served a call";
  if (!is_action(call, "run")) {
    write_cstr(err, "demo_v1: unknown action (supported: run)");
    return AS_ERR_UNSUPPORTED;
  }
  /* The kernel validated input_json as JSON before routing the call, so it embeds as-is. */
  write_cstr(out, "{\"impl\":\"v1\",\"plugin\":\"demo_v1\",\"input\":");
  as_write(out, call->input_json.ptr, call->input_json.len);
  write_cstr(out, "}");
  if (self->host->log != NULL) {
    as_str msg = {kMessage, sizeof kMessage - 1};
    self->host->log(self->ctx, call, AS_LOG_DEBUG, msg);
  }
  return AS_OK;
}

static void demo_destroy(as_instance* self) { free(self); }

/* Designated initializers: hooks appended in later ABI minors stay NULL. */
static const as_plugin_vtable kVtable = {.struct_size = sizeof(as_plugin_vtable),
                                         .on_create = demo_create,
                                         .on_invoke = demo_invoke,
                                         .on_destroy = demo_destroy};

static const char* const kModules[] = {"demo"};

AS_PLUGIN_EXPORT as_status as_plugin_entry(const as_host_api* host, as_plugin_descriptor* out) {
  as_plugin_descriptor d;
  (void)host;
  memset(&d, 0, sizeof d);
  d.struct_size = sizeof d;
  d.abi_major = AS_ABI_VERSION_MAJOR;
  d.abi_minor = 0;
  d.name = "demo_v1";
  d.version = "1.0.0";
  d.description = "Demo module, legacy side (plain C): echoes the task input";
  d.kind = AS_PLUGIN_KIND_DOMAIN;
  d.impl = AS_IMPL_V1;
  d.modules = kModules;
  d.module_count = 1;
  d.flags = AS_PLUGIN_THREAD_SAFE;
#ifdef AS_PLUGIN_BUILD_ID
  d.build_id = AS_PLUGIN_BUILD_ID;
#endif
  d.vtable = &kVtable;
  return as_plugin_descriptor_fill(out, &d);
}
