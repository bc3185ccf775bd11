#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every --help of `booking` (SPEC section 6) exits 0, shows a usage and an
Options block with -h/--help, and lists each option that takes a value with
either its default or, in the usage line, as required (outside any [...])."""
import os
import re
import subprocess
import sys

BIN = os.environ["BOOKING_BIN"]
failures = []


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    failures.append(msg)


def run_help(args):
    p = subprocess.run([BIN] + args, capture_output=True, text=True, timeout=10)
    if p.returncode != 0:
        fail("booking %s exited %d" % (" ".join(args), p.returncode))
    if not p.stdout.strip():
        fail("booking %s printed nothing on stdout" % " ".join(args))
    return p.stdout


def usage_required(text):
    """Long options of the usage lines that are outside every [...] group."""
    lines = []
    for line in text.splitlines():
        if line.startswith("Usage:") or (lines and line.startswith(" ") and line.strip()):
            lines.append(line)
        elif lines:
            break
    usage = " ".join(lines)
    while True:
        stripped = re.sub(r"\[[^\[\]]*\]", " ", usage)
        if stripped == usage:
            break
        usage = stripped
    return set(re.findall(r"--[a-z][a-z-]*", usage))


def options(text):
    """(option, takes_value, description) for each entry of the Options block."""
    out, current = [], None
    in_block = False
    for line in text.splitlines():
        if re.match(r"^Options\b", line):
            in_block = True
            continue
        if not in_block:
            continue
        if not line.strip():
            if current:
                out.append(current)
                current = None
            if out:
                break
            continue
        m = re.match(r"^\s+(?:-\w, )?(--[a-z][a-z-]*)((?: [A-Za-z_:|]+)?)\s{2,}(.*)$", line)
        m2 = re.match(r"^\s+(?:-\w, )?(--[a-z][a-z-]*)((?: [A-Za-z_:|]+)?)$", line)
        if m or m2:
            if current:
                out.append(current)
            g = m or m2
            current = [g.group(1), bool(g.group(2).strip()), g.group(3) if m else ""]
        elif current:
            current[2] += " " + line.strip()
    if current:
        out.append(current)
    return out


main_help = run_help(["--help"])
commands = []
in_commands = False
for line in main_help.splitlines():
    if line.startswith("Commands:"):
        in_commands = True
        continue
    if in_commands:
        if not line.strip():
            break
        commands.append(line.split()[0])
if not commands:
    fail("booking --help lists no commands")

helps = {"booking": main_help}
for c in commands:
    helps["booking " + c] = run_help([c, "--help"])
helps["booking bench --url"] = run_help(["bench", "--url", "http://127.0.0.1:1", "--help"])

for name, text in helps.items():
    if "Usage:" not in text:
        fail("%s --help has no Usage line" % name)
    opts = options(text)
    if not any(o[0] == "--help" for o in opts):
        fail("%s --help does not list -h, --help in its Options" % name)
    required = usage_required(text)
    for opt, takes_value, desc in opts:
        if not takes_value:
            continue
        has_default = re.search(r"\bdefault\b|\[[^\]]+\]", desc) is not None
        if not (has_default or opt in required):
            fail("%s --help: %s takes a value but states no default and is not required "
                 "in the usage line: %r" % (name, opt, desc))
    print("ok: %s --help: %d options checked" % (name, len(opts)))

if failures:
    print("%d check(s) failed" % len(failures), file=sys.stderr)
    sys.exit(1)
print("all checks passed")
