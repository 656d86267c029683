/**
 * @file abi.h
 * @brief The AgentSystem plugin ABI: the only contract between the kernel and a plugin.
 *
 * Pure C (C99). Plugins may be written in C, C++ (see plugin.hpp), Rust or anything else
 * that can export a C function. No C++ type, exception, STL object or allocator crosses
 * this boundary: only integers, doubles, `as_str` views and opaque handles.
 *
 * NAME FAMILIES
 *   - `as_*`             types (`as_str`, `as_call`, `as_plugin_descriptor`, ...) and the
 *                        inline helpers (`as_write`, `as_plugin_descriptor_fill`)
 *   - `AS_*`             macros and enum values
 *   - `on_*`             plugin hooks: fields of `as_plugin_vtable`, called by the kernel
 *   - host functions     fields of `as_host_api`, called by the plugin
 *
 * ENTRY POINT
 *   A plugin is a shared library exporting exactly one symbol, `as_plugin_entry`
 *   (type `as_plugin_entry_fn`). The kernel calls it once after loading; it fills a
 *   descriptor naming the plugin, what it serves, and its vtable.
 *
 * VERSIONING
 *   - `AS_ABI_VERSION_MAJOR` must match exactly; the kernel refuses any other major and says
 *     which two versions it saw.
 *   - Minor versions only append: every ABI struct starts with `uint32_t struct_size`, new
 *     fields are added only at the end, and a reader checks `AS_HAS_FIELD` before touching a
 *     field newer than the oldest writer it accepts. Nobody copies a blind `sizeof`.
 *   - The first three fields of `as_plugin_descriptor` (struct_size, abi_major, abi_minor)
 *     keep their offsets in every future major, so a mismatch is always detected and named.
 *
 * OWNERSHIP
 *   - `as_str` passed into a hook or host function is borrowed for that call only.
 *   - Results and error texts are never returned as buffers: they are appended to a
 *     host-owned `as_writer`, so no memory is ever freed on the wrong side.
 *   - `as_instance` is created by `on_create` and released only by `on_destroy`.
 *   - Descriptor strings and the vtable are owned by the plugin and must stay valid until
 *     the library is unloaded (static storage).
 *
 * ERRORS
 *   Functions return `as_status`: `AS_OK` (0) or a negative `AS_ERR_*` code, with a
 *   human-readable explanation appended to the `err` writer when one is passed.
 */
#ifndef AGENTSYS_ABI_H
#define AGENTSYS_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Major ABI version. Bumped on any incompatible change; must match the kernel's exactly. */
#define AS_ABI_VERSION_MAJOR 1
/** Minor ABI version. Bumped when fields or functions are appended. */
#define AS_ABI_VERSION_MINOR 3

/** Name of the single symbol every plugin exports. */
#define AS_PLUGIN_ENTRY_SYMBOL "as_plugin_entry"

/** Marks a symbol as exported from a plugin built with hidden visibility. */
#if defined(_WIN32)
#define AS_PLUGIN_EXPORT __declspec(dllexport)
#else
#define AS_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/**
 * True when the struct at `ptr` (which starts with `struct_size`) is large enough to hold
 * `field`. Use before reading any field added after ABI 1.0.
 */
