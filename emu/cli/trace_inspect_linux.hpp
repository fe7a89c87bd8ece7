// `forkscope trace inspect --ret-from-fork` on a trace of Linux 6.1 i386 (a bzImage's, named by
// its kallsyms tables): the forkscope kernel's task events (guest/include/abi.h) are not there, so
// each new task is followed from the registers alone. See trace_inspect_linux.cpp.
#pragma once

#include "emu/cli/trace.hpp"
#include "emu/cli/trace_common.hpp"

namespace fs::cli {

// Prints every task that starts at ret_from_fork with its checks; status 1 when one FAILs.
int report_linux_ret_from_fork(const TraceInspectOptions& opt, OpenTrace& t);

}  // namespace fs::cli
