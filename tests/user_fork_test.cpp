// Mirrors guest/user/forktest.c and the kernel's user mode (issue 4): fork() from ring 3 under
// init=forktest (the kernel execs /sbin/init, guest/user/init.c, which forks and execs forktest),
// checked from the host through the machine's API - the child's first instruction in user mode, the
// parent's return value, the stack the child's next interrupt switches to, the page directory
// loaded for each task, the pages fork copied, exec's entry into the program, and every page and
// object back at shutdown. Offsets come from guest/include/abi.h, as in kernel_test.cpp.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "emu/machine.hpp"
#include "guest/include/abi.h"

using namespace fs;

namespace {

constexpr std::uint32_t kPresent = 0x001, kWritable = 0x002, kUser = 0x004;
// Forks from ring 3: /sbin/init's one (the child execs forktest), then forktest's 2 + 4 + 8
// processes below node 0.
constexpr int kUserChildren = 15;

std::string kernel() {
  return std::string(FS_BUILD_DIR) + "/guest/kernel.elf";
}

MachineOptions forktest_options(bool per_instruction) {
  MachineOptions o;
  o.cmdline = "init=forktest";
  o.per_instruction = per_instruction;
  o.serial_out = [](std::uint8_t) {};
  return o;
}

std::uint32_t sym(const Machine& m, const std::string& name) {
  auto a = m.symbols().address_of(name);
  REQUIRE(a.has_value());
  return *a;
}

// The task whose kernel stack esp is on (valid in the kernel only).
std::uint32_t task_of_stack(const Machine& m, std::uint32_t esp) {
  return m.read32((esp & ~std::uint32_t{THREAD_SIZE - 1}) + TI_TASK);
}
std::uint32_t pid_of(const Machine& m, std::uint32_t task) {
  return m.read32(task + TASK_PID);
}
std::uint32_t stack_top(const Machine& m, std::uint32_t task) {
  return m.read32(task + TASK_THREAD_INFO) + THREAD_SIZE;
}
// The user-mode frame a task's system call or interrupt from ring 3 left: copy_thread's childregs
// slot.
std::uint32_t user_regs(const Machine& m, std::uint32_t task) {
  return stack_top(m, task) - COPY_THREAD_RESERVE - PT_REGS_SIZE;
}

// The guest's own page walk (PAGE_OFFSET 0: the tables are read at their physical addresses, which
// the kernel's identity map makes readable as they are). nullopt when a level is not present.
std::optional<std::uint32_t> pte_of(const Machine& m, std::uint32_t pgd, std::uint32_t linear) {
  const std::uint32_t pde = m.read32(pgd + (linear >> 22) * 4);
  if (!(pde & kPresent)) return std::nullopt;
  const std::uint32_t pte = m.read32((pde & ~0xFFFu) + ((linear >> 12) & 0x3FF) * 4);
  if (!(pte & kPresent)) return std::nullopt;
  return pte;
}

// A user word read through the page tables at pgd (the frame need not be aliased by the emulator).
std::uint32_t read_user32(const Machine& m, std::uint32_t pgd, std::uint32_t linear) {
  auto pte = pte_of(m, pgd, linear);
  REQUIRE(pte.has_value());
  return m.read32((*pte & ~0xFFFu) | (linear & 0xFFF));
}

std::string read_user_string(const Machine& m, std::uint32_t pgd, std::uint32_t linear) {
  std::string s;
  for (std::uint32_t a = linear; s.size() < 256; ++a) {
    auto pte = pte_of(m, pgd, a);
    REQUIRE(pte.has_value());
    char c = 0;
    REQUIRE(m.read((*pte & ~0xFFFu) | (a & 0xFFF), &c, 1));
    if (!c) break;
    s.push_back(c);
  }
  return s;
}

// The regions of an mm: [start, end) and flags.
struct Region {
  std::uint32_t start, end, flags;
};
std::vector<Region> regions_of(const Machine& m, std::uint32_t mm) {
  std::vector<Region> out;
  for (std::uint32_t vma = m.read32(mm + MM_MMAP); vma && out.size() < 64;
       vma = m.read32(vma + VMA_NEXT)) {
    out.push_back({m.read32(vma + VMA_START), m.read32(vma + VMA_END), m.read32(vma + VMA_FLAGS)});
  }
  return out;
}

}  // namespace

