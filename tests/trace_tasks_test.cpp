// The task followers of the trace tools (emu/cli/trace_tasks.hpp): on a small synthetic Linux 6.1
// trace, LinuxTasks names the running task, its pid and its name at each instruction and reports
// the task events forkscope's own kernel would have recorded (switch, fork, ret_from_fork,
// user_space, syscall_entry/exit) with Linux's values; the pid comes from pid_vnr() inside
// kernel_clone, or from kernel_clone's return when the image has no pid_vnr; a reused task_struct
// starts afresh; `trace timeline` draws such a trace's tasks, forks and calls. KernelTasks passes
// the forkscope kernel's recorded task events through and names tasks from them. The traces are
// written with trace::Writer and read back as the tools read them.
#include "emu/cli/trace_tasks.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "emu/cli/trace_linux_tasks.hpp"
#include "emu/cli/trace_timeline.hpp"
#include "tests/trace_test_util.hpp"
#include "trace/trace_reader.hpp"
#include "trace/trace_writer.hpp"

namespace {

namespace tr = fs::trace;
using fs::cli::OpenTrace;
using fs::cli::TaskFollower;
using tr::Reg;

// The synthetic kernel's functions (any addresses: the follower knows them by name).
constexpr std::uint32_t kRetFromFork = 0xC1000000, kSwitchTo = 0xC1000100,
                        kKernelClone = 0xC1000200, kPidVnr = 0xC1000300,
                        kWakeUpNewTask = 0xC1000400, kSetTaskComm = 0xC1000500,
                        kCaller = 0xC1001000, kUser = 0x08048000;
constexpr std::uint32_t kInitStack = 0xC1401F00;  // init_task's ESP (its 8 KiB block 0xC1400000)
constexpr std::uint32_t kInitTaskStruct = 0xC1C00000;  // init_task
constexpr std::uint32_t kChild = 0xC2100000;           // the new task's task_struct
constexpr std::uint32_t kChildStack = 0xC2201FB4;      // its pt_regs (its block 0xC2200000)
constexpr std::uint32_t kArgs = 0xC1401F80;            // kernel_clone's args, on the caller's stack
constexpr std::uint32_t kName = 0xC2201E00;            // the name an exec hands to __set_task_comm

// A stream written one instruction at a time, each with the registers it starts with; events go
// before the next instruction.
class Script {
 public:
  explicit Script(std::string name) : file_(std::move(name)) {
    regs_[Reg::kEsp] = kInitStack;
    regs_[Reg::kCs] = 0x60;
    regs_[Reg::kSs] = 0x68;
  }
  tr::RegFile& regs() { return regs_; }
  void insn(std::uint32_t eip, std::vector<fs::MemWrite> mem = {}) {
    regs_[Reg::kEip] = eip;
    insns_.push_back({regs_, std::move(mem)});
  }
  void kernel(std::uint32_t eip, std::uint32_t esp) {
    regs_[Reg::kCpl] = 0, regs_[Reg::kCs] = 0x60, regs_[Reg::kEsp] = esp;
    insn(eip);
  }
  void user(std::uint32_t eip) {
    regs_[Reg::kCpl] = 3, regs_[Reg::kCs] = 0x73, regs_[Reg::kEsp] = 0xBFFFF000;
    insn(eip);
  }
  void event(tr::EventData d) {
    events_.push_back(tr::Event{insns_.size(), 1000 + insns_.size(), std::move(d)});
  }
  void int80() {
    tr::Delivery d;
    d.vector = 0x80;
    d.kind = fs::DeliveryKind::kSoftware;
    d.from = {0x73, regs_.eip() + 2};
    event(d);
  }
  void iret_to_user() {
    tr::Iret i;
    i.cpl_before = 0;
    i.cpl_after = 3;
    i.frame = {kUser, 0x73, 0x202, 0xBFFFF000, 0x7b};
    event(i);
  }
  // Writes the trace and opens it as the tools do, as a Linux image's with these symbols.
  OpenTrace open(bool with_pid_vnr = true) {
    tr::Header h = tr::testing::sample_header();
    h.regs = insns_.front().regs;
    {
      tr::Writer w(file_.str(), h);
      std::size_t e = 0;
      for (std::size_t i = 0; i < insns_.size(); ++i) {
        for (; e < events_.size() && events_[e].seq == i; ++e) w.event(events_[e]);
        std::vector<tr::RegChange> changes;
        if (i + 1 < insns_.size())
          for (std::size_t r = 0; r < tr::kRegCount; ++r)
            if (r != static_cast<std::size_t>(Reg::kEip) &&
                insns_[i + 1].regs.v[r] != insns_[i].regs.v[r])
              changes.push_back({static_cast<Reg>(r), insns_[i + 1].regs.v[r]});
        w.instruction(1000 + i, insns_[i].regs.eip(), 1, changes, insns_[i].mem);
      }
      for (; e < events_.size(); ++e) w.event(events_[e]);
    }
    OpenTrace t(tr::Reader::open(file_.str()));
    t.linux_image = true;
    for (auto [name, addr] :
         std::map<std::string, std::uint32_t>{{"ret_from_fork", kRetFromFork},
                                              {"__switch_to", kSwitchTo},
                                              {"kernel_clone", kKernelClone},
                                              {"wake_up_new_task", kWakeUpNewTask},
                                              {"__set_task_comm", kSetTaskComm},
                                              {"caller", kCaller}})
      t.symbols.add(name, addr, 0x100);
    if (with_pid_vnr) t.symbols.add("pid_vnr", kPidVnr, 0x100);
    return t;
  }

