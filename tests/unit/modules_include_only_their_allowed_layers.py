#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every #include under src/ stays inside its folder's layer (issue 9, item 6).

The build puts all of src/ on every target's include path, so nothing but this
test stops an adapter from reaching into store/. A folder missing from the
table fails the test: a new module must say here what it may include.
"""
import os
import re
import sys

# folder    what it may include besides its own headers: folders of src/, and
#           single headers (booking.h is include/; the rest are generated)
LAYERS = """
core        booking.h
util        booking.h
store       booking.h core util
lib         booking.h core store util
json        booking.h core util
history     booking.h core util json
check       booking.h core util json history
loadgen     booking.h core util json history
server      booking.h core util json booking_openapi_json.h
cli         booking.h core util json history check loadgen server
"""

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')
SOURCE_SUFFIXES = (".c", ".h")


def parse_layers(text):
    table = {}
    for line in text.strip().splitlines():
        folder, *allowed = line.split()
        table[folder] = set(allowed)
    return table


def include_target(src, folder, quote, name):
    """The folder (or single header) an include names, or None if outside the project."""
    first, _, rest = name.partition("/")
    if rest and os.path.isfile(os.path.join(src, name)):
        return first
    if quote == "<":
        return None  # a system or library header: not ours to police
    if not rest and os.path.isfile(os.path.join(src, folder, name)):
        return folder  # a sibling header, spelt without its folder
    return name  # booking.h, a generated header, or a path that escapes the layers


def violations(src, table):
    found = []
    for root, dirs, files in os.walk(src):
        dirs.sort()  # a stable report
        for file in sorted(files):
            if not file.endswith(SOURCE_SUFFIXES):
                continue
            path = os.path.join(root, file)
            rel = os.path.relpath(path, src)
            folder = rel.split(os.sep)[0] if os.sep in rel else ""
            if folder not in table:
                found.append(f"{rel}: folder '{folder or 'src/'}' is not in the LAYERS table")
                continue
            allowed = table[folder] | {folder}
            with open(path, encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    match = INCLUDE.match(line)
                    if not match:
                        continue
                    target = include_target(src, folder, match.group(1), match.group(2))
                    if target is not None and target not in allowed:
                        found.append(f"{rel}:{number}: {folder}/ may not include "
                                     f"\"{match.group(2)}\"")
    return found


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: modules_include_only_their_allowed_layers.py SRC_DIR")
    src = sys.argv[1]
    table = parse_layers(LAYERS)
    for folders in table.values():
        unknown = {f for f in folders if not f.endswith(".h") and f not in table}
        if unknown:
            sys.exit(f"FAIL: the table names folders it does not list: {sorted(unknown)}")
    found = violations(src, table)
    for line in found:
        print(f"FAIL: {line}", file=sys.stderr)
    if found:
        sys.exit(f"{len(found)} include(s) outside their layer")
    print(f"ok: every #include under {src} stays inside its folder's layer")


if __name__ == "__main__":
    main()