TEST_CASE(
    "user fork: the child's first user instruction is the parent's, after int 0x80, in ring 3 with "
    "EAX 0, the parent gets the child's pid, the child's next interrupt lands at its TSS.esp0",
    "[user_fork]") {
  Machine m(forktest_options(/*per_instruction=*/true));
  m.load(kernel());
  const std::uint32_t rff = sym(m, "ret_from_fork");
  const std::uint32_t rq_curr = sym(m, "runqueues") + RQ_CURR;

  // One child of a fork from user mode, followed from its fork to its first interrupt.
  struct Child {
    std::uint32_t task = 0, parent = 0, pid = 0;
    std::uint32_t parent_eip = 0, parent_esp = 0;  // the parent's pt_regs at the fork
    bool at_ret_from_fork = false, iret_pending = false, in_user = false, delivered = false;
    bool parent_returned = false;
  };
  std::map<std::uint32_t, Child> children;  // by pid (task_structs are reused once reaped)
  int first_user_checked = 0, parent_checked = 0, delivery_checked = 0;

  m.add_breakpoint("wake_up_new_task", [&](Machine& mm) {  // fastcall: p in EAX
    const std::uint32_t child = mm.reg(Reg::kEax);
    const std::uint32_t parent = task_of_stack(mm, mm.reg(Reg::kEsp));
    if (!mm.read32(parent + TASK_MM)) return;  // init, created by swapper with kernel_thread()
    const std::uint32_t regs = user_regs(mm, parent);
    Child c;
    c.task = child;
    c.parent = parent;
    c.pid = pid_of(mm, child);
    c.parent_eip = mm.read32(regs + PT_EIP);
    c.parent_esp = mm.read32(regs + PT_OLDESP);
    // The parent entered with int $0x80 (CD 80) from ring 3: its saved EIP is just past it.
    CHECK(mm.read32(regs + PT_CS) == __USER_CS);
    CHECK(mm.read32(regs + PT_OLDSS) == __USER_DS);
    CHECK(mm.read32(regs + PT_ORIG_EAX) == 2u);  // __NR_fork
    const std::uint32_t pgd = mm.read32(mm.read32(parent + TASK_MM) + MM_PGD);
    CHECK((read_user32(mm, pgd, c.parent_eip - 2) & 0xFFFF) == 0x80CDu);
    children[c.pid] = c;
  });

  m.on_instruction([&](std::uint32_t eip, Cycles) {
    const std::uint32_t curr = m.read32(rq_curr);
    // The parents: the first time one is back in ring 3 at its fork's return address.
    for (auto& [pid, c] : children) {
      if (c.parent_returned || curr != c.parent || eip != c.parent_eip ||
          (m.reg(Reg::kCs) & 3) != 3)
        continue;
      c.parent_returned = true;
      ++parent_checked;
      CHECK(m.reg(Reg::kEsp) == c.parent_esp);
      CHECK(m.reg(Reg::kEax) == c.pid);  // fork() returns the child's pid to the parent
    }
    auto it = children.find(pid_of(m, curr));
    if (it == children.end() || it->second.task != curr) return;
    Child& c = it->second;
    if (c.in_user) return;
    if (c.iret_pending) {  // the first instruction after the child's first iret
      c.iret_pending = false;
      c.in_user = true;
      ++first_user_checked;
      INFO("pid " << c.pid);
      CHECK(m.cpu().cpl() == 3u);
      CHECK(m.reg(Reg::kCs) == __USER_CS);
      CHECK(m.reg(Reg::kSs) == __USER_DS);
      CHECK(m.reg(Reg::kDs) == __USER_DS);
      CHECK(m.reg(Reg::kEax) == 0u);
      CHECK(eip == c.parent_eip);
      CHECK(m.reg(Reg::kEsp) == c.parent_esp);
      return;
    }
    if (eip == rff && task_of_stack(m, m.reg(Reg::kEsp)) == c.task) c.at_ret_from_fork = true;
    if (!c.at_ret_from_fork) return;
    std::uint8_t op = 0;
    REQUIRE(m.read(eip, &op, 1));
    // iret to ring 3 (the frame's CS has RPL 3): ret_from_fork's way out, through syscall_exit and
    // restore_all. An interrupt taken on the way (schedule_tail enables them) returns with an iret
    // to ring 0 first.
    if (op == 0xCF && (m.read32(m.reg(Reg::kEsp) + 4) & 3) == 3) {
      CHECK(m.describe(eip).rfind("restore_all", 0) == 0);
      c.iret_pending = true;
    }
  });

  m.on_delivery([&](Machine& mm, const Delivery& r) {
    const std::uint32_t curr = mm.read32(rq_curr);
    auto it = children.find(pid_of(mm, curr));
    if (it == children.end() || it->second.task != curr || !it->second.in_user ||
        it->second.delivered)
      return;
    Child& c = it->second;
    c.delivered = true;
    ++delivery_checked;
    INFO("pid " << c.pid << ", vector " << unsigned(r.vector));
    const std::uint32_t top = stack_top(mm, c.task);
    // From ring 3 the CPU takes SS0:ESP0 from the TSS: the child's own stack, top - 8.
    CHECK(r.stack_switched);
    CHECK(r.esp0_used == top - COPY_THREAD_RESERVE);
    CHECK(mm.read32(c.task + TASK_THREAD_ESP0) == top - COPY_THREAD_RESERVE);
    CHECK(r.to.cs == __KERNEL_CS);
    // The 5-word frame right below esp0, returning to ring 3, under the error code if there is
    // one (int 0x80 and IRQs have none; the child's first write to a page it shares with its
    // parent is a #PF, which has). In push order: SS, ESP, EFLAGS, CS, EIP[, error code].
    const std::size_t e = r.has_error_code ? 1 : 0;
    REQUIRE(r.frame.size() == 5u + e);
    CHECK(mm.reg(Reg::kEsp) == top - COPY_THREAD_RESERVE - 20 - 4 * e);
    CHECK(r.frame[0] == __USER_DS);
    CHECK(r.frame[3] == __USER_CS);
  });

  RunResult r = m.run();
  REQUIRE(r.reason == StopReason::kGuestExit);
  CHECK(r.exit_status == 0);
  CHECK(children.size() == kUserChildren);
  CHECK(first_user_checked == kUserChildren);
  CHECK(parent_checked == kUserChildren);
  CHECK(delivery_checked == kUserChildren);
  std::set<std::uint32_t> pids;
  for (const auto& [pid, c] : children) pids.insert(c.pid);
  CHECK(pids.size() == kUserChildren);
}

