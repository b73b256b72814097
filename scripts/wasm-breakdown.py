#!/usr/bin/env python3
"""What dominates a .wasm: code bytes per crate (from the name section), data, and the rest.

usage: scripts/wasm-breakdown.py MODULE.wasm [--top N]

Needs a module that still has its name section (cargo's output with strip = "debuginfo"; the
shipped pkg/ has it removed by wasm-bindgen). Each function body is attributed to the first
path segment of its demangled name ("burn_flex", "wgpu_core", "core", ...); trait impls
`<A as B>::f` count for A's crate. Prints a Markdown table.
"""
import argparse
import collections
import re
import sys


def leb(data, pos):
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def sections(data):
    if data[:4] != b"\0asm":
        sys.exit("not a wasm module")
    pos = 8
    while pos < len(data):
        sid = data[pos]
        size, body = leb(data, pos + 1)
        yield sid, body, body + size
        pos = body + size


def crate_of(name):
    """First path segment of a legacy-mangled (`_ZN<len><segment>...`) or demangled name."""
    match = re.match(r"_ZN(\d+)", name)
    if match:
        length = int(match.group(1))
        segment = name[match.end():match.end() + length]
        # `<impl X for Y>` / `<X as Y>` segments start with an escaped `<`, `&` or `*`.
        segment = re.sub(r"^(_?\$(LT|RF|BP)\$|mut\$u20\$|dyn\$u20\$|const\$u20\$)+", "", segment)
        segment = re.split(r"\.\.|\$", segment)[0]
        return segment or "(unnamed or C)"
    name = name.lstrip("<&*").removeprefix("dyn ").removeprefix("mut ").removeprefix("const ")
    match = re.match(r"([A-Za-z_][A-Za-z0-9_]*)::", name)
    return match.group(1) if match else "(unnamed or C)"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("module")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    data = open(args.module, "rb").read()
    imported = 0
    bodies = []
    names = {}
    sizes = collections.Counter()
    for sid, start, end in sections(data):
        if sid == 2:  # imports: count imported functions (they come first in the index space)
            count, pos = leb(data, start)
            for _ in range(count):
                for _ in range(2):
                    n, pos = leb(data, pos)
                    pos += n
                kind = data[pos]
                pos += 1
                if kind == 0:
                    _, pos = leb(data, pos)
                    imported += 1
                elif kind == 1:
                    pos += 1
                    flags, pos = leb(data, pos)
                    _, pos = leb(data, pos)
                    if flags & 1:
                        _, pos = leb(data, pos)
                elif kind == 2:
                    flags, pos = leb(data, pos)
                    _, pos = leb(data, pos)
                    if flags & 1:
                        _, pos = leb(data, pos)
                elif kind == 3:
                    pos += 2
                elif kind == 4:
                    pos += 1
                    _, pos = leb(data, pos)
        if sid == 10:
            count, pos = leb(data, start)
            for _ in range(count):
                size, body = leb(data, pos)
                bodies.append(size + (body - pos))
                pos = body + size
            sizes["code section"] = end - start
        elif sid == 11:
            sizes["data section"] = end - start
        elif sid == 0:
            n, pos = leb(data, start)
            section_name = data[pos:pos + n].decode("utf-8", "replace")
            sizes[f"custom '{section_name}'"] = end - start
            if section_name == "name":
                pos += n
                while pos < end:
                    sub, pos = data[pos], pos + 1
                    length, pos = leb(data, pos)
                    if sub == 1:
                        count, p = leb(data, pos)
                        for _ in range(count):
                            index, p = leb(data, p)
                            n2, p = leb(data, p)
                            names[index] = data[p:p + n2].decode("utf-8", "replace")
                            p += n2
                    pos += length
        else:
            sizes[f"section {sid}"] = end - start
    per_crate = collections.Counter()
    for i, size in enumerate(bodies):
        per_crate[crate_of(names.get(imported + i, ""))] += size
    total = len(data)
    print(f"module: {args.module}, {total:,} bytes, {len(bodies):,} functions, "
          f"{len(names):,} named")
    print()
    print("| part | bytes | share |")
    print("|---|---:|---:|")
    for part, size in sizes.most_common():
        print(f"| {part} | {size:,} | {100 * size / total:.1f} % |")
    print()
    code = sum(bodies) or 1
    print(f"| crate (code only, top {args.top}) | bytes | share of code |")
    print("|---|---:|---:|")
    for crate, size in per_crate.most_common(args.top):
        print(f"| {crate} | {size:,} | {100 * size / code:.1f} % |")


if __name__ == "__main__":
    main()