 private:
  struct Insn {
    tr::RegFile regs;
    std::vector<fs::MemWrite> mem;
  };
  tr::testing::TempFile file_;
  tr::RegFile regs_{};
  std::vector<Insn> insns_;
  std::vector<tr::Event> events_;
};

// init_task (pid 0) forks pid `pid`: kernel_clone(args) with args->flags 0x00800100, pid_vnr()
// returning pid, wake_up_new_task(kChild), kernel_clone returning pid.
void fork_child(Script& s, std::uint32_t pid) {
  s.insn(kCaller, {{kArgs, 4, 0x00800100}});
  s.regs()[Reg::kEax] = kArgs;
  s.kernel(kKernelClone, kInitStack - 4);
  s.kernel(kPidVnr, kInitStack - 0x40);
  s.regs()[Reg::kEax] = pid;
  s.kernel(kKernelClone + 0x40, kInitStack - 0x3C);  // pid_vnr returned
  s.regs()[Reg::kEax] = kChild;
  s.kernel(kWakeUpNewTask, kInitStack - 0x40);
  s.regs()[Reg::kEax] = pid;
  s.kernel(kCaller + 5, kInitStack);  // kernel_clone returned
}

// Then the child runs: __switch_to(prev, kChild), ret_from_fork, an exec naming it "init" (the
// name stored by the instruction before), its first iret to ring 3, a fork system call (nr 2)
// that returns 81 to it.
void run_child(Script& s) {
  s.regs()[Reg::kEax] = kInitTaskStruct;  // prev_p
  s.regs()[Reg::kEdx] = kChild;
  s.kernel(kSwitchTo, kChildStack - 0x20);
  s.kernel(kRetFromFork, kChildStack);
  s.insn(kCaller + 0x10, {{kName, 4, 0x74696E69}, {kName + 4, 1, 0}});  // "init"
  s.regs()[Reg::kEax] = kChild;
  s.regs()[Reg::kEdx] = kName;
  s.kernel(kSetTaskComm, kChildStack - 0x30);
  s.kernel(kCaller + 0x20, kChildStack);  // restore_all's IRET
  s.iret_to_user();
  s.regs()[Reg::kEax] = 2;  // fork
  s.regs()[Reg::kEbx] = 0x11;
  s.user(kUser);  // int $0x80
  s.int80();
  s.kernel(kCaller + 0x30, kChildStack);
  s.regs()[Reg::kEax] = 81;
  s.kernel(kCaller + 0x20, kChildStack);  // the IRET back
  s.iret_to_user();
  s.user(kUser + 2);
}

struct Seen {
  std::vector<std::int64_t> pid;  // per instruction, after the follower saw it
  std::vector<std::string> name;  // the same instruction's task's name
  std::vector<tr::Event> events;  // every task event, in order
};

Seen follow(OpenTrace& t) {
  std::unique_ptr<TaskFollower> f = fs::cli::follow_tasks(t);
  Seen s;
  while (const tr::Step* st = t.reader.next()) {
    const auto news = st->event ? f->on_event(*st->event) : f->on_insn(st->insn);
    s.events.insert(s.events.end(), news.begin(), news.end());
    if (!st->event) {
      s.pid.push_back(f->pid());
      s.name.push_back(f->name_of(f->pid()));
    }
  }
  return s;
}

template <class T>
std::vector<T> of_kind(const Seen& s) {
  std::vector<T> out;
  for (const tr::Event& e : s.events)
    if (const auto* d = std::get_if<T>(&e.data)) out.push_back(*d);
  return out;
}

}  // namespace