TEST_CASE(
    "user fork: CR3 is each user process's own page directory, kernel threads keep the one loaded",
    "[user_fork]") {
  Machine m(forktest_options(/*per_instruction=*/false));
  m.load(kernel());
  const std::uint32_t swapper_pg_dir = sym(m, "swapper_pg_dir");
  const std::uint32_t init_mm = sym(m, "init_mm");
  CHECK(m.read32(init_mm + MM_PGD) == swapper_pg_dir);
  int user_switches = 0, kernel_switches = 0;
  std::set<std::uint32_t> user_pgds;
  std::uint32_t last_cr3 = 0;
  // __switch_to runs on next's stack with next's address space already loaded (context_switch
  // calls switch_mm before switch_to): fastcall prev in EAX, next in EDX.
  m.add_breakpoint("__switch_to", [&](Machine& mm) {
    const std::uint32_t next = mm.reg(Reg::kEdx);
    const std::uint32_t cr3 = mm.reg(Reg::kCr3);
    const std::uint32_t next_mm = mm.read32(next + TASK_MM);
    const std::uint32_t active = mm.read32(next + TASK_ACTIVE_MM);
    INFO("switch to pid " << pid_of(mm, next));
    REQUIRE(active != 0u);
    CHECK(cr3 == mm.read32(active + MM_PGD));
    if (next_mm) {
      ++user_switches;
      CHECK(active == next_mm);
      CHECK(cr3 != swapper_pg_dir);
      user_pgds.insert(cr3);
    } else {
      ++kernel_switches;
      if (last_cr3) CHECK(cr3 == last_cr3);  // lazy: a kernel thread changes nothing
    }
    last_cr3 = cr3;
  });
  // Paging is on from paging_init() on, with swapper_pg_dir.
  m.add_breakpoint("start_kernel", [&](Machine& mm) { CHECK(!(mm.reg(Reg::kCr0) & 0x80000000u)); });
  m.add_breakpoint("rest_init", [&](Machine& mm) {
    CHECK((mm.reg(Reg::kCr0) & 0x80000000u) != 0u);
    CHECK(mm.reg(Reg::kCr3) == swapper_pg_dir);
  });
  RunResult r = m.run();
  REQUIRE(r.reason == StopReason::kGuestExit);
  CHECK(r.exit_status == 0);
  CHECK(user_switches >= kUserChildren);
  CHECK(kernel_switches >= 1);
  // Page directories are freed and reused, but more than one user address space existed.
  CHECK(user_pgds.size() > 1);
  // At shutdown swapper went back to init_mm: CR3 is swapper_pg_dir again.
  CHECK(m.reg(Reg::kCr3) == swapper_pg_dir);
}

