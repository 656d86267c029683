#!/usr/bin/env bash
# SDK install test: proves a third-party author can build and load a plugin using only what
# `cmake --install` ships.
#
#   tests/integration/sdk_install_test.sh BUILD_DIR SOURCE_DIR
#
# 1. installs BUILD_DIR into a temporary prefix;
# 2. configures and builds SOURCE_DIR/sdk/examples (out of tree, Ninja) against that prefix
#    with find_package(AgentSystemSDK 1 REQUIRED), warnings as errors;
# 3. runs the INSTALLED kernel on the example plugin (plugins inspect, run, error paths);
# 4. runs the installed kernel with no --plugin-dir and no $AGENTSYS_PLUGIN_PATH and checks it
#    finds the installed bundled plugins (demo_v1, demo_v2) in <exe>/../lib/agentsys/plugins;
# 5. checks $AGENTSYS_PLUGIN_PATH (colon-separated) is honoured;
# 6. installs the example into the same prefix and checks the kernel then finds it by default;
# 7. runs the hello domain (sdk/examples/hello: a domain the kernel has never seen, V1 and V2,
#    with its own config/hello/ folder, schema, preflight check, command and migration tasks):
#    preflight locates its errors, `agentsys hello list`, `run`, and the shadow run, cutover
#    and rollback work on it, and no kernel source names it.
# Exits 0 when everything holds, non-zero with a "FAIL:" line otherwise. Set
# AGENTSYS_KEEP_TEMP=1 to keep the temporary directory for debugging.
set -euo pipefail

readonly ME="sdk_install_test"

fail() {
  echo "$ME: FAIL: $*" >&2
  exit 1
}

