#!/usr/bin/env python3
"""V1 skill router: picks the skill for a request by keyword.

    python3 skill_router.py (--request TEXT | --request-stdin) --keywords FILE

FILE is the keyword table, a JSON list of {"skill": NAME, "keywords": [...]}. The request is
lowercased and the table read top to bottom: the first skill one of whose keywords occurs in the
request (as a substring) wins. Prints one JSON line: {"skill": NAME or null, "keyword": the
keyword that matched or null, "status": "ok"}. With --request-stdin the request is read from
standard input (UTF-8), which keeps free text off the command line.
Exit 0 ok, 2 bad input (an empty request, a missing or malformed keyword table).
"""
import argparse
import json
import sys


def parse_args(argv):
    p = argparse.ArgumentParser(prog="skill_router.py", description=__doc__.splitlines()[0])
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--request", help="the user's request text")
    source.add_argument("--request-stdin", action="store_true", help="read the request from stdin")
    p.add_argument("--keywords", required=True, help="the keyword table (JSON)")
    return p.parse_args(argv)


def load_table(path):
    try:
        with open(path, encoding="utf-8") as f:
            table = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"keyword table {path}: {e}")
    if not isinstance(table, list):
        raise ValueError(f"keyword table {path}: must be a JSON list of {{skill, keywords}}")
    for i, rule in enumerate(table):
        if not isinstance(rule, dict) or not isinstance(rule.get("skill"), str) \
                or not isinstance(rule.get("keywords"), list):
            raise ValueError(f"keyword table {path}: entry {i} must be {{skill, keywords: [...]}}")
    return table


def route(request, table):
    text = request.lower()
    for rule in table:
        for keyword in rule["keywords"]:
            if keyword and keyword.lower() in text:
                return rule["skill"], keyword
    return None, None


def main(argv):
    args = parse_args(argv)
    if args.request_stdin:
        args.request = sys.stdin.buffer.read().decode("utf-8", errors="replace")
    if not args.request.strip():
        print("skill_router.py: --request is empty", file=sys.stderr)
        return 2
    try:
        table = load_table(args.keywords)
    except ValueError as e:
        print(f"skill_router.py: {e}", file=sys.stderr)
        return 2
    skill, keyword = route(args.request, table)
    print(json.dumps({"skill": skill, "keyword": keyword, "status": "ok"}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