namespace {

// References to the page frame at `frame` (struct page's count in mem_map).
std::uint32_t page_count_of(const Machine& m, std::uint32_t frame) {
  const std::uint32_t mem_map = m.read32(sym(m, "mem_map"));
  return m.read32(mem_map + (frame >> 12) * PAGE_STRUCT_SIZE + PAGE_STRUCT_COUNT);
}

}  // namespace

TEST_CASE(
    "user fork: copy_mm shares every user page with the child copy-on-write - the same frames, "
    "read-only in both, one reference more each - under the shared kernel mappings, and allocates "
    "no user page",
    "[user_fork][cow]") {
  Machine m(forktest_options(/*per_instruction=*/false));
  m.load(kernel());
  const std::uint32_t swapper_pg_dir = sym(m, "swapper_pg_dir");
  const std::uint32_t free_pages = sym(m, "nr_free_pages");
  int forks = 0;
  std::uint32_t free_at_fork = 0, taken_total = 0, user_pages_total = 0;
  m.add_breakpoint("do_fork", [&](Machine& mm) { free_at_fork = mm.read32(free_pages); });
  m.add_breakpoint("wake_up_new_task", [&](Machine& mm) {
    const std::uint32_t child = mm.reg(Reg::kEax);
    const std::uint32_t parent = task_of_stack(mm, mm.reg(Reg::kEsp));
    const std::uint32_t parent_mm = mm.read32(parent + TASK_MM);
    if (!parent_mm) return;  // init from swapper: a kernel thread, no address space
    ++forks;
    const std::uint32_t child_mm = mm.read32(child + TASK_MM);
    REQUIRE(child_mm != 0u);
    CHECK(child_mm != parent_mm);
    CHECK(mm.read32(child_mm + MM_USERS) == 1u);
    const std::uint32_t ppgd = mm.read32(parent_mm + MM_PGD);
    const std::uint32_t cpgd = mm.read32(child_mm + MM_PGD);
    CHECK(ppgd != cpgd);
    // The kernel's part: the same pgd entries as swapper_pg_dir (shared page tables), supervisor.
    for (std::uint32_t i = 0; i < 16; ++i) {
      const std::uint32_t e = mm.read32(cpgd + 4 * i);
      CHECK(e == mm.read32(swapper_pg_dir + 4 * i));
      CHECK((e & kPresent) != 0u);
      CHECK((e & kUser) == 0u);
    }
    // The user part: the same regions, every page present in both, in the same frame, read-only
    // in both (a writable region's pages wait for do_wp_page), referenced by both.
    const auto pregions = regions_of(mm, parent_mm);
    const auto cregions = regions_of(mm, child_mm);
    REQUIRE(pregions.size() == cregions.size());
    REQUIRE(pregions.size() == 3u);  // text, data+bss, stack
    std::uint32_t user_pages = 0;
    for (std::size_t k = 0; k < pregions.size(); ++k) {
      CHECK(pregions[k].start == cregions[k].start);
      CHECK(pregions[k].end == cregions[k].end);
      CHECK(pregions[k].flags == cregions[k].flags);
      CHECK(pregions[k].start >= ELF_USER_BASE);
      CHECK(pregions[k].end <= TASK_SIZE);
      for (std::uint32_t a = pregions[k].start; a < pregions[k].end; a += 4096) {
        INFO("page " << std::hex << a);
        auto pp = pte_of(mm, ppgd, a), cp = pte_of(mm, cpgd, a);
        REQUIRE(pp.has_value());
        REQUIRE(cp.has_value());
        ++user_pages;
        CHECK((*pp & ~0xFFFu) == (*cp & ~0xFFFu));
        CHECK((*cp & kUser) != 0u);
        CHECK((*pp & kWritable) == 0u);
        CHECK((*cp & kWritable) == 0u);
        CHECK(page_count_of(mm, *pp & ~0xFFFu) >= 2u);
      }
    }
    // The stack is the last region, ending at STACK_TOP.
    CHECK(cregions.back().end == STACK_TOP);
    CHECK(cregions.back().end - cregions.back().start == USER_STACK_PAGES * 4096u);
    // What the fork took from the allocator: the page directory, the page tables of the text and
    // of the stack, the 8 KiB kernel stack (a thread_info slab of its own) - and, now and then, a
    // new slab page for the task_struct, mm or regions. The eager copy took a page per user page
    // on top (forktest: 7).
    const std::uint32_t taken = free_at_fork - mm.read32(free_pages);
    INFO("pages taken by the fork " << taken << ", user pages " << user_pages);
    CHECK(taken < user_pages);
    CHECK(taken <= 6u);
    taken_total += taken;
    user_pages_total += user_pages;
  });
  RunResult r = m.run();
  REQUIRE(r.reason == StopReason::kGuestExit);
  CHECK(r.exit_status == 0);
  CHECK(forks == kUserChildren);
  INFO("pages taken by " << forks << " forks: " << taken_total << ", user pages "
                         << user_pages_total);
  CHECK(taken_total < user_pages_total);
}

