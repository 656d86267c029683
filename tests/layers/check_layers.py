#!/usr/bin/env python3
"""Holds the kernel's folders to their layers (docs/architecture/layers_and_seam.md).

Reads every `#include "..."` under kernel/src and fails (exit 1, one line per finding) when
  - an include points from a folder to a folder of a higher layer, unless listed in
    KNOWN_UPWARD (the work left: entries may only be removed), or
  - the folders include each other in a cycle that is not one of KNOWN_CYCLES (a cycle may
    shrink or go away, never grow or appear).
Usage: check_layers.py KERNEL_SRC_DIR
"""
import os
import re
import sys

# Lower number = lower layer. "." is kernel/src itself (kernel.hpp: the Kernel that wires core).
LAYERS = {
    "util": 0, "task": 0, "process": 0, "store": 0, "plugin": 0, "registry": 0, "host": 0,
    "policy": 0, "runner": 0, "telemetry": 0, "lineage": 0, "isolation": 0, ".": 0,
    "config": 1,
    "migration": 2,
    "cli": 3,
}

# Upward includes that remain (folder -> folder). Remove an entry when its include is gone.
KNOWN_UPWARD = set()

# Folder cycles that remain, each as the set of folders in it. Shrinking is progress.
KNOWN_CYCLES = [
    # inside agentsys_core: the plugin loader hands plugins the host table (host/), whose
    # services ask the policy gate, which calls the policy plugin through the registry
    {"host", "plugin", "policy", "registry", "runner", "store"},
]

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def folder_of(relative):
    parts = relative.split("/")
    return parts[0] if len(parts) > 1 else "."


def include_graph(src):
    edges = {}
    for root, _, files in os.walk(src):
        for name in files:
            if not name.endswith((".hpp", ".cpp", ".h", ".in")):
                continue
            path = os.path.join(root, name)
            source = folder_of(os.path.relpath(path, src))
            with open(path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    m = INCLUDE.match(line)
                    if not m or not os.path.exists(os.path.join(src, m.group(1))):
                        continue  # generated or third-party headers
                    target = folder_of(m.group(1))
                    if target != source:
                        edges.setdefault((source, target), []).append(
                            f"{os.path.relpath(path, src)} -> {m.group(1)}")
    return edges


def cycles(nodes, edges):
    """Strongly connected components with more than one folder (Tarjan)."""
    graph = {n: [b for (a, b) in edges if a == n] for n in nodes}
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v, counter=[0]):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for n in sorted(nodes):
        if n not in index:
            visit(n)
    return out


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        print("usage: check_layers.py KERNEL_SRC_DIR", file=sys.stderr)
        return 2
    src = sys.argv[1]
    edges = include_graph(src)
    failures = []
    nodes = {n for e in edges for n in e}
    for folder in sorted(nodes):
        if folder not in LAYERS:
            failures.append(f"folder {folder}/ has no layer: add it to LAYERS in {__file__}")
    for (a, b), where in sorted(edges.items()):
        if a in LAYERS and b in LAYERS and LAYERS[b] > LAYERS[a] and (a, b) not in KNOWN_UPWARD:
            failures.append(f"upward include {a} -> {b}: {where[0]} (layers: {a} {LAYERS[a]}, "
                            f"{b} {LAYERS[b]}); pass what {a} needs in instead")
    for comp in cycles(nodes, edges):
        if not any(comp <= known for known in KNOWN_CYCLES):
            failures.append(f"new include cycle between {', '.join(sorted(comp))}")
    for line in failures:
        print(f"check_layers: {line}", file=sys.stderr)
    if failures:
        return 1
    print(f"check_layers: {len(edges)} folder edges, no upward include or cycle beyond the known")
    return 0


if __name__ == "__main__":
    sys.exit(main())
