#!/usr/bin/env python3
"""Fails when kernel code names a domain or a module (DESIGN.md: "Kernel code never names a
domain or a module"). The names come from the module tables (config/modules/*.toml: each
[modules.NAME] and its `domain`) and the plugin folders that hold domains (plugins/<domain>/).
Comments may use a module as an example; code and string literals may not.
Usage: check_no_domain.py KERNEL_SRC_DIR CONFIG_MODULES_DIR
"""
import os
import re
import sys
import tomllib

COMMENT = re.compile(r"//.*$|/\*.*?\*/")


def domain_names(modules_dir):
    names = set()
    for f in sorted(os.listdir(modules_dir)):
        if not f.endswith(".toml"):
            continue
        with open(os.path.join(modules_dir, f), "rb") as fh:
            doc = tomllib.load(fh)
        for module, table in doc.get("modules", {}).items():
            names.add(module)
            if isinstance(table, dict) and isinstance(table.get("domain"), str):
                names.add(table["domain"])
    return names


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, modules_dir = sys.argv[1], sys.argv[2]
    names = domain_names(modules_dir)
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, names))) + r")\b")
    found = []
    for root, _, files in os.walk(src):
        for name in sorted(files):
            path = os.path.join(root, name)
            in_block = False
            with open(path, encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, 1):
                    code = line
                    if in_block:
                        if "*/" not in code:
                            continue
                        code = code.split("*/", 1)[1]
                        in_block = False
                    code = COMMENT.sub("", code)
                    if "/*" in code:
                        code, in_block = code.split("/*", 1)[0], True
                    m = pattern.search(code)
                    if m:
                        found.append(f"{os.path.relpath(path, src)}:{number}: names '{m.group(1)}'")
    for line in found:
        print(f"check_no_domain: {line}", file=sys.stderr)
    if found:
        print("check_no_domain: kernel code must not name a domain or a module: take it from "
              "the module tables or the plugin descriptors", file=sys.stderr)
        return 1
    print(f"check_no_domain: no kernel source names any of {len(names)} modules and domains")
    return 0


if __name__ == "__main__":
    sys.exit(main())