TEST_CASE("trace tasks: Linux's fork, switch, exec and system call, from the instructions",
          "[trace_tasks]") {
  Script s("tasks_linux.fst");
  fork_child(s, 80);
  run_child(s);
  OpenTrace t = s.open();
  const Seen seen = follow(t);

  // init_task until the switch, then pid 80, named "swapper" (its parent's) until the exec.
  REQUIRE(seen.pid.size() == 15);
  CHECK(seen.pid[0] == 0);
  CHECK(seen.name[0] == "swapper");
  CHECK(seen.pid[6] == 80);  // __switch_to's first instruction: next_p runs
  CHECK(seen.name[6] == "swapper");
  CHECK(seen.name[9] == "init");
  CHECK(seen.pid.back() == 80);

  const auto forks = of_kind<tr::Fork>(seen);
  REQUIRE(forks.size() == 1);
  CHECK(forks[0].parent_pid == 0);
  CHECK(forks[0].child_pid == 80);
  CHECK(forks[0].child_task == kChild);
  CHECK(forks[0].clone_flags == 0x00800100);  // args->flags, from the caller's store
  CHECK(forks[0].comm == "swapper");
  const auto switches = of_kind<tr::Switch>(seen);
  REQUIRE(switches.size() == 1);
  CHECK(switches[0] == tr::Switch{0, 80, kInitTaskStruct, kChild});
  const auto starts = of_kind<tr::RetFromFork>(seen);
  REQUIRE(starts.size() == 1);
  CHECK(starts[0].pid == 80);
  CHECK(starts[0].task == kChild);
  CHECK(starts[0].esp == kChildStack);
  CHECK(starts[0].stack_top == 0xC2202000);
  const auto user = of_kind<tr::UserSpace>(seen);
  REQUIRE(user.size() == 1);  // once per program, not per return to ring 3
  CHECK(user[0].pid == 80);
  CHECK(user[0].comm == "init");
  const auto entries = of_kind<tr::SyscallEntry>(seen);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].nr == 2);
  CHECK(entries[0].args[0] == 0x11);
  const auto exits = of_kind<tr::SyscallExit>(seen);
  REQUIRE(exits.size() == 1);
  CHECK(exits[0] == tr::SyscallExit{2, 81});
  // In the order they happened.
  std::vector<tr::EventKind> kinds;
  for (const tr::Event& e : seen.events) kinds.push_back(e.kind());
  using K = tr::EventKind;
  CHECK(kinds == std::vector<K>{K::Fork, K::Switch, K::RetFromFork, K::UserSpace, K::SyscallEntry,
                                K::SyscallExit});
}

TEST_CASE("trace tasks: without pid_vnr the pid comes with kernel_clone's return",
          "[trace_tasks]") {
  Script s("tasks_no_vnr.fst");
  fork_child(s, 7);
  run_child(s);
  OpenTrace t = s.open(/*with_pid_vnr=*/false);
  const Seen seen = follow(t);
  const auto forks = of_kind<tr::Fork>(seen);
  REQUIRE(forks.size() == 1);
  CHECK(forks[0].child_pid == 7);
  CHECK(seen.events.front().seq == 5);  // at the return, not at wake_up_new_task (seq 4)
  CHECK(seen.pid.back() == 7);
  CHECK(seen.name.back() == "init");
}

