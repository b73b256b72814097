#!/usr/bin/env python3
"""Makes dist/, the deployable page, from the built page (pkg/, after scripts/build-web.sh).

usage: python3 scripts/dist.py [--out dist]   (scripts/dist.sh builds pkg/ first)

- Exactly the files the page needs: index.html, sw.js, manifest.webmanifest, the scripts and
  style under www/, the icons, the demonstration model, both wasm modules with their glue, and
  the example recordings www/examples.json lists. No sources, no tests, no .git.
- Every file but index.html, sw.js, manifest.webmanifest and the examples gets a content-hashed
  name (`main.3f2a1b9c0d.js`): the hash is of the file as shipped, after the names it refers to
  were rewritten, so a changed module changes the name of every script that loads it, and no
  cache can ever serve a stale mix. index.html, sw.js and the manifest keep their names (they
  are what a browser asks for first) and are served uncached.
- sw.js's cache is named by the release's hash (the hash of every shipped file), so a new
  release replaces the old offline copy in one step; index.html carries the same hash (meta
  "build"), which the page shows beside its version.
- Precompressed `.gz` (gzip -9) and `.br` (brotli -q 11, Debian's `brotli`) beside every
  compressible file over 1 KiB, for servers that send them as they are (deploy/).
- dist/MANIFEST.sha256 lists every other file with its SHA-256 (`cd dist && sha256sum -c
  MANIFEST.sha256` checks a copy).

Every reference this script rewrites is listed below by the file that holds it. A reference
that is no longer in its file stops the script with its name: the page's sources changed,
and this list must follow.
"""
import argparse
import concurrent.futures
import gzip
import hashlib
import json
import os
import posixpath
import re
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Files that keep their names, and the page's files with content-hashed names; in an order
# where every file comes after the files it refers to.
HASHED = [
    "pkg/cpu/ecg_stenosis_bg.wasm",
    "pkg/ecg_stenosis_bg.wasm",
    "www/models/demo.safetensors",
    "www/style.css",
    "www/examples.json",
    "www/icons/icon-192.png",
    "www/icons/icon-512.png",
    "pkg/cpu/ecg_stenosis.js",
    "pkg/ecg_stenosis.js",
    "www/worker.js",
    "www/campaign.js",
    "www/main.js",
]
NAMED = ["manifest.webmanifest", "index.html", "sw.js"]

# file -> the references it holds, each as written there (relative to that file's folder).
REFERENCES = {
    "pkg/cpu/ecg_stenosis.js": ["ecg_stenosis_bg.wasm"],
    "pkg/ecg_stenosis.js": ["ecg_stenosis_bg.wasm"],
    "www/worker.js": ["../pkg/cpu/ecg_stenosis.js", "../pkg/ecg_stenosis.js",
                      "./models/demo.safetensors"],
    "www/campaign.js": ["./worker.js"],
    "www/main.js": ["./campaign.js", "./worker.js", "./models/demo.safetensors",
                    "./examples.json"],
    "manifest.webmanifest": ["www/icons/icon-192.png", "www/icons/icon-512.png"],
    "index.html": ["www/icons/icon-192.png", "www/style.css", "www/campaign.js",
                   "www/models/demo.safetensors", "www/main.js"],
    "sw.js": ["www/main.js", "www/worker.js", "www/campaign.js", "www/style.css",
              "www/examples.json", "www/models/demo.safetensors", "www/icons/icon-192.png",
              "www/icons/icon-512.png", "pkg/cpu/ecg_stenosis.js", "pkg/cpu/ecg_stenosis_bg.wasm",
              "pkg/ecg_stenosis.js", "pkg/ecg_stenosis_bg.wasm"],
}

COMPRESSIBLE = (".wasm", ".js", ".css", ".json", ".safetensors", ".html", ".webmanifest")
MIN_COMPRESSED_BYTES = 1024


def fail(message):
    print(f"dist: {message}", file=sys.stderr)
    sys.exit(1)


def hashed_name(path, data):
    folder, name = posixpath.split(path)
    stem, ext = posixpath.splitext(name)
    return posixpath.join(folder, f"{stem}.{hashlib.sha256(data).hexdigest()[:10]}{ext}")


