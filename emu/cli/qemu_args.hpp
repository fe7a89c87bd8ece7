// QEMU habits on forkscope's command line: `forkscope -kernel k.elf -append "init=sched" -m 64` is
// read as `forkscope run k.elf --cmdline "init=sched" --ram 64M`. QEMU users type these first.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace fs::cli {

// Rewrites QEMU's spellings in args (argv without argv[0]) into forkscope's, adding `run` in front
// when the first argument is one of them. Every rewrite maps cleanly (table in qemu_args.cpp); a
// QEMU option that does not is an error: the returned line names the forkscope spelling, or says
// there is none. nullopt when nothing is wrong.
std::optional<std::string> translate_qemu_args(std::vector<std::string>& args);

}  // namespace fs::cli