TEST_CASE(
    "user fork: a user write to a page fork shared raises #PF with error code 7 at the address, "
    "and "
    "do_wp_page resolves it: the write is retried on a writable pte, in a frame of its own while "
    "the page was still shared",
    "[user_fork][cow]") {
  Machine m(forktest_options(/*per_instruction=*/true));
  m.load(kernel());
  const std::uint32_t rq_curr = sym(m, "runqueues") + RQ_CURR;
  struct Fault {
    std::uint32_t task = 0, cr2 = 0, eip = 0, pte = 0, count = 0;
  };
  std::optional<Fault> pending;
  int faults = 0, resolved = 0, copied = 0, reused = 0;
  m.on_delivery([&](Machine& mm, const Delivery& r) {
    if (r.vector != 14 || r.kind != DeliveryKind::kException) return;
    if (!r.stack_switched) return;  // forktest's kernel never faults; counted below
    ++faults;
    REQUIRE(!pending);  // the previous one was retried before this one
    Fault f;
    f.task = mm.read32(rq_curr);
    f.cr2 = mm.reg(Reg::kCr2);
    f.eip = r.from.eip;
    INFO("pid " << pid_of(mm, f.task) << " CR2 " << std::hex << f.cr2 << " EIP " << f.eip);
    REQUIRE(r.has_error_code);
    CHECK(r.error_code == 7u);  // present | write | user
    // Inside a writable region of the faulting process, on a present, read-only user pte.
    const std::uint32_t task_mm = mm.read32(f.task + TASK_MM);
    bool in_writable = false;
    for (const Region& g : regions_of(mm, task_mm))
      in_writable |= f.cr2 >= g.start && f.cr2 < g.end && (g.flags & 2u);
    CHECK(in_writable);
    auto pte = pte_of(mm, mm.read32(task_mm + MM_PGD), f.cr2);
    REQUIRE(pte.has_value());
    CHECK((*pte & (kUser | kWritable)) == kUser);
    f.pte = *pte;
    f.count = page_count_of(mm, *pte & ~0xFFFu);
    CHECK(f.count >= 1u);
    pending = f;
  });
  m.on_instruction([&](std::uint32_t eip, Cycles) {
    if (!pending || eip != pending->eip || (m.reg(Reg::kCs) & 3) != 3 ||
        m.read32(rq_curr) != pending->task)
      return;
    // The faulting instruction again, in the same process: what do_wp_page left.
    const Fault f = *pending;
    pending.reset();
    ++resolved;
    INFO("pid " << pid_of(m, f.task) << " CR2 " << std::hex << f.cr2);
    const std::uint32_t task_mm = m.read32(f.task + TASK_MM);
    auto pte = pte_of(m, m.read32(task_mm + MM_PGD), f.cr2);
    REQUIRE(pte.has_value());
    CHECK((*pte & (kUser | kWritable)) == (kUser | kWritable));
    const std::uint32_t old_frame = f.pte & ~0xFFFu, frame = *pte & ~0xFFFu;
    CHECK(page_count_of(m, frame) == 1u);
    if (f.count == 1) {  // no one else mapped it any more: the same frame, writable again
      ++reused;
      CHECK(frame == old_frame);
    } else {  // a copy: a new frame with the old one's bytes, the old one a reference less
      ++copied;
      CHECK(frame != old_frame);
      CHECK(page_count_of(m, old_frame) == f.count - 1);
      std::vector<std::uint8_t> a(4096), b(4096);
      REQUIRE(m.read(old_frame, a.data(), 4096));
      REQUIRE(m.read(frame, b.data(), 4096));
      CHECK(a == b);  // the write has not retired yet
    }
  });
  RunResult r = m.run();
  REQUIRE(r.reason == StopReason::kGuestExit);
  CHECK(r.exit_status == 0);
  CHECK(!pending);
  CHECK(faults > 0);
  CHECK(resolved == faults);
  CHECK(copied > 0);
  CHECK(reused > 0);
  // The kernel's own count agrees, and nothing faulted from the kernel.
  const std::uint32_t cow = sym(m, "cow_stats");
  CHECK(m.read32(cow + COW_FAULTS) == static_cast<std::uint32_t>(faults));
  CHECK(m.read32(cow + COW_COPIED) == static_cast<std::uint32_t>(copied));
  CHECK(m.read32(cow + COW_REUSED) == static_cast<std::uint32_t>(reused));
  CHECK(m.read32(cow + COW_KERNEL_FAULTS) == 0u);
  CHECK(m.stats().interrupts[14] == static_cast<std::uint64_t>(faults));
}

