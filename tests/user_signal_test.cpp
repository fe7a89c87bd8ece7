// Mirrors guest/user/sighandler.c (init=sighandler) from the host, through the machine's API: every
// signal handler the program runs starts on 2.6.12's classic i386 frame - at the handler's first
// instruction ESP points at pretcode (sa_restorer with SA_RESTORER, else the frame's own retcode:
// popl %eax; movl $119, %eax; int $0x80), [ESP+4] and EAX hold the signal number, the sigcontext at
// ESP+8 holds the interrupted user registers (EIP, ESP, EAX..EBP, EFLAGS), the old blocked mask and a
// NULL fpstate, and EIP is the handler - and when sigreturn brings the task back to the interrupted
// EIP and ESP, every register equals what it was before the delivery. Offsets: guest/include/abi.h.
#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emu/machine.hpp"
#include "guest/include/abi.h"

using namespace fs;

namespace {

constexpr std::uint32_t kPresent = 0x001;
constexpr std::uint32_t kSaOneshot = 0x80000000u;
constexpr std::uint32_t kNrSigreturn = 119;
constexpr std::uint32_t kMinusEintr = 0xFFFFFFFCu;  // -EINTR
// struct sigframe: pretcode, sig, struct sigcontext (88 bytes), extramask[1], retcode[8].
constexpr std::uint32_t kFrameSc = 8, kFrameRetcode = 8 + 88 + 4, kFrameSize = kFrameRetcode + 8;
// struct sigcontext offsets (asm/sigcontext.h).
constexpr std::uint32_t kScEdi = 16, kScEsi = 20, kScEbp = 24, kScEsp = 28, kScEbx = 32, kScEdx = 36,
                        kScEcx = 40, kScEax = 44, kScEip = 56, kScCs = 60, kScEflags = 64, kScSs = 72,
                        kScFpstate = 76, kScOldmask = 80;

std::uint32_t sym(const Machine& m, const std::string& name) {
  auto a = m.symbols().address_of(name);
  REQUIRE(a.has_value());
  return *a;
}

std::uint32_t task_of_stack(const Machine& m, std::uint32_t esp) {
  return m.read32((esp & ~std::uint32_t{THREAD_SIZE - 1}) + TI_TASK);
}

std::optional<std::uint32_t> user_phys(const Machine& m, std::uint32_t pgd, std::uint32_t linear) {
  const std::uint32_t pde = m.read32(pgd + (linear >> 22) * 4);
  if (!(pde & kPresent)) return std::nullopt;
  const std::uint32_t pte = m.read32((pde & ~0xFFFu) + ((linear >> 12) & 0x3FF) * 4);
  if (!(pte & kPresent)) return std::nullopt;
  return (pte & ~0xFFFu) | (linear & 0xFFF);
}

std::uint32_t read_user32(const Machine& m, std::uint32_t pgd, std::uint32_t linear) {
  std::uint32_t v = 0;
  for (unsigned i = 0; i < 4; ++i) {
    auto p = user_phys(m, pgd, linear + i);
    REQUIRE(p.has_value());
    std::uint8_t b = 0;
    REQUIRE(m.read(*p, &b, 1));
    v |= std::uint32_t{b} << (8 * i);
  }
  return v;
}

// The user registers of a return to ring 3 (pt_regs), and the handlers then installed.
struct UserState {
  std::uint32_t eax, ebx, ecx, edx, esi, edi, ebp, esp, eip, eflags, blocked;
  std::uint32_t handler[31], flags[31], restorer[31];
};

}  // namespace

