#!/usr/bin/env python3
"""readme_linux.py README TRACE OUTPUT...: keeps README.md's Linux 6.1 excerpt real (issue 13).

Every fenced block of the section "## Debian's Linux 6.1" is checked against what a run printed (the
OUTPUT files: scripts/linux --trace's console and summary, trace inspect --ret-from-fork's report,
read together in that order, carriage returns dropped): each line the README shows that is not a
`$ ` command must be a line of it, in the README's order, with `linux.fst` standing for TRACE; `...`
stands for lines left out, and a line ending in ` ...` for the start of one. The counts in the
excerpt belong to one kernel package: when the run's banner is another's (the mirror moved on), the
check is skipped with a note. Prints FAIL and the first missing line; exits 1 if one is missing.
"""
import sys

from readme_blocks import fenced_blocks, missing


def main():
    readme, trace, outputs = sys.argv[1], sys.argv[2], sys.argv[3:]
    got = []
    for path in outputs:
        got += open(path, encoding="utf-8", errors="replace").read().replace("\r", "").split("\n")
    blocks = fenced_blocks(readme, "Debian's Linux 6.1")
    shown = [l.replace("linux.fst", trace) for b in blocks for l in b
             if not l.startswith("$ ") and l != "..."]
    banner = next((l for l in shown if "Linux version" in l), None)
    if banner and not any(g.startswith(banner.removesuffix(" ...")) for g in got):
        print("readme_linux: skipped, the README shows another kernel package's run")
        return 0
    lost = missing(shown, got)
    if lost is not None:
        print(f"FAIL: README.md's Linux excerpt shows a line the run did not print: {lost}")
        return 1
    print(f"PASS: README.md's Linux excerpt: {len(shown)} lines, all printed by the run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