TEST_CASE(
    "user fork: the kernel's waitpid() status store into a page shared after fork faults with "
    "error code 3 (CR0.WP) and is resolved, so the parent's page keeps its value (init=isolation)",
    "[user_fork][cow]") {
  MachineOptions o = forktest_options(/*per_instruction=*/false);
  o.cmdline = "init=isolation";
  std::string console;
  o.serial_out = [&console](std::uint8_t b) { console.push_back(static_cast<char>(b)); };
  Machine m(o);
  m.load(kernel());
  const std::uint32_t rq_curr = sym(m, "runqueues") + RQ_CURR;
  int kernel_faults = 0, shared = 0;
  m.add_breakpoint("paging_init", [&](Machine& mm) { CHECK(!(mm.reg(Reg::kCr0) & 0x10000u)); });
  m.add_breakpoint("rest_init", [&](Machine& mm) {
    CHECK((mm.reg(Reg::kCr0) & 0x80010000u) == 0x80010000u);  // PG and WP
  });
  m.on_delivery([&](Machine& mm, const Delivery& r) {
    if (r.vector != 14 || r.kind != DeliveryKind::kException) return;
    if (r.stack_switched) return;  // user faults: the test above
    ++kernel_faults;
    const std::uint32_t cr2 = mm.reg(Reg::kCr2);
    INFO("CR2 " << std::hex << cr2 << " at " << mm.describe(r.from.eip));
    REQUIRE(r.has_error_code);
    CHECK(r.error_code == 3u);  // present | write, supervisor
    CHECK(cr2 >= ELF_USER_BASE);
    CHECK(cr2 < STACK_TOP);
    CHECK(r.from.eip < ELF_USER_BASE);  // a kernel instruction: copy_to_user's copy
    const std::uint32_t task_mm = mm.read32(mm.read32(rq_curr) + TASK_MM);
    REQUIRE(task_mm != 0u);
    auto pte = pte_of(mm, mm.read32(task_mm + MM_PGD), cr2);
    REQUIRE(pte.has_value());
    CHECK((*pte & (kUser | kWritable)) == kUser);
    if (page_count_of(mm, *pte & ~0xFFFu) >= 2) ++shared;
  });
  RunResult r = m.run();
  REQUIRE(r.reason == StopReason::kGuestExit);
  CHECK(r.exit_status == 0);
  CHECK(kernel_faults >= 1);
  CHECK(shared >= 1);  // the child's status word, still the parent's page too
  CHECK(m.read32(sym(m, "cow_stats") + COW_KERNEL_FAULTS) ==
        static_cast<std::uint32_t>(kernel_faults));
  CHECK(console.find("status word 5555 (expected 5555): ok") != std::string::npos);
  CHECK(console.find("\nisolation: ok\n") != std::string::npos);
}

