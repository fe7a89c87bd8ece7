#!/usr/bin/env python3
"""readme_tour.py README BUILD_DIR SOURCE_DIR WORKDIR: keeps README.md's five-minute tour true (issue 14).

Every fenced block of the section "## Five-minute tour" whose first line is a `$ build/forkscope`
command is run, command by command, in a fresh WORKDIR where build/ and tests/ are the build and
source trees' (so the README's paths work as written), stdout and stderr together. Each line the
README shows under a command must be a line of what it printed, in the README's order; `...` stands
for lines left out (tests/readme_blocks.py). Blocks that start gdb or a server in the background (`&`) are not run here
(tests/gdb_*.sh drive gdb). Prints FAIL and the first missing line per command; exits 1 if any.
"""
import os
import shlex
import shutil
import subprocess
import sys

from readme_blocks import fenced_blocks, missing


def commands(block):
    """(argv, shown lines) per `$ ` line of a block; None for a block that is not run here."""
    if not block or not block[0].startswith("$ build/forkscope"):
        return None
    out = []
    for line in block:
        if line.startswith("$ "):
            if line.rstrip().endswith("&") or line.startswith("$ gdb"):
                return None
            out.append((shlex.split(line[2:]), []))  # the README's quoting, as a shell reads it
        elif out:
            out[-1][1].append(line)
    return out


def main():
    readme, build, source, work = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    os.symlink(build, os.path.join(work, "build"))
    os.symlink(os.path.join(source, "tests"), os.path.join(work, "tests"))
    failed = 0
    ran = 0
    for block in fenced_blocks(readme, "Five-minute tour"):
        for argv, shown in commands(block) or []:
            ran += 1
            p = subprocess.run(argv, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, timeout=120)
            text = p.stdout.decode("utf-8", "replace")
            lost = missing(shown, text.split("\n"))
            if lost is not None:
                failed = 1
                print(f"FAIL: $ {shlex.join(argv)} (status {p.returncode}) did not print, in order:")
                print(f"  {lost}")
                print("  it printed:\n" + "\n".join("    " + l for l in text.split("\n")[:40]))
    if ran < 5:
        print(f"FAIL: only {ran} commands found in the tour (has README.md's section moved?)")
        failed = 1
    if not failed:
        shutil.rmtree(work, ignore_errors=True)
        print(f"{ran} commands of README.md's tour print what it shows")
    return failed


if __name__ == "__main__":
    sys.exit(main())