TEST_CASE(
    "signal frame: at a handler's first instruction ESP is the frame, [ESP+4] the signal, the "
    "sigcontext the interrupted registers and EIP the handler, and sigreturn restores every register",
    "[signals]") {
  MachineOptions o;
  o.cmdline = "init=sighandler";
  o.per_instruction = true;
  o.serial_out = [](std::uint8_t) {};
  Machine m(o);
  m.load(std::string(FS_BUILD_DIR) + "/guest/kernel.elf");
  const std::uint32_t rq_curr = sym(m, "runqueues") + RQ_CURR;

  struct TaskState {
    std::optional<UserState> candidate;  // do_notify_resume was called on the way to user mode
    std::vector<UserState> in_handler;   // delivered, waiting for sigreturn
  };
  std::map<std::uint32_t, TaskState> tasks;  // by task_struct address
  int delivered = 0, returned = 0, via_restorer = 0, via_retcode = 0, interrupted_sleeps = 0;

  // fastcall do_notify_resume(regs, oldset): EAX = the pt_regs of the return.
  m.add_breakpoint("do_notify_resume", [&](Machine& mm) {
    const std::uint32_t regs = mm.reg(Reg::kEax);
    if ((mm.read32(regs + PT_CS) & 3) != 3) return;
    const std::uint32_t task = task_of_stack(mm, mm.reg(Reg::kEsp));
    UserState s{};
    s.eax = mm.read32(regs + PT_EAX);
    s.ebx = mm.read32(regs + PT_EBX);
    s.ecx = mm.read32(regs + PT_ECX);
    s.edx = mm.read32(regs + PT_EDX);
    s.esi = mm.read32(regs + PT_ESI);
    s.edi = mm.read32(regs + PT_EDI);
    s.ebp = mm.read32(regs + PT_EBP);
    s.esp = mm.read32(regs + PT_OLDESP);
    s.eip = mm.read32(regs + PT_EIP);
    s.eflags = mm.read32(regs + PT_EFLAGS);
    s.blocked = mm.read32(task + TASK_BLOCKED);
    const std::uint32_t sighand = mm.read32(task + TASK_SIGHAND);
    REQUIRE(sighand != 0u);
    for (unsigned i = 0; i < 31; ++i) {
      const std::uint32_t ka = sighand + SIGHAND_ACTION + i * K_SIGACTION_SIZE;
      s.handler[i] = mm.read32(ka + KSA_HANDLER);
      s.flags[i] = mm.read32(ka + KSA_FLAGS);
      s.restorer[i] = mm.read32(ka + KSA_RESTORER);
    }
    tasks[task].candidate = s;
  });
  // A task that exits (a default action) leaves nothing behind for the next task at its address.
  m.add_breakpoint("do_exit", [&](Machine& mm) { tasks.erase(task_of_stack(mm, mm.reg(Reg::kEsp))); });

  m.on_instruction([&](std::uint32_t eip, Cycles) {
    if ((m.reg(Reg::kCs) & 3) != 3) return;
    const std::uint32_t task = m.read32(rq_curr);
    auto it = tasks.find(task);
    if (it == tasks.end()) return;
    TaskState& t = it->second;
    const std::uint32_t esp = m.reg(Reg::kEsp);
    const std::uint32_t pgd = m.read32(m.read32(task + TASK_MM) + MM_PGD);
    if (t.candidate) {
      const UserState c = *t.candidate;
      t.candidate.reset();
      if (eip != c.eip || esp != c.esp) {  // a handler's first instruction
        ++delivered;
        const std::uint32_t sig = read_user32(m, pgd, esp + 4);
        INFO("pid " << m.read32(task + TASK_PID) << ", signal " << sig << ", handler at 0x" << std::hex
                    << eip);
        REQUIRE(sig >= 1u);
        REQUIRE(sig <= 31u);
        const unsigned i = sig - 1;
        CHECK(m.reg(Reg::kEax) == sig);
        CHECK(eip == c.handler[i]);
        CHECK(c.handler[i] > 1u);  // neither SIG_DFL nor SIG_IGN
        CHECK(m.reg(Reg::kCs) == __USER_CS);
        CHECK(m.reg(Reg::kSs) == __USER_DS);
        // get_sigframe: below the interrupted stack, 8-byte aligned.
        CHECK((esp & 7u) == 0u);
        CHECK(esp + kFrameSize <= c.esp);
        CHECK(c.esp - esp < kFrameSize + 8);
        const std::uint32_t pretcode = read_user32(m, pgd, esp);
        if (c.flags[i] & SA_RESTORER_FLAG) {
          ++via_restorer;
          CHECK(pretcode == c.restorer[i]);
        } else {
          ++via_retcode;
          CHECK(pretcode == esp + kFrameRetcode);
          CHECK(read_user32(m, pgd, esp + kFrameRetcode) == (0x58u | 0xB8u << 8 | kNrSigreturn << 16));
          CHECK(read_user32(m, pgd, esp + kFrameRetcode + 4) == 0x80CD0000u);
        }
        const std::uint32_t sc = esp + kFrameSc;
        CHECK(read_user32(m, pgd, sc + kScEip) == c.eip);
        CHECK(read_user32(m, pgd, sc + kScEsp) == c.esp);
        CHECK(read_user32(m, pgd, sc + kScEax) == c.eax);
        CHECK(read_user32(m, pgd, sc + kScEbx) == c.ebx);
        CHECK(read_user32(m, pgd, sc + kScEcx) == c.ecx);
        CHECK(read_user32(m, pgd, sc + kScEdx) == c.edx);
        CHECK(read_user32(m, pgd, sc + kScEsi) == c.esi);
        CHECK(read_user32(m, pgd, sc + kScEdi) == c.edi);
        CHECK(read_user32(m, pgd, sc + kScEbp) == c.ebp);
        CHECK(read_user32(m, pgd, sc + kScEflags) == c.eflags);
        CHECK((read_user32(m, pgd, sc + kScCs) & 0xFFFF) == __USER_CS);
        CHECK((read_user32(m, pgd, sc + kScSs) & 0xFFFF) == __USER_DS);
        CHECK(read_user32(m, pgd, sc + kScFpstate) == 0u);
        CHECK(read_user32(m, pgd, sc + kScOldmask) == c.blocked);
        // The handler runs with its signal blocked (none of sighandler's handlers use SA_NODEFER,
        // but signal()'s SA_NOMASK does).
        const std::uint32_t blocked = m.read32(task + TASK_BLOCKED);
        if (c.flags[i] & SA_NODEFER_FLAG)
          CHECK(blocked == c.blocked);
        else
          CHECK((blocked & (1u << i)) != 0u);
        if (c.flags[i] & kSaOneshot) CHECK(m.read32(m.read32(task + TASK_SIGHAND) + SIGHAND_ACTION +
                                                    i * K_SIGACTION_SIZE + KSA_HANDLER) == 0u);
        if (c.eax == kMinusEintr) ++interrupted_sleeps;
        t.in_handler.push_back(c);
        return;
      }
    }
    if (!t.in_handler.empty() && eip == t.in_handler.back().eip && esp == t.in_handler.back().esp) {
      const UserState c = t.in_handler.back();
      t.in_handler.pop_back();
      ++returned;
      INFO("pid " << m.read32(task + TASK_PID) << " back at 0x" << std::hex << eip);
      CHECK(m.reg(Reg::kEax) == c.eax);
      CHECK(m.reg(Reg::kEbx) == c.ebx);
      CHECK(m.reg(Reg::kEcx) == c.ecx);
      CHECK(m.reg(Reg::kEdx) == c.edx);
      CHECK(m.reg(Reg::kEsi) == c.esi);
      CHECK(m.reg(Reg::kEdi) == c.edi);
      CHECK(m.reg(Reg::kEbp) == c.ebp);
      CHECK(m.reg(Reg::kEflags) == c.eflags);
      CHECK(m.reg(Reg::kCs) == __USER_CS);
      CHECK(m.reg(Reg::kSs) == __USER_DS);
      CHECK(m.read32(task + TASK_BLOCKED) == c.blocked);
    }
  });

  RunResult r = m.run();
  REQUIRE(r.reason == StopReason::kGuestExit);
  CHECK(r.exit_status == 0);
  // sighandler.c: SIGUSR1 to itself, SIGUSR2 to itself without SA_RESTORER, SIGUSR2 unblocked, the
  // signal() child's SIGUSR2 and the sleeping child's SIGUSR1. (The frame on an unmapped stack is
  // never entered; the exec'd child dies of its signal.)
  CHECK(delivered == 5);
  CHECK(returned == 5);
  CHECK(via_restorer == 3);
  CHECK(via_retcode == 2);
  CHECK(interrupted_sleeps == 1);
}