TEST_CASE("trace tasks: a reused task_struct is a new task", "[trace_tasks]") {
  Script s("tasks_reuse.fst");
  fork_child(s, 80);
  run_child(s);
  // Back to init_task (pid 0), which forks again into the same task_struct, freed by pid 80's
  // exit: the new task has its own pid and its parent's name, not "init".
  s.regs()[Reg::kEax] = kChild;
  s.regs()[Reg::kEdx] = kInitTaskStruct;  // (its address learnt at its switch away)
  s.kernel(kSwitchTo, kInitStack - 0x10);
  fork_child(s, 90);
  s.regs()[Reg::kEdx] = kChild;
  s.kernel(kSwitchTo, kChildStack - 0x20);
  OpenTrace t = s.open();
  const Seen seen = follow(t);
  CHECK(seen.pid.back() == 90);
  CHECK(seen.name.back() == "swapper");
  std::unique_ptr<TaskFollower> f = fs::cli::follow_tasks(t);
  CHECK(dynamic_cast<fs::cli::LinuxTasks*>(f.get()) != nullptr);
  const auto forks = of_kind<tr::Fork>(seen);
  REQUIRE(forks.size() == 2);
  CHECK(forks[1].parent_pid == 0);
  CHECK(forks[1].child_pid == 90);
  const auto switches = of_kind<tr::Switch>(seen);
  REQUIRE(switches.size() == 3);
  CHECK(switches[0] == tr::Switch{0, 80, kInitTaskStruct, kChild});
  CHECK(switches[1] == tr::Switch{80, 0, kChild, kInitTaskStruct});
  CHECK(switches[2] == tr::Switch{0, 90, kInitTaskStruct, kChild});
}

TEST_CASE("trace tasks: forkscope's kernel's events pass through and name its tasks",
          "[trace_tasks]") {
  Script s("tasks_kernel.fst");
  s.kernel(kCaller, kInitStack);
  tr::Fork f;
  f.parent_pid = 0;
  f.child_pid = 1;
  f.comm = "kinit";
  s.event(f);
  s.event(tr::Switch{0, 1, 0x100, 0x200});
  s.kernel(kCaller + 1, kInitStack);
  s.event(tr::UserSpace{1, 0x200, 0x1000, "init"});
  s.event(tr::Hlt{5});
  s.user(kUser);
  OpenTrace t = s.open();
  t.linux_image = false;
  t.kernel = true;
  const Seen seen = follow(t);
  CHECK(seen.pid == std::vector<std::int64_t>{0, 1, 1});
  CHECK(seen.name == std::vector<std::string>{"swapper", "kinit", "init"});
  REQUIRE(seen.events.size() == 3);  // the hlt is not a task event
  CHECK(seen.events[0].kind() == tr::EventKind::Fork);
  CHECK(seen.events[2] == tr::Event{2, 1002, tr::UserSpace{1, 0x200, 0x1000, "init"}});

  // Not the kernel's image: no task until a switch says which (as forkscope's kernel's events
  // do without its image), and swapper is not named.
  OpenTrace other = s.open();
  other.linux_image = false;
  const Seen none = follow(other);
  CHECK(none.pid == std::vector<std::int64_t>{-1, 1, 1});
  CHECK(none.name[0].empty());
}

TEST_CASE("trace tasks: a Linux trace's timeline has its tasks, names, forks and system calls",
          "[trace_tasks]") {
  Script s("tasks_timeline.fst");
  fork_child(s, 80);
  run_child(s);
  OpenTrace t = s.open();
  const fs::cli::Timeline tl = fs::cli::read_timeline(t, "tasks_timeline.fst");
  REQUIRE(tl.tasks.size() == 2);
  CHECK(fs::cli::task_label(tl.tasks.at(0)) == "pid 0 swapper (idle task)");
  const fs::cli::TimelineTask& child = tl.tasks.at(80);
  CHECK(fs::cli::task_label(child) == "pid 80 init");
  CHECK(child.parent == 0);
  CHECK(child.programs == std::vector<std::string>{"init"});
  REQUIRE(tl.forks.size() == 1);
  CHECK(tl.forks[0].parent == 0);
  CHECK(tl.forks[0].child == 80);
  CHECK(tl.forks[0].at == 1004);           // wake_up_new_task
  CHECK(tl.forks[0].child_start == 1007);  // ret_from_fork
  CHECK(tl.forks[0].clone_flags == 0x00800100);
  REQUIRE(tl.syscalls.size() == 1);
  CHECK(tl.syscalls[0].span.pid == 80);
  CHECK(tl.syscalls[0].name == "fork");
  CHECK(tl.syscalls[0].returned);
  CHECK(tl.syscalls[0].result == 81);
  CHECK(tl.syscalls[0].span.begin == 1012);  // the int $0x80
  CHECK(tl.syscalls[0].span.end == 1014);    // the iret back to ring 3
  REQUIRE(tl.running.size() == 2);
  CHECK(tl.running[0].pid == 0);
  CHECK(tl.running[0].end == 1006);  // __switch_to
  CHECK(tl.running[1].pid == 80);
  CHECK(tl.running[1].begin == 1006);
}
