#!/usr/bin/env python3
"""The structure rules of docs/architecture.md, checked on src/:
- the include graph of the files has no cycle, and neither has the graph of
  the layers (the folders of src/, main.c being its own);
- a layer includes only the layers DESIGN.md puts to its right;
- no C file is over 800 lines (the TOML and YAML parsers aside).
Prints one line per violation; exits 1 when there is any."""
import os
import re
import sys

# Who may include whom: the pipeline, right of each layer, plus util and os.
ALLOWED = {
    "main": {"cmd", "util"},
    "cmd": {"launch", "acp", "session", "engine", "plan", "config", "workspace", "util", "os"},
    "launch": {"acp", "session", "engine", "plan", "config", "workspace", "util", "os"},
    "acp": {"session", "engine", "util", "os"},
    "session": {"engine", "plan", "config", "workspace", "util", "os"},
    "plan": {"engine", "config", "workspace", "util"},
    "workspace": {"config", "util", "os"},
    "config": {"util"},
    "engine": {"util", "os"},
    "util": {"os"},
    "os": set(),
}
MAX_LINES = 800
EXEMPT = {"src/config/toml.c", "src/config/yaml.c"}


def layer(path):
    parts = path.split("/")
    return parts[1] if len(parts) > 2 else "main"


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    os.chdir(root)
    files = {}
    for d, _, names in os.walk("src"):
        for n in names:
            if n.endswith((".c", ".h")):
                files[os.path.join(d, n)] = None
    problems = []
    graph = {}
    for p in sorted(files):
        text = open(p, encoding="utf-8").read()
        if p.endswith(".c") and p not in EXEMPT:
            n = text.count("\n")
            if n > MAX_LINES:
                problems.append(f"{p}: {n} lines, over {MAX_LINES}: split it by purpose")
        deps = set()
        for m in re.finditer(r'^#include "([^"]+)"', text, re.M):
            inc = os.path.normpath(os.path.join(os.path.dirname(p), m.group(1)))
            if inc in files:
                deps.add(inc)
                a, b = layer(p), layer(inc)
                if a != b and b not in ALLOWED.get(a, set()):
                    problems.append(f"{p}: includes {inc}: layer {a} may not use {b}")
        graph[p] = deps

    # Cycles: depth-first search with colours.
    def find_cycle(g):
        colour = {}
        stack = []

        def visit(v):
            colour[v] = 1
            stack.append(v)
            for w in sorted(g.get(v, ())):
                if colour.get(w) == 1:
                    return stack[stack.index(w):] + [w]
                if w not in colour:
                    c = visit(w)
                    if c:
                        return c
            stack.pop()
            colour[v] = 2
            return None

        for v in sorted(g):
            if v not in colour:
                c = visit(v)
                if c:
                    return c
        return None

    c = find_cycle(graph)
    if c:
        problems.append("include cycle: " + " -> ".join(c))
    layers = {}
    for p, deps in graph.items():
        for d in deps:
            if layer(p) != layer(d):
                layers.setdefault(layer(p), set()).add(layer(d))
    c = find_cycle(layers)
    if c:
        problems.append("layer cycle: " + " -> ".join(c))
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
