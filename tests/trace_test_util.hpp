// Shared by tests/trace_writer_test.cpp and tests/trace_reader_test.cpp: a seeded synthetic stream
// of instructions and events, the register files it implies, and a writer for it.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "trace/trace_format.hpp"
#include "trace/trace_writer.hpp"

namespace fs::trace::testing {

struct SynthInsn {
  std::uint64_t cycle = 0;
  std::uint32_t eip = 0;
  std::uint8_t len = 0;
  std::vector<RegChange> changes;
};

struct SynthStream {
  Header header;
  std::vector<SynthInsn> insns;
  std::vector<Event> events;  // in seq order, as written
  std::vector<bool> early;    // events[k] is handed to the writer before instruction seq-1
};

// A temporary file removed when it goes out of scope.
struct TempFile {
  std::filesystem::path path;
  explicit TempFile(const std::string& name)
      : path(std::filesystem::temp_directory_path() /
             ("forkscope_trace_" + std::to_string(::getpid()) + "_" + name)) {}
  ~TempFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  std::string str() const { return path.string(); }
};

inline std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

inline Header sample_header() {
  Header h;
  h.build_id = {0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
  h.image_name = "/some/host/path/kernel.elf";  // the writer keeps the basename
  h.options = {
      {"ram", "16M"}, {"cpu_mhz", "25"}, {"cmdline", "init=sched quiet"}, {"max_cycles", "0"}};
  for (std::size_t r = 0; r < kRegCount; ++r) h.regs.v[r] = static_cast<std::uint32_t>(r * 0x111);
  h.regs[Reg::kEip] = 0x00100000;
  h.regs[Reg::kEflags] = 0x2;
  h.regs[Reg::kCs] = 0x08;
  h.regs[Reg::kSs] = 0x10;
  h.regs[Reg::kCpl] = 0;
  h.regs[Reg::kCr0] = 0x11;
  return h;
}

// One event of kind k with seeded field values.
inline EventData sample_event_data(EventKind k, std::mt19937_64& rng) {
  auto u32 = [&] { return static_cast<std::uint32_t>(rng()); };
  switch (k) {
    case EventKind::Delivery: {
      Delivery d;
      d.vector = static_cast<std::uint8_t>(rng());
      d.kind = static_cast<DeliveryKind>(rng() % 3);
      d.has_error_code = rng() % 2;
      d.error_code = d.has_error_code ? u32() % 0x10000 : 0;
      d.from = {0x23, u32()};
      d.to = {0x08, 0xC0100000 + u32() % 0x1000};
      d.stack_switched = rng() % 2;
      d.esp0_used = d.stack_switched ? 0xC0200000 + u32() % 0x2000 : 0;
      if (d.stack_switched)
        d.frame = {0x2B, u32(), 0x202, 0x23, d.from.eip};
      else
        d.frame = {0x202, 0x08, d.from.eip};
      if (d.has_error_code) d.frame.push_back(d.error_code);
      return d;
    }
    case EventKind::Iret: {
      Iret i;
      i.cpl_before = 0;
      i.cpl_after = rng() % 2 ? 3 : 0;
      i.frame = {u32(), i.cpl_after ? 0x23u : 0x08u, 0x202};
      if (i.cpl_after) {
        i.frame.push_back(u32());
        i.frame.push_back(0x2B);
      }
      i.from = {0x08, 0xC0100000 + u32() % 0x1000};
      i.to = {static_cast<std::uint16_t>(i.frame[1]), i.frame[0]};
      return i;
    }
    case EventKind::Hlt:
      return Hlt{rng() % 100000 + (rng() % 2 ? (1ull << 40) : 0)};
    case EventKind::PortIo:
      return PortIo{static_cast<std::uint16_t>(rng()), static_cast<std::uint8_t>(1u << (rng() % 3)),
                    rng() % 2 == 1, u32()};
    case EventKind::Switch:
      return Switch{static_cast<std::int32_t>(rng() % 100), -static_cast<std::int32_t>(rng() % 5),
                    u32(), u32()};
    case EventKind::RetFromFork:
      return RetFromFork{static_cast<std::int32_t>(rng() % 1000),
                         u32(),
                         u32(),
                         std::vector<std::uint32_t>(rng() % 17, u32()),
                         u32(),
                         u32(),
                         u32()};
    case EventKind::Fork:
      return Fork{static_cast<std::int32_t>(rng() % 1000),
                  static_cast<std::int32_t>(rng() % 1000),
                  u32(),
                  u32(),
                  std::vector<std::uint32_t>(rng() % 17, u32()),
                  std::string(rng() % 17, 'k')};
    case EventKind::UserSpace:
      return UserSpace{static_cast<std::int32_t>(rng() % 1000), u32(), u32() & ~0xFFFu,
                       std::string("prog") + std::to_string(rng() % 100)};
    case EventKind::SyscallEntry:
      return SyscallEntry{u32() % 300, {u32(), u32(), u32(), u32(), u32(), u32()}};
    case EventKind::SyscallExit:
      return SyscallExit{u32() % 300, static_cast<std::int32_t>(u32())};
    case EventKind::Stop:
      return Stop{static_cast<std::uint8_t>(rng()), -static_cast<std::int32_t>(rng() % 300),
                  "guest exited: status " + std::to_string(rng() % 1000)};
  }
  return Hlt{};
}

// realistic: mostly fallthrough EIPs, 1-2 register changes of small size, cycle deltas 1-10, few
// events. Otherwise: every register, jumps, big values, up to 20 changes, frequent events of every
// kind including ones at seq 0, at chunk-size multiples (every_seq) and after the last instruction.
inline SynthStream make_stream(std::uint64_t seed, std::size_t n, bool realistic,
                               std::uint64_t every_seq = 16384) {
  std::mt19937_64 rng(seed);
  SynthStream s;
  s.header = sample_header();
  RegFile regs = s.header.regs;
  std::uint64_t cycle = 1000;
  std::uint32_t eip = regs.eip();
  std::uint32_t loop_start = eip;
  s.insns.reserve(n);

  auto add_event = [&](std::uint64_t seq, std::uint64_t at) {
    const auto k = static_cast<EventKind>(rng() % kEventKindCount);
    Event e{seq, at, sample_event_data(k, rng)};
    s.events.push_back(std::move(e));
    s.early.push_back(seq > 0 && rng() % 4 == 0);
  };

  for (std::size_t seq = 0; seq < n; ++seq) {
    if (!realistic) {
      if (seq == 0 || seq % every_seq == 0 || rng() % 97 == 0) {
        const int count = 1 + static_cast<int>(rng() % 3);
        for (int c = 0; c < count; ++c) add_event(seq, cycle - rng() % 3);
      }
    } else if (rng() % 5000 == 0) {
      add_event(seq, cycle);
    }
    SynthInsn in;
    in.cycle = cycle;
    in.eip = eip;
    in.len = static_cast<std::uint8_t>(1 + rng() % (realistic ? 6 : 15));
    std::size_t nchg;
    if (realistic) {
      nchg = rng() % 8 == 0 ? 0 : 1 + rng() % 2;
    } else {
      const auto r = rng() % 10;
      nchg = r < 7 ? r % 3 : 3 + rng() % 18;
    }
    std::vector<bool> used(kRegCount, false);
    for (std::size_t c = 0; c < nchg; ++c) {
      std::size_t id;
      if (realistic) {
        const auto r = rng() % 10;
        id = r < 6 ? rng() % 8 : (r < 9 ? static_cast<std::size_t>(Reg::kEflags) : rng() % 8);
      } else {
        id = rng() % kRegCount;
      }
      if (id == static_cast<std::size_t>(Reg::kEip) || used[id]) continue;
      used[id] = true;
      const Reg r = static_cast<Reg>(id);
      std::uint32_t v = regs[r];
      if (r == Reg::kEflags) {
        v ^= 1u << (rng() % (realistic ? 8 : 32));
      } else if (realistic) {
        v += static_cast<std::uint32_t>(static_cast<std::int32_t>(rng() % 9) - 4);
        if (rng() % 20 == 0) v = static_cast<std::uint32_t>(rng());
      } else {
        v = rng() % 2 ? static_cast<std::uint32_t>(rng())
                      : v + static_cast<std::uint32_t>(rng() % 7);
      }
      regs[r] = v;
      in.changes.push_back(RegChange{r, v});
    }
    s.insns.push_back(std::move(in));
    cycle += realistic ? 1 + rng() % 10 : rng() % 4 == 0 ? 0 : 1 + rng() % 1000;
    const std::uint32_t fall = eip + s.insns.back().len;
    if (realistic) {
      if (rng() % 12 == 0) {
        eip = loop_start;  // a loop back-edge
        if (rng() % 20 == 0) loop_start = fall + static_cast<std::uint32_t>(rng() % 4096);
      } else {
        eip = fall;
      }
    } else {
      eip = rng() % 3 == 0 ? static_cast<std::uint32_t>(rng()) : fall;
    }
  }
  if (!realistic) {
    add_event(n, cycle);
    s.events.push_back(Event{n, cycle, Stop{2, 7, "stopped"}});
    s.early.push_back(false);
  }
  return s;
}

// Kernel-like: a fixed program of basic blocks (each static instruction has one length, one cycle
// cost and one set of registers it changes, by a fixed step or a load from a small pool of values),
// executed with loops and jumps between blocks; an interrupt-like event every ~10k instructions.
inline SynthStream make_program_stream(std::uint64_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  struct StaticChange {
    Reg reg;
    int kind;  // 0: += step, 1: load from the pool, 2: EFLAGS from a few patterns, 3: random
    std::uint32_t step;
  };
  struct StaticInsn {
    std::uint32_t eip;
    std::uint8_t len;
    std::uint32_t cost;
    std::vector<StaticChange> changes;
  };
  struct Block {
    std::vector<StaticInsn> insns;
    int loop_count;
  };
  std::vector<Block> blocks(400);
  std::uint32_t addr = 0xC0100000;
  std::vector<std::uint32_t> pool;
  for (int k = 0; k < 64; ++k)
    pool.push_back(0xC0200000 + static_cast<std::uint32_t>(rng() % 0x100000));
  const std::uint32_t flags[] = {0x202, 0x246, 0x282, 0x203, 0x297};
  for (Block& b : blocks) {
    const std::size_t len = 3 + rng() % 10;
    b.loop_count = rng() % 4 == 0 ? static_cast<int>(2 + rng() % 30) : 0;
    for (std::size_t k = 0; k < len; ++k) {
      StaticInsn in;
      in.eip = addr;
      in.len = static_cast<std::uint8_t>(1 + rng() % 6);
      addr += in.len;
      in.cost = static_cast<std::uint32_t>(1 + rng() % 10);
      const std::size_t nchg = rng() % 6 == 0 ? 0 : 1 + rng() % 2;
      for (std::size_t c = 0; c < nchg; ++c) {
        const auto r = rng() % 10;
        if (r < 3)
          in.changes.push_back({Reg::kEflags, 2, 0});
        else
          in.changes.push_back({static_cast<Reg>(rng() % 8), r < 7 ? 0 : (r < 9 ? 1 : 3),
                                static_cast<std::uint32_t>(static_cast<int>(rng() % 9) - 4)});
      }
      if (nchg == 2 && in.changes[0].reg == in.changes[1].reg) in.changes.pop_back();
      b.insns.push_back(std::move(in));
    }
  }
  SynthStream s;
  s.header = sample_header();
  RegFile regs = s.header.regs;
  std::uint64_t cycle = 1000;
  std::size_t b = 0;
  int iterations = 0;
  s.insns.reserve(n);
  while (s.insns.size() < n) {
    for (const StaticInsn& st : blocks[b].insns) {
      if (s.insns.size() == n) break;
      if (rng() % 10000 == 0) {
        s.events.push_back(Event{s.insns.size(), cycle, Hlt{rng() % 1000}});
        s.early.push_back(false);
      }
      SynthInsn in;
      in.cycle = cycle;
      in.eip = st.eip;
      in.len = st.len;
      for (const StaticChange& c : st.changes) {
        std::uint32_t v = regs[c.reg];
        switch (c.kind) {
          case 0:
            v += c.step;
            break;
          case 1:
            v = pool[rng() % pool.size()];
            break;
          case 2:
            v = flags[rng() % 5 < 3 ? 0 : rng() % 5];
            break;
          default:
            v = static_cast<std::uint32_t>(rng());
            break;
        }
        regs[c.reg] = v;
        in.changes.push_back({c.reg, v});
      }
      cycle += st.cost;
      s.insns.push_back(std::move(in));
    }
    if (blocks[b].loop_count && ++iterations < blocks[b].loop_count) continue;
    iterations = 0;
    b = rng() % 2 == 0 && b + 1 < blocks.size() ? b + 1 : rng() % blocks.size();
  }
  return s;
}

// Writes s in stream order: the events of seq S, then instruction S (events marked early are handed
// over before instruction S-1, to exercise the writer's holding of events ahead of their seq).
inline void write_stream(const SynthStream& s, const std::string& path, const WriterOptions& opt) {
  Writer w(path, s.header, opt);
  std::size_t k = 0;  // the next event not handed over yet
  for (std::size_t seq = 0; seq <= s.insns.size(); ++seq) {
    while (k < s.events.size() && s.events[k].seq == seq) w.event(s.events[k++]);
    while (k < s.events.size() && s.events[k].seq == seq + 1 && s.early[k]) w.event(s.events[k++]);
    if (seq < s.insns.size()) {
      const SynthInsn& in = s.insns[seq];
      w.instruction(in.cycle, in.eip, in.len, in.changes);
    }
  }
  w.finish();
}

}  // namespace fs::trace::testing