if [[ $# -ne 2 ]]; then
  echo "usage: $0 BUILD_DIR SOURCE_DIR" >&2
  exit 2
fi
BUILD_DIR=$(cd "$1" && pwd) || fail "build directory '$1' does not exist"
SOURCE_DIR=$(cd "$2" && pwd) || fail "source directory '$2' does not exist"
[[ -f "$BUILD_DIR/CMakeCache.txt" ]] || fail "$BUILD_DIR is not a configured CMake build directory"
[[ -f "$SOURCE_DIR/sdk/examples/CMakeLists.txt" ]] || fail "$SOURCE_DIR/sdk/examples/CMakeLists.txt not found"
command -v cmake >/dev/null || fail "cmake not found in PATH"
command -v ninja >/dev/null || fail "ninja not found in PATH"
command -v python3 >/dev/null || fail "python3 not found in PATH"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/agentsys-sdk-test.XXXXXX")
cleanup() {
  if [[ "${AGENTSYS_KEEP_TEMP:-0}" == 1 ]]; then
    echo "$ME: kept $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'echo "$ME: FAIL: line $LINENO: command failed: $BASH_COMMAND" >&2' ERR

PREFIX="$WORK/prefix"
EXAMPLE_BUILD="$WORK/example-build"
STATE="$WORK/state"
LOG="$WORK/log"
mkdir -p "$PREFIX" "$EXAMPLE_BUILD" "$STATE" "$LOG"
cd "$WORK"  # nothing the kernel writes by default may land in the caller's directory

# Runs a setup step quietly; on failure shows its output and fails.
step() {
  local name=$1
  shift
  echo "$ME: $name"
  if ! "$@" >"$LOG/step.out" 2>&1; then
    cat "$LOG/step.out" >&2
    fail "$name: '$*' exited non-zero"
  fi
}

# expect_json FILE DESCRIPTION PYTHON_EXPR: evaluates PYTHON_EXPR with `d` = the parsed JSON.
expect_json() {
  local file=$1 what=$2 expr=$3
  if ! python3 - "$file" "$expr" <<'PY'; then
import json, sys
path, expr = sys.argv[1], sys.argv[2]
try:
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
except Exception as e:  # not JSON at all
    sys.exit(f"output is not JSON ({e})")
sys.exit(0 if eval("(" + expr + ")", {"d": d}) else 1)
PY
    echo "--- output ($file):" >&2
    cat "$file" >&2
    fail "$what (expected: $expr)"
  fi
}

# kernel EXPECTED_EXIT NAME ARGS...: runs the installed kernel; stdout -> $LOG/NAME.json.
kernel() {
  local expected=$1 name=$2
  shift 2
  local rc=0
  "$PREFIX/bin/agentsys" --state-dir "$STATE" "$@" >"$LOG/$name.json" 2>"$LOG/$name.err" || rc=$?
  if [[ $rc -ne $expected ]]; then
    echo "--- stdout:" >&2
    cat "$LOG/$name.json" >&2
    echo "--- stderr:" >&2
    cat "$LOG/$name.err" >&2
    fail "agentsys $* exited $rc, expected $expected"
  fi
}

# --- 1. install ---------------------------------------------------------------------------------
step "installing $BUILD_DIR into $PREFIX" cmake --install "$BUILD_DIR" --prefix "$PREFIX"
[[ -x "$PREFIX/bin/agentsys" ]] || fail "install did not produce $PREFIX/bin/agentsys"
[[ -x "$PREFIX/bin/agentsys-plugin-host" ]] || fail "install did not produce $PREFIX/bin/agentsys-plugin-host (isolated plugins)"
for f in include/agentsys/abi.h include/agentsys/plugin.hpp include/agentsys/json.h \
         lib/agentsys/plugins/demo_v1.so lib/agentsys/plugins/demo_v2.so; do
  [[ -f "$PREFIX/$f" ]] || fail "install did not produce $PREFIX/$f"
done
config=$(find "$PREFIX" -name AgentSystemSDKConfig.cmake -print -quit)
[[ -n "$config" ]] || fail "install did not produce AgentSystemSDKConfig.cmake under $PREFIX"

# --- 2. build the example out of tree against the installed SDK -----------------------------------
# Same compiler as the main build, and warnings as errors (the example adds -Wall -Wextra -Wpedantic).
cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")
cxx_arg=()
[[ -n "$cxx" ]] && cxx_arg=("-DCMAKE_CXX_COMPILER=$cxx")
step "configuring sdk/examples against the installed SDK" \
  cmake -S "$SOURCE_DIR/sdk/examples" -B "$EXAMPLE_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_PREFIX_PATH=$PREFIX" "${cxx_arg[@]}" -DCMAKE_CXX_FLAGS=-Werror
found_dir=$(sed -n 's/^AgentSystemSDK_DIR:[A-Z]*=//p' "$EXAMPLE_BUILD/CMakeCache.txt")
[[ "$found_dir" == "$(dirname "$config")" ]] ||
  fail "find_package used AgentSystemSDK from '$found_dir', not the installed $(dirname "$config")"
step "building sdk/examples" cmake --build "$EXAMPLE_BUILD"
PLUGIN="$EXAMPLE_BUILD/word_stats_v2.so"
[[ -f "$PLUGIN" ]] || fail "the example build did not produce $PLUGIN (file name must be <name>.so)"

# --- 3. the installed kernel loads and runs the example -------------------------------------------
echo "$ME: inspecting and running word_stats_v2 with the installed kernel"
abi=$("$PREFIX/bin/agentsys" --version | sed -n 's/.*plugin ABI \([0-9]*\.[0-9]*\).*/\1/p')
[[ -n "$abi" ]] || fail "cannot read the plugin ABI version from 'agentsys --version'"

kernel 0 inspect --plugin-dir "$EXAMPLE_BUILD" plugins inspect "$PLUGIN" --json
expect_json "$LOG/inspect.json" "plugins inspect: word_stats_v2 is loadable and described" \
  "d['loadable'] is True and d['name'] == 'word_stats_v2' and d['kind'] == 'domain'
   and d['impl'] == 'v2' and d['modules'] == ['word_stats'] and d['thread_safe'] is True
   and d['abi'].split('.')[0] == '$abi'.split('.')[0]
   and int(d['abi'].split('.')[1]) <= int('$abi'.split('.')[1])"

kernel 0 list_example --plugin-dir "$EXAMPLE_BUILD" plugins list --json
expect_json "$LOG/list_example.json" "plugins list --plugin-dir: the example's plugins, nothing refused" \
  "sorted(p['name'] for p in d['plugins']) == ['hello_v1', 'hello_v2', 'word_stats_v2'] and d['refused'] == []"

kernel 0 run_ok --plugin-dir "$EXAMPLE_BUILD" run word_stats \
  --input '{"text":"hello brave new world"}' --json
expect_json "$LOG/run_ok.json" "run word_stats: succeeded via word_stats_v2 with the right counts" \
  "d['status'] == 'succeeded' and d['impl'] == 'v2' and d['plugin'] == 'word_stats_v2'
   and d['output']['words'] == 4 and d['output']['lines'] == 1 and d['output']['chars'] == 21
   and d['output']['longest_word'] == 'hello'"

# Escapes in, escapes out: \u00e9 is one character of two bytes, and the quote survives.
kernel 0 run_escapes --plugin-dir "$EXAMPLE_BUILD" run word_stats \
  --input '{"lang":"fr","text":"caf\u00e9 \"noir\"\nx"}' --json
expect_json "$LOG/run_escapes.json" "run word_stats: JSON escapes are decoded and re-encoded" \
  "d['output'] == {'words': 3, 'lines': 2, 'chars': 13, 'bytes': 14, 'longest_word': '\"noir\"'}"

kernel 1 run_bad_input --plugin-dir "$EXAMPLE_BUILD" run word_stats --input '{"text":5}' --json
expect_json "$LOG/run_bad_input.json" "run word_stats with a non-string text fails as invalid_input" \
  "d['status'] == 'failed' and d['error_code'] == 'invalid_input' and 'text' in d['message']"

kernel 1 run_bad_action --plugin-dir "$EXAMPLE_BUILD" run word_stats --action nope \
  --input '{"text":"a"}' --json
expect_json "$LOG/run_bad_action.json" "run word_stats --action nope fails as plugin_unsupported" \
  "d['status'] == 'failed' and d['error_code'] == 'plugin_unsupported'"

# --- 4. the installed kernel finds its bundled plugins with no configuration --------------------
echo "$ME: checking the default plugin directory <exe>/../lib/agentsys/plugins after install"
default_dir="$PREFIX/lib/agentsys/plugins"
rc=0
env -u AGENTSYS_PLUGIN_PATH "$PREFIX/bin/agentsys" --state-dir "$STATE" plugins list --json \
  >"$LOG/list_default.json" 2>"$LOG/list_default.err" || rc=$?
[[ $rc -eq 0 ]] || { cat "$LOG/list_default.err" >&2; fail "agentsys plugins list exited $rc"; }
expect_json "$LOG/list_default.json" \
  "plugins list with no --plugin-dir: searches $default_dir and loads demo_v1 and demo_v2" \
  "d['plugin_dirs'] == ['$default_dir']
   and {'demo_v1', 'demo_v2'} <= {p['name'] for p in d['plugins']} and d['refused'] == []"

# --- 5. AGENTSYS_PLUGIN_PATH ------------------------------------------------------------------------
echo "$ME: checking AGENTSYS_PLUGIN_PATH"
rc=0
AGENTSYS_PLUGIN_PATH="$EXAMPLE_BUILD:$default_dir" "$PREFIX/bin/agentsys" --state-dir "$STATE" \
  plugins list --json >"$LOG/list_env.json" 2>"$LOG/list_env.err" || rc=$?
[[ $rc -eq 0 ]] || { cat "$LOG/list_env.err" >&2; fail "agentsys plugins list exited $rc"; }
expect_json "$LOG/list_env.json" "plugins list with AGENTSYS_PLUGIN_PATH: both directories, all plugins" \
  "d['plugin_dirs'] == ['$EXAMPLE_BUILD', '$default_dir']
   and {'demo_v1', 'demo_v2', 'word_stats_v2'} <= {p['name'] for p in d['plugins']}"

# --- 6. an installed third-party plugin lands in the default directory -----------------------------
step "installing the example plugin into $PREFIX" cmake --install "$EXAMPLE_BUILD" --prefix "$PREFIX"
[[ -f "$default_dir/word_stats_v2.so" ]] || fail "the example's install rule did not produce $default_dir/word_stats_v2.so"
rc=0
env -u AGENTSYS_PLUGIN_PATH "$PREFIX/bin/agentsys" --state-dir "$STATE" run word_stats \
  --input '{"text":"installed"}' --json >"$LOG/run_installed.json" 2>"$LOG/run_installed.err" || rc=$?
[[ $rc -eq 0 ]] || { cat "$LOG/run_installed.err" >&2; fail "agentsys run word_stats exited $rc"; }
expect_json "$LOG/run_installed.json" "run word_stats with no --plugin-dir after installing the example" \
  "d['status'] == 'succeeded' and d['output']['words'] == 1"

# --- 7. a domain the kernel has never seen: hello ---------------------------------------------------
echo "$ME: the hello domain through the seam (its folder, schema, check, command, migration)"
HCONF="$WORK/hello-config"
HSTATE="$WORK/hello-state"
mkdir -p "$HCONF/modules" "$HCONF/hello" "$HCONF/policy"
cp -r "$PREFIX/etc/agentsys/env" "$PREFIX/etc/agentsys/schema" "$HCONF/"
cp "$PREFIX/etc/agentsys/policy/base.toml" "$PREFIX/etc/agentsys/policy/dev.toml" "$HCONF/policy/"
cat >"$HCONF/modules/hello.toml" <<'TOML'
[modules.hello]
description = "says hello; a domain added with plugins and configuration only"
domain = "hello"
v1_plugin = "hello_v1"
v2_plugin = "hello_v2"
mode = "v1"
config_sections = ["hello"]

[modules.hello.migration]
cases_from = "hello"
case_field = "greeting"
TOML
printf 'greeting = "Hello"\n' >"$HCONF/hello/en.toml"
printf 'greeting = "你好"\naudience = "世界"\n' >"$HCONF/hello/zh.toml"
hello() {
  local expected=$1 name=$2
  shift 2
  local rc=0
  "$PREFIX/bin/agentsys" --config-dir "$HCONF" --state-dir "$HSTATE" \
    --plugin-dir "$EXAMPLE_BUILD" --plugin-dir "$default_dir" "$@" \
    >"$LOG/$name.out" 2>"$LOG/$name.err" || rc=$?
  if [[ $rc -ne $expected ]]; then
    cat "$LOG/$name.out" "$LOG/$name.err" >&2
    fail "agentsys $* exited $rc, expected $expected"
  fi
}
hello 0 h_preflight preflight
grep -q "plugin folders: hello (2 files)" "$LOG/h_preflight.out" ||
  { cat "$LOG/h_preflight.out" >&2; fail "preflight does not name the hello folder"; }
printf 'greeting = "Goodbye"\n' >"$HCONF/hello/bye.toml"
printf 'greeting = ""\ncolour = "red"\n' >"$HCONF/hello/bad.toml"
hello 1 h_preflight_bad preflight
grep -q "hello/bye.toml:1:1: /hello/bye/greeting: hello.greeting: a greeting must not say goodbye" \
  "$LOG/h_preflight_bad.out" || { cat "$LOG/h_preflight_bad.out" >&2; fail "the plugin's check is not located"; }
grep -q "hello/bad.toml:.*schema" "$LOG/h_preflight_bad.out" ||
  { cat "$LOG/h_preflight_bad.out" >&2; fail "the plugin's schema is not applied"; }
rm "$HCONF/hello/bye.toml" "$HCONF/hello/bad.toml"
hello 0 h_help --help
grep -q "hello list .*(plugin hello_v2)" "$LOG/h_help.out" || fail "agentsys --help does not list hello list"
hello 0 h_list hello list --json
expect_json "$LOG/h_list.out" "agentsys hello list --json" "d == {'en': 'Hello, world!', 'zh': '你好, 世界!'}"
hello 2 h_list_bad hello list --bogus
grep -q "unknown argument" "$LOG/h_list_bad.err" || fail "hello list --bogus: no usage error"
hello 0 h_run run hello --input '{"greeting":"zh"}' --json
expect_json "$LOG/h_run.out" "run hello" "d['status'] == 'succeeded' and d['output']['text'] == '你好, 世界!'"
hello 0 h_shadow migrate shadow --module hello --target-month 202602 --json
expect_json "$LOG/h_shadow.out" "migrate shadow of hello: both cases compared, pass" \
  "d['verdict'] == 'pass' and len(d['runs']) == 2"
hello 0 h_cutover migrate cutover --module hello --target-month 202602 --percent 100 --json
hello 0 h_modules module list --json
expect_json "$LOG/h_modules.out" "hello cut over to V2" \
  "[m for m in d if m['module'] == 'hello'][0]['mode'] == 'cutover'
   and [m for m in d if m['module'] == 'hello'][0]['percent'] == 100"
hello 0 h_rollback migrate rollback --module hello --target-month 202602 --reason output_mismatch --json
hello 0 h_modules_after module list --json
expect_json "$LOG/h_modules_after.out" "hello rolled back to V1" \
  "[m for m in d if m['module'] == 'hello'][0]['mode'] == 'v1'"
if grep -rniq 'hello' "$SOURCE_DIR/kernel/src"; then
  grep -rni 'hello' "$SOURCE_DIR/kernel/src" >&2
  fail "kernel sources name the hello domain"
fi

echo "$ME: PASS"