TEST_CASE(
    "user fork: init's execve from ring 0 enters the program at its ELF entry in ring 3, with "
    "argc/argv on the new stack and every general register 0",
    "[user_fork]") {
  Machine m(forktest_options(/*per_instruction=*/true));
  m.load(kernel());
  const std::uint32_t rq_curr = sym(m, "runqueues") + RQ_CURR;
  bool seen = false;
  m.on_instruction([&](std::uint32_t eip, Cycles) {
    if (seen || (m.reg(Reg::kCs) & 3) != 3) return;
    seen = true;  // the first instruction ever run in ring 3
    const std::uint32_t task = m.read32(rq_curr);
    CHECK(pid_of(m, task) == 1u);
    CHECK(eip == ELF_USER_BASE);  // _start, first in .text (guest/user/user.ld)
    for (Reg reg : {Reg::kEax, Reg::kEbx, Reg::kEcx, Reg::kEdx, Reg::kEsi, Reg::kEdi, Reg::kEbp})
      CHECK(m.reg(reg) == 0u);
    CHECK(m.reg(Reg::kSs) == __USER_DS);
    CHECK((m.reg(Reg::kEflags) & X86_EFLAGS_IF) != 0u);
    const std::uint32_t mm = m.read32(task + TASK_MM);
    REQUIRE(mm != 0u);
    const std::uint32_t pgd = m.read32(mm + MM_PGD);
    CHECK(m.reg(Reg::kCr3) == pgd);
    const std::uint32_t esp = m.reg(Reg::kEsp);
    CHECK(esp < STACK_TOP);
    CHECK(esp % 16 == 0u);
    // /sbin/init's argv: the program it is to start (init/user_scenarios.c: run_under_init).
    CHECK(read_user32(m, pgd, esp) == 2u);  // argc
    CHECK(read_user_string(m, pgd, read_user32(m, pgd, esp + 4)) == "/sbin/init");
    CHECK(read_user_string(m, pgd, read_user32(m, pgd, esp + 8)) == "forktest");
    CHECK(read_user32(m, pgd, esp + 12) == 0u);  // argv[2]
    CHECK(read_user_string(m, pgd, read_user32(m, pgd, esp + 16)) == "HOME=/");
    // The kernel stack init left through: a 5-word iret frame is what restore_all popped, and the
    // next entry from ring 3 starts afresh at TSS.esp0, the top of pid 1's stack - 8.
    CHECK(m.tss_esp0() == stack_top(m, task) - COPY_THREAD_RESERVE);
  });
  RunResult r = m.run();
  REQUIRE(r.reason == StopReason::kGuestExit);
  CHECK(r.exit_status == 0);
  CHECK(seen);
}

