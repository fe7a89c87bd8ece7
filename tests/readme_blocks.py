"""readme_blocks.py: what tests/readme_*.py share to hold README.md's examples to real runs.

fenced_blocks(readme, section) gives the fenced blocks of one `## ` section; missing(shown, printed)
finds the first line the README shows that a run did not print in that order.
"""


def fenced_blocks(readme, section):
    """The fenced blocks of README's section `## SECTION`, each a list of lines."""
    lines = open(readme, encoding="utf-8").read().split("\n")
    start = lines.index("## " + section)
    blocks, block = [], None
    for line in lines[start + 1:]:
        if line.startswith("## "):
            break
        if line.startswith("```"):
            if block is None:
                block = []
            else:
                blocks.append(block)
                block = None
        elif block is not None:
            block.append(line)
    return blocks


def missing(shown, printed):
    """The first shown line absent from printed (a list of lines) in order, or None. `...` stands
    for lines left out; a line ending in ` ...` for the start of one."""
    i = 0
    for want in shown:
        if want == "...":
            continue
        prefix = want.endswith(" ...")
        key = want.removesuffix(" ...")
        while i < len(printed) and not (printed[i].startswith(key) if prefix else printed[i] == want):
            i += 1
        if i == len(printed):
            return want
        i += 1
    return None