def rewrite(path, data, shipped):
    """The file's text with every listed reference replaced by the shipped (hashed) name."""
    text = data.decode("utf-8")
    folder = posixpath.dirname(path)
    for reference in REFERENCES.get(path, []):
        target = posixpath.normpath(posixpath.join(folder, reference))
        new_name = posixpath.basename(shipped[target])
        new_reference = posixpath.join(posixpath.dirname(reference), new_name) \
            if posixpath.dirname(reference) else new_name
        pattern = re.compile(r"""(['"])""" + re.escape(reference) + r"""\1""")
        text, count = pattern.subn(lambda m: m.group(1) + new_reference + m.group(1), text)
        if count == 0:
            fail(f"{path} no longer refers to {reference!r} (update REFERENCES in scripts/dist.py)")
    return text.encode("utf-8")


def examples():
    with open(os.path.join(ROOT, "www/examples.json"), encoding="utf-8") as listed:
        return sorted({f for example in json.load(listed)["examples"] for f in example["files"]})


def write(out, path, data):
    target = os.path.join(out, path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as f:
        f.write(data)


def compress(out, path):
    source = os.path.join(out, path)
    with open(source, "rb") as f:
        data = f.read()
    with open(source + ".gz", "wb") as f:
        f.write(gzip.compress(data, compresslevel=9, mtime=0))
    subprocess.run(["brotli", "--quality=11", "--force", "--no-copy-stat",
                    f"--output={source}.br", source], check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "dist"))
    args = parser.parse_args()
    if shutil.which("brotli") is None:
        fail("needs Debian's brotli (apt-get install brotli; scripts/setup.sh checks installs it)")
    listed = examples()
    for path in HASHED + NAMED + listed:
        if not os.path.isfile(os.path.join(ROOT, path)):
            fail(f"{path} is missing (build the page first: scripts/build-web.sh)")
    out = os.path.abspath(args.out)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)

    shipped = {}
    contents = {}
    for path in HASHED:
        with open(os.path.join(ROOT, path), "rb") as f:
            data = rewrite(path, f.read(), shipped) if path in REFERENCES else f.read()
        shipped[path] = hashed_name(path, data)
        contents[shipped[path]] = data
    for path in listed:
        with open(os.path.join(ROOT, path), "rb") as f:
            contents[path] = f.read()
    # The release: every hashed file's name (so every byte of the page's code and model) and
    # the examples' contents.
    release = hashlib.sha256()
    for path in sorted(contents):
        release.update(path.encode() + b"\0" + hashlib.sha256(contents[path]).digest())
    build = release.hexdigest()[:12]
    for path in NAMED:
        with open(os.path.join(ROOT, path), "rb") as f:
            data = rewrite(path, f.read(), shipped)
        if path == "index.html":
            data, count = re.subn(rb'<meta name="build" content="[^"]*">',
                                  b'<meta name="build" content="' + build.encode() + b'">', data)
            if count != 1:
                fail("index.html has no <meta name=\"build\">")
        if path == "sw.js":
            data, count = re.subn(rb"const CACHE = '[^']*';",
                                  b"const CACHE = 'ecg-stenosis-" + build.encode() + b"';", data)
            if count != 1:
                fail("sw.js has no `const CACHE = '...';`")
        contents[path] = data

    for path, data in contents.items():
        write(out, path, data)
    large = [path for path, data in contents.items()
             if path.endswith(COMPRESSIBLE) and len(data) >= MIN_COMPRESSED_BYTES]
    # Brotli at its best quality takes a while on the large module: one file per core.
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        list(pool.map(lambda path: compress(out, path), large))

    listing = []
    for folder, _, files in os.walk(out):
        for name in files:
            full = os.path.join(folder, name)
            # Readable by the web server's user (brotli writes its output 0600).
            os.chmod(full, 0o644)
            relative = os.path.relpath(full, out).replace(os.sep, "/")
            with open(full, "rb") as f:
                listing.append(f"{hashlib.sha256(f.read()).hexdigest()}  {relative}\n")
    listing.sort(key=lambda line: line.split("  ", 1)[1])
    with open(os.path.join(out, "MANIFEST.sha256"), "w", encoding="utf-8") as f:
        f.writelines(listing)
    os.chmod(os.path.join(out, "MANIFEST.sha256"), 0o644)
    print(f"dist: {len(listing)} files in {os.path.relpath(out, ROOT)}/, build {build}")


if __name__ == "__main__":
    main()