TEST_CASE("user fork: at shutdown every user page, page table, directory and object is back",
          "[user_fork]") {
  Machine m(forktest_options(/*per_instruction=*/false));
  m.load(kernel());
  const std::uint32_t free_pages = sym(m, "nr_free_pages");
  std::uint32_t at_boot = 0, lowest = ~0u;
  m.add_breakpoint("rest_init", [&](Machine& mm) { at_boot = mm.read32(free_pages); });
  m.add_breakpoint("wake_up_new_task",
                   [&](Machine& mm) { lowest = std::min(lowest, mm.read32(free_pages)); });
  RunResult r = m.run();
  REQUIRE(r.reason == StopReason::kGuestExit);
  CHECK(r.exit_status == 0);
  REQUIRE(at_boot != 0u);
  CHECK(lowest < at_boot - 20);  // address spaces really were allocated on the way
  CHECK(m.read32(free_pages) == at_boot);
  for (const char* cache :
       {"task_struct_cache", "thread_info_cache", "mm_cache", "vm_area_cache"}) {
    INFO(cache);
    CHECK(m.read32(sym(m, cache) + KMEM_ACTIVE_OBJS) == 0u);
    CHECK(m.read32(sym(m, cache) + KMEM_NUM_SLABS) == 0u);
  }
  // init_mm: its own reference and swapper's, which is running on it again.
  CHECK(m.read32(sym(m, "init_mm") + MM_COUNT) == 2u);
}

TEST_CASE("user fork: two runs of init=forktest are the same run, fast or per-instruction",
          "[user_fork]") {
  struct Outcome {
    std::uint64_t instructions;
    Cycles cycles;
    std::string console;
    bool operator==(const Outcome&) const = default;
  };
  auto run = [](bool per_instruction) {
    MachineOptions o = forktest_options(per_instruction);
    std::string console;
    o.serial_out = [&console](std::uint8_t b) { console.push_back(static_cast<char>(b)); };
    Machine m(o);
    m.load(kernel());
    RunResult r = m.run();
    REQUIRE(r.reason == StopReason::kGuestExit);
    CHECK(r.exit_status == 0);
    return Outcome{m.stats().instructions, m.clock().now, console};
  };
  const Outcome a = run(false), b = run(false), c = run(true);
  CHECK(a == b);
  CHECK(a == c);
  CHECK(a.console.find("\nforktest: ok\n") != std::string::npos);
}
