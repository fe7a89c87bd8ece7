#include "emu/cli/trace_linux_tasks.hpp"

#include <cstring>

namespace fs::cli {

namespace tr = fs::trace;
using Reg = tr::Reg;

namespace {

constexpr std::uint32_t kThreadSize = 8192;  // THREAD_SIZE, i386 (THREAD_SIZE_ORDER 1)
constexpr std::uint32_t kTaskCommLen = 16;   // TASK_COMM_LEN

std::uint32_t stack_of(std::uint32_t esp) {
  return esp & ~(kThreadSize - 1);
}

}  // namespace

LinuxTasks::LinuxTasks(const OpenTrace& t)
    : t_(t),
      switch_to_(t.symbols.address_of("__switch_to")),
      kernel_clone_(t.symbols.address_of("kernel_clone")),
      wake_up_new_task_(t.symbols.address_of("wake_up_new_task")),
      set_task_comm_(t.symbols.address_of("__set_task_comm")) {
  pid_[kInitTask] = 0;
  comm_[kInitTask] = name_[0] = "swapper";  // INIT_TASK_COMM
}

void LinuxTasks::on_insn(const tr::Instruction& in) {
  const tr::RegFile& r = in.before;
  if (r.cpl() == 0) {
    const std::uint32_t esp = r.esp(), stack = stack_of(esp);
    // A kernel_clone returns: the first instruction past its RET, on its stack.
    for (auto it = clones_.begin(); it != clones_.end(); ++it) {
      if (it->stack != stack || it->ret_esp != esp || in.eip == kernel_clone_) continue;
      const auto nr = static_cast<std::int32_t>(r[Reg::kEax]);
      if (it->child != 0 && nr > 0) {
        pid_[it->child] = nr;
        name_[nr] = comm_of(it->child);
      }
      clones_.erase(it);
      break;
    }
    if (in.eip == switch_to_) {
      current_ = r[Reg::kEdx];  // next_p
    } else if (in.eip == kernel_clone_) {
      clones_.push_back(Clone{stack, esp + 4, 0});
    } else if (in.eip == wake_up_new_task_) {
      for (auto it = clones_.rbegin(); it != clones_.rend(); ++it)
        if (it->stack == stack) {
          it->child = r[Reg::kEax];
          // A task_struct freed by an exit is soon another task's: its old pid is not this one's.
          pid_.erase(it->child);
          comm_[it->child] = comm_of(current_);  // the parent's, as dup_task_struct copies it
          break;
        }
    } else if (in.eip == set_task_comm_) {
      if (std::optional<std::string> name = read_string(r[Reg::kEdx])) {
        const std::uint32_t task = r[Reg::kEax];
        if (const std::int64_t p = pid_of(task); p >= 0) name_[p] = *name;
        comm_[task] = std::move(*name);
      }
    }
  }
  remember_writes(in);
}

void LinuxTasks::remember_writes(const tr::Instruction& in) {
  for (const MemWrite& w : in.mem) {
    for (std::uint32_t i = 0; i < w.size; ++i) {
      const std::uint32_t a = w.addr + i, page = a & ~0xFFFu, off = a & 0xFFFu;
      if (page != last_page_) {
        std::unique_ptr<Page>& p = pages_[page];
        if (!p) {
          p = std::make_unique<Page>();
          std::memset(p->known, 0, sizeof p->known);
        }
        last_page_ = page;
        last_ = p.get();
      }
      last_->bytes[off] = static_cast<std::uint8_t>(w.value >> (8 * i));
      last_->known[off / 64] |= std::uint64_t{1} << (off % 64);
    }
  }
}

std::optional<std::uint8_t> LinuxTasks::byte_at(std::uint32_t addr) const {
  auto it = pages_.find(addr & ~0xFFFu);
  const std::uint32_t off = addr & 0xFFFu;
  if (it != pages_.end() && (it->second->known[off / 64] >> (off % 64) & 1))
    return it->second->bytes[off];
  const std::uint8_t* b = nullptr;
  if (t_.code_at(addr, 1, b)) return *b;
  return std::nullopt;
}

std::optional<std::string> LinuxTasks::read_string(std::uint32_t addr) const {
  std::string s;
  for (std::uint32_t i = 0; i + 1 < kTaskCommLen; ++i) {
    const std::optional<std::uint8_t> c = byte_at(addr + i);
    if (!c) return std::nullopt;
    if (*c == 0) break;
    s.push_back(static_cast<char>(*c));
  }
  return s;
}

std::int64_t LinuxTasks::pid_of(std::uint32_t task) const {
  auto it = pid_.find(task);
  return it == pid_.end() ? -1 : it->second;
}

const std::string& LinuxTasks::comm_of(std::uint32_t task) const {
  static const std::string none;
  auto it = comm_.find(task);
  return it == comm_.end() ? none : it->second;
}

const std::string& LinuxTasks::comm_of_pid(std::int64_t pid) const {
  static const std::string none;
  auto it = name_.find(pid);
  return it == name_.end() ? none : it->second;
}

}  // namespace fs::cli