#define AS_HAS_FIELD(ptr, type, field) \
  ((ptr) != NULL && (ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

/* ------------------------------------------------------------------------------------------ */
/* Status codes                                                                                */
/* ------------------------------------------------------------------------------------------ */

/** Result of every fallible call. Added in ABI 1.0. */
typedef int32_t as_status;

/** Status values. Negative values are errors; the kernel maps them to documented codes. */
enum {
  AS_OK = 0,                  /**< Success. */
  AS_ERR_INTERNAL = -1,       /**< Bug or unexpected exception inside the plugin. */
  AS_ERR_INVALID_INPUT = -2,  /**< The request (input JSON, action, config) is malformed. */
  AS_ERR_UNSUPPORTED = -3,    /**< Unknown action, or a host service that is not offered. */
  AS_ERR_CANCELLED = -4,      /**< The call was cancelled (see `is_cancelled`). */
  AS_ERR_TIMEOUT = -5,        /**< A deadline passed. */
  AS_ERR_POLICY_DENIED = -6,  /**< Policy refused a side effect. */
  AS_ERR_NEEDS_APPROVAL = -7, /**< Policy requires a human approval first. */
  AS_ERR_UNAVAILABLE = -8,    /**< An upstream dependency is down; retrying may succeed. */
  AS_ERR_NOT_FOUND = -9       /**< A named thing (file, row, tool) does not exist. */
};

/* ------------------------------------------------------------------------------------------ */
/* Basic types                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/**
 * A borrowed UTF-8 byte range. Not NUL-terminated in general.
 * OWNERSHIP: borrowed; valid only for the duration of the call it is passed to.
 */
typedef struct as_str {
  const char* ptr;
  size_t len;
} as_str;

/**
 * A host-owned sink for bytes (a result JSON, an error message). Call `write` any number of
 * times; the pieces are concatenated. Added in ABI 1.0.
 * OWNERSHIP: owned by the host; the plugin only calls `write` during the call it received it in.
 */
typedef struct as_writer {
  uint32_t struct_size;
  void* ctx;
  void (*write)(void* ctx, const char* ptr, size_t len);
} as_writer;

/** What a plugin is for. */
typedef enum as_plugin_kind {
  AS_PLUGIN_KIND_DOMAIN = 1,    /**< Serves one or more business modules (reports, skills...). */
  AS_PLUGIN_KIND_POLICY = 2,    /**< Decides whether side effects are allowed. */
  AS_PLUGIN_KIND_TELEMETRY = 3, /**< Receives logs, metrics and events. */
  AS_PLUGIN_KIND_LINEAGE = 4    /**< Records what produced each output. */
} as_plugin_kind;

/** Which side of the migration a domain plugin implements. */
typedef enum as_impl {
  AS_IMPL_NONE = 0, /**< Cross-cutting plugins (policy, telemetry, lineage). */
  AS_IMPL_V1 = 1,   /**< Wrapper around the legacy (V1) implementation. */
  AS_IMPL_V2 = 2    /**< Native V2 implementation. */
} as_impl;

/** Descriptor flags. */
enum {
  /** The plugin's hooks may be called concurrently on one instance. Without it the kernel
   *  serialises calls to the instance. */
  AS_PLUGIN_THREAD_SAFE = 1u << 0
};

/** Log levels for `as_host_api.log`. */
typedef enum as_log_level {
  AS_LOG_DEBUG = 0,
  AS_LOG_INFO = 1,
  AS_LOG_WARN = 2,
  AS_LOG_ERROR = 3
} as_log_level;

/** Opaque handle to a plugin instance, created by `on_create`. */
typedef struct as_instance as_instance;

/** Opaque handle identifying, to the host, the plugin instance that calls a host function. */
typedef struct as_host_ctx as_host_ctx;

/* ------------------------------------------------------------------------------------------ */
/* A call                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/** `as_call.flags`: side effects must be recorded as "would do", never performed. */
#define AS_CALL_DRY_RUN (1u << 0)

/**
 * One invocation of a plugin: what to do, on what input, and the task context it belongs to.
 * Added in ABI 1.0.
 * OWNERSHIP: borrowed for the duration of `on_invoke`; pass the same pointer to host
 * functions so the host can attribute, police and cancel what the plugin does.
 */
typedef struct as_call {
  uint32_t struct_size;
  uint32_t flags;           /**< `AS_CALL_*` bits. */
  as_str module;            /**< Module id the task was routed to, e.g. "report_orchestrator". */
  as_str action;            /**< Action within the module, e.g. "run". */
  as_str input_json;        /**< The task input, a UTF-8 JSON document. */
  as_str trace_id;          /**< W3C trace id (32 lowercase hex chars), or empty. */
  as_str run_id;            /**< Kernel run id, or empty. */
  as_str task_id;           /**< Kernel task id, or empty. */
  uint32_t attempt;         /**< 1 for the first attempt, 2 for the first retry, ... */
  int64_t deadline_unix_ms; /**< Wall-clock deadline in ms since the epoch; 0 when none. */
} as_call;

/* ------------------------------------------------------------------------------------------ */
/* Host API                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/**
 * Signature shared by every side-effect service of the host (commands, SQL, files, HTTP,
 * policy checks). The request and the response are JSON documents whose shapes are
 * documented per service in docs/sdk/.
 * @param ctx     the `as_host_ctx` given to `on_create`
 * @param call    the call being served (required: side effects are attributed to a run)
 * @param request the request JSON
 * @param out     receives the response JSON on success
 * @param err     receives an explanation on failure
 * @return AS_OK, or AS_ERR_POLICY_DENIED / AS_ERR_NEEDS_APPROVAL / ... on failure
 * OWNERSHIP: `request` borrowed; `out` and `err` host-owned.
 */
typedef as_status (*as_host_service_fn)(as_host_ctx* ctx, const as_call* call, as_str request,
                                        as_writer* out, as_writer* err);

/**
 * Where `http_stream` delivers a response as it arrives (e.g. MCP's Streamable HTTP answering
 * with Server-Sent Events). The host calls `on_head` once, when the final response's status and
 * headers are known (after any redirects), then `on_chunk` for each piece of the body in order,
 * on the thread that called `http_stream`, before `http_stream` returns. Chunk boundaries are
 * where the network delivered bytes, not event or line boundaries: the plugin reassembles.
 * Added in ABI 1.3.
 * OWNERSHIP: owned by the plugin and borrowed by the host for the duration of `http_stream`;
 * the `as_str` given to a callback is valid only during that callback.
 */
typedef struct as_http_sink {
  uint32_t struct_size;
  void* user; /**< Passed back to the callbacks unchanged. */
  /**
   * Optional (may be NULL). The response head as JSON: {"status": 200, "headers": {...},
   * "url": "<final url>"}. Return 0 to receive the body, non-zero to stop before it.
   */
  int (*on_head)(void* user, as_str head_json);
  /**
   * Required. The next piece of the body (never empty). Return 0 to continue, non-zero to stop
   * the transfer: `http_stream` then returns AS_OK with "stopped": true in its summary.
   */
  int (*on_chunk)(void* user, as_str bytes);
} as_http_sink;

/**
 * Functions the host offers a plugin. Passed to `as_plugin_entry` and `on_create`; valid until
 * `on_destroy` returns. Fields are only ever appended. Added in ABI 1.0.
 *
 * The side-effect services (`run_command` ... `policy_check`) are versioned slots: a host
 * that does not offer a service leaves it NULL, so always check the pointer (the C++ helper
 * does). Plugins must perform side effects through these services, never directly: the host
 * enforces policy, honours dry-run and records each one.
 */
typedef struct as_host_api {
  uint32_t struct_size;
  uint32_t abi_major; /**< The kernel's AS_ABI_VERSION_MAJOR. */
  uint32_t abi_minor; /**< The kernel's AS_ABI_VERSION_MINOR. */

  /**
   * Writes one log record. `level` is an `as_log_level` (passed as a fixed-width integer, since
   * C enums vary in size). `call` may be NULL outside a call. Never fails.
   */
  void (*log)(as_host_ctx* ctx, const as_call* call, int32_t level, as_str message);

  /**
   * Records a metric sample. `labels_json` is a flat JSON object of string labels, or empty.
   * `call` may be NULL. Never fails.
   */
  void (*emit_metric)(as_host_ctx* ctx, const as_call* call, as_str name, double value,
                      as_str labels_json);

  /**
   * Returns non-zero once the kernel wants `call` to stop (timeout, cancel, shutdown).
   * Long-running plugins poll it and return AS_ERR_CANCELLED. Never fails.
   */
  int (*is_cancelled)(as_host_ctx* ctx, const as_call* call);

  /** Run a command (argv, env, cwd, timeout) under policy. NULL when not offered. */
  as_host_service_fn run_command;
  /** Run one SQL statement against a configured database under policy. NULL when not offered. */
  as_host_service_fn run_sql;
  /** Read a file under policy. NULL when not offered. */
  as_host_service_fn read_file;
  /** Write a file under policy (dry-run aware). NULL when not offered. */
  as_host_service_fn write_file;
  /** Make an HTTP/1.1 request under policy; the whole body comes back in the response JSON
   *  (docs/sdk/http.md). Offered from ABI 1.3 (NULL in 1.0-1.2 kernels); NULL when not offered. */
  as_host_service_fn http_request;
  /** Ask policy for a decision without acting. NULL when not offered. */
  as_host_service_fn policy_check;

  /* ---- ABI 1.1 ---- check AS_HAS_FIELD(host, as_host_api, submit_task) first. */

  /** Submit a task to the kernel's runner (a scheduler's jobs), under action policy. Added in
   *  ABI 1.1; NULL when not offered. */
  as_host_service_fn submit_task;

  /* ---- ABI 1.2 ---- check AS_HAS_FIELD(host, as_host_api, query_runs) first. */

  /** Read the kernel's own run records (recent runs of a module: status, error code, input,
   *  idempotency key, attempts), e.g. a remediation runner finding failed jobs. Read-only and
   *  answered in dry-run too. Added in ABI 1.2; NULL when not offered. */
  as_host_service_fn query_runs;

  /* ---- ABI 1.3 ---- check AS_HAS_FIELD(host, as_host_api, http_stream) first. */

  /**
   * Makes an HTTP request under policy, like `http_request`, and delivers the response body
   * incrementally through `sink` instead of in the response JSON. The same request JSON, policy
   * (every redirect hop is decided), dry-run and shadow rules, caps, deadline and cancellation
   * apply (docs/sdk/http.md). Added in ABI 1.3; NULL when not offered.
   * @param ctx     the `as_host_ctx` given to `on_create`
   * @param call    the call being served (required)
   * @param request the request JSON (method, url, headers, body, timeout_ms, ...)
   * @param sink    receives the head and the body chunks; `on_chunk` must not be NULL
   * @param out     on AS_OK, a summary JSON: status, headers, bytes, latency_ms, stopped, ...;
   *                under dry-run or shadow, for a method that is not GET or HEAD, the
   *                "would do" answer (the sink is never called)
   * @param err     receives an explanation on failure
   * @return AS_OK (also for HTTP error statuses and a sink that stopped), AS_ERR_POLICY_DENIED,
   *         AS_ERR_TIMEOUT, AS_ERR_CANCELLED (the call was cancelled mid-stream),
   *         AS_ERR_UNAVAILABLE (connection refused or reset), AS_ERR_INVALID_INPUT (malformed
   *         request, or "response_too_large": the body passed max_response_bytes)
   * OWNERSHIP: `request` and `sink` borrowed for the call; `out` and `err` host-owned.
   */
  as_status (*http_stream)(as_host_ctx* ctx, const as_call* call, as_str request,
                           const as_http_sink* sink, as_writer* out, as_writer* err);
} as_host_api;

/* ------------------------------------------------------------------------------------------ */
/* Plugin hooks                                                                                */
/* ------------------------------------------------------------------------------------------ */

/**
 * The plugin's hooks. `on_create`, `on_invoke` and `on_destroy` are required; the kernel
 * refuses a plugin where any of them is NULL. The others are optional. Added in ABI 1.0.
 */
typedef struct as_plugin_vtable {
  uint32_t struct_size;

  /**
   * Creates an instance.
   * @param host        host functions, valid until `on_destroy` of this instance returns
   * @param ctx         identifies this instance to the host; pass it to every host function
   * @param config_json the instance's configuration (a JSON object, "{}" when none)
   * @param out_instance receives the new instance on AS_OK
   * @param err         receives an explanation on failure
   * OWNERSHIP: the instance belongs to the plugin; the kernel releases it with `on_destroy`.
   */
  as_status (*on_create)(const as_host_api* host, as_host_ctx* ctx, as_str config_json,
                         as_instance** out_instance, as_writer* err);

  /**
   * Serves one call. Writes the result JSON to `out` on AS_OK, an explanation to `err`
   * otherwise. Must not throw or longjmp across the boundary.
   */
  as_status (*on_invoke)(as_instance* instance, const as_call* call, as_writer* out,
                         as_writer* err);

  /** Releases an instance. Called once, after the last `on_invoke` on it has returned. */
  void (*on_destroy)(as_instance* instance);

  /**
   * Optional. Called when the instance has been unbound (hot swap); calls still in flight
   * continue. The plugin stops background work it started. May be NULL.
   */
  void (*on_quiesce)(as_instance* instance);

  /**
   * Optional. Serialises the instance's state (JSON) so a replacement instance, e.g. a newer
   * build of the same plugin, can continue from it. May be NULL.
   */
  as_status (*on_export_state)(as_instance* instance, as_writer* out, as_writer* err);

  /** Optional. Restores state produced by `on_export_state` of a previous instance. */
  as_status (*on_import_state)(as_instance* instance, as_str state_json, as_writer* err);

  /* ---- ABI 1.3 ---- the kernel reads these only when AS_HAS_FIELD(vt, ..., field). */

  /**
   * Optional. Checks the configuration beyond what the folders' JSON Schemas can say (names
   * that must match across files, SQL that policy must allow, ...). Called by `agentsys
   * preflight` without an instance: it must not act, only look. Added in ABI 1.3.
   * @param host    host functions (`log` only; no call is in progress)
   * @param request {"env": NAME, "config": the effective configuration tree,
   *                 "modules_served": [module ids served by loaded plugins],
   *                 "error_codes": [error codes a run can end with]}
   * @param out     receives {"problems": [{"path": JSON pointer into "config", "rule": ID,
   *                "message": TEXT}], "policy_checks": [{"path", "kind", "input", "context",
   *                "rule"}], "summary": {...}}: the kernel locates each problem at the file and
   *                line its path came from, asks policy each check (a denial becomes a problem
   *                at its path) and shows the summary in `preflight --json`
   * @param err     receives an explanation when the check itself could not run
   * @return AS_OK (problems are reported in `out`, not as a status)
   * OWNERSHIP: `request` borrowed; `out` and `err` host-owned.
   */
  as_status (*on_validate_config)(const as_host_api* host, as_str request, as_writer* out,
                                  as_writer* err);

  /**
   * Optional. Runs one of the CLI commands the descriptor declares (`agentsys NOUN VERB ...`).
   * `call->action` is "NOUN VERB", `call->input_json` is {"noun", "verb", "args": [the
   * arguments after VERB], "env", "config_dir", "state_dir"}; `call->run_id` is empty (a
   * command is not a run) but host services are attributed to the call and under policy.
   * Added in ABI 1.3.
   * @param out           receives what the command prints on standard output
   * @param err           receives what it prints on standard error
   * @param out_exit_code receives the process exit code on AS_OK (preset to 0)
   * @return AS_OK; AS_ERR_INVALID_INPUT for a usage error (the kernel prints `err` and exits
   *         2); any other error exits 1 with `err`
   * OWNERSHIP: `out`, `err` and `out_exit_code` host-owned, valid for the call.
   */
  as_status (*on_command)(as_instance* instance, const as_call* call, as_writer* out,
                          as_writer* err, int32_t* out_exit_code);
} as_plugin_vtable;

/* ------------------------------------------------------------------------------------------ */
/* What a plugin adds to the kernel (ABI 1.3): configuration folders and CLI commands          */
/* ------------------------------------------------------------------------------------------ */

/**
 * A configuration folder the plugin reads: every TOML file directly in `config/<name>/` is
 * checked against `schema_json` and merged into the effective configuration under
 * `/<name>/<file stem>`. Several plugins may declare the same folder (a module's V1 and V2 both
 * read it) with the same schema. Added in ABI 1.3. OWNERSHIP: plugin-owned, static storage.
 */
typedef struct as_config_folder {
  uint32_t struct_size;
  const char* name;        /**< [a-z][a-z0-9_]*, not a kernel folder (env, modules, routes,
                                policy, schema). */
  const char* schema_json; /**< JSON Schema (draft 7) one file must hold; NULL for none. */
} as_config_folder;

/**
 * A CLI command the plugin serves through `on_command`: `agentsys NOUN VERB [ARGS...]`, listed
 * in `agentsys --help`. Added in ABI 1.3.
 * OWNERSHIP: plugin-owned, static storage.
 */
typedef struct as_command_spec {
  uint32_t struct_size;
  const char* noun;    /**< e.g. "sample"; must not be a kernel noun. */
  const char* verb;    /**< e.g. "generate"; "" when the noun alone is the command. */
  const char* usage;   /**< e.g. "agentsys sample generate --db PATH [--json]". */
  const char* summary; /**< One sentence for `agentsys --help`. */
} as_command_spec;

/* ------------------------------------------------------------------------------------------ */
/* Descriptor and entry point                                                                  */
/* ------------------------------------------------------------------------------------------ */

/**
 * What a plugin is. Filled by `as_plugin_entry`. Added in ABI 1.0.
 * OWNERSHIP: every pointer is owned by the plugin and must stay valid while it is loaded.
 */
typedef struct as_plugin_descriptor {
  uint32_t struct_size;
  uint32_t abi_major;         /**< AS_ABI_VERSION_MAJOR the plugin was compiled against. */
  uint32_t abi_minor;         /**< Minimum kernel minor version the plugin needs. */
  const char* name;           /**< Unique plugin name; must equal the file name's stem. */
  const char* version;        /**< The plugin's own version, e.g. "2.1.0". */
  const char* description;    /**< One line for `agentsys plugins list`. May be NULL. */
  uint32_t kind;              /**< An `as_plugin_kind` (fixed width: C enums vary in size). */
  uint32_t impl;              /**< An `as_impl`: AS_IMPL_V1 / AS_IMPL_V2 for domain plugins. */
  const char* const* modules; /**< Module ids served (domain plugins: at least one). */
  size_t module_count;
  uint32_t flags;       /**< `AS_PLUGIN_*` flags. */
  const char* build_id; /**< Identifies the exact build (e.g. a git commit). May be NULL. */
  const as_plugin_vtable* vtable;

  /* ---- ABI 1.3 ---- read only when AS_HAS_FIELD(d, as_plugin_descriptor, field). */

  const as_config_folder* config_folders; /**< Folders the plugin reads. Added in ABI 1.3. */
  size_t config_folder_count;
  const as_command_spec* commands; /**< Commands `on_command` serves. Added in ABI 1.3. */
  size_t command_count;
} as_plugin_descriptor;

/**
 * The one symbol a plugin exports, named `as_plugin_entry`.
 * @param host host functions (only `log` is meaningful at this point; no call is in progress)
 * @param out  a descriptor whose `struct_size` the kernel has set to the size it knows; the
 *             plugin fills at most that many bytes (see `as_plugin_descriptor_fill`) and sets
 *             `struct_size` to the number it filled
 * @return AS_OK, or an error if the plugin cannot run with this host
 *
 * Example (C):
 * @code
 *   static const as_plugin_vtable vt = {.struct_size = sizeof(as_plugin_vtable),
 *                                       .on_create = my_create, .on_invoke = my_invoke,
 *                                       .on_destroy = my_destroy};
 *   static const char* const mods[] = {"demo"};
 *   AS_PLUGIN_EXPORT as_status as_plugin_entry(const as_host_api* host,
 *                                              as_plugin_descriptor* out) {
 *     as_plugin_descriptor d = {sizeof d, AS_ABI_VERSION_MAJOR, AS_ABI_VERSION_MINOR,
 *                               "demo_v1", "1.0.0", "Demo", AS_PLUGIN_KIND_DOMAIN,
 *                               AS_IMPL_V1, mods, 1, AS_PLUGIN_THREAD_SAFE, NULL, &vt};
 *     (void)host;
 *     return as_plugin_descriptor_fill(out, &d);
 *   }
 * @endcode
 */
typedef as_status (*as_plugin_entry_fn)(const as_host_api* host, as_plugin_descriptor* out);

/**
 * Copies `src` into the kernel-provided `out`, never writing more than `out->struct_size`
 * bytes, and records how much was written in `out->struct_size`.
 */
static inline as_status as_plugin_descriptor_fill(as_plugin_descriptor* out,
                                                  const as_plugin_descriptor* src) {
  size_t n;
  size_t i;
  if (out == NULL || src == NULL || out->struct_size < 3 * sizeof(uint32_t)) {
    return AS_ERR_INVALID_INPUT;
  }
  n = out->struct_size < src->struct_size ? out->struct_size : src->struct_size;
  for (i = 0; i < n; ++i) {
    ((unsigned char*)out)[i] = ((const unsigned char*)src)[i];
  }
  out->struct_size = (uint32_t)n;
  return AS_OK;
}

/** Appends `len` bytes to a writer; a NULL writer silently discards. */
static inline void as_write(as_writer* w, const char* ptr, size_t len) {
  if (w != NULL && w->write != NULL && len > 0) {
    w->write(w->ctx, ptr, len);
  }
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* AGENTSYS_ABI_H */
