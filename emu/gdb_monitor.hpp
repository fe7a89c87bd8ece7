// gdb's `monitor` commands (qRcmd, GDB manual E.4): what Bochs's debugger shows about the machine
// that gdb cannot, read from the paused guest: `info tss`, `info gdt`, `info idt`, `info tlb ADDR`
// (the page walk of a linear address) and `info task` (the guest kernel's current task, through
// the offsets of guest/include/abi.h).
//
// Open questions and the answers chosen:
// 1. Which task is current? The one whose thread_info sits at the bottom of the kernel stack in
//    use (Linux 2.6 current_thread_info()): ESP's THREAD_SIZE block in ring 0, TSS.esp0's in
//    ring 3 (the stack the next interrupt will use), as the trace recorder does from ESP.
// 2. Descriptor tables are read at their linear bases through the page tables, like gdb's `x`;
//    an entry that cannot be read is said to be unreadable, never shown as zeros.
// 3. Nothing here changes the machine: no accessed bits are set by a walk (linear_to_physical
//    and walk_page_tables only read).
#pragma once

#include <string>
#include <string_view>

namespace fs {

class Machine;

namespace gdb {

// The output of `monitor COMMAND` (lines ending in '\n'): a one-line help for an unknown command or
// bad arguments.
std::string monitor(const Machine& m, std::string_view command);

}  // namespace gdb
}  // namespace fs
