// Mirrors emu/gdb_stub.cpp: the Remote Serial Protocol's framing, and the stub driving real guests
// through a scripted Transport (no socket): gdb's packets go in at each stop, its replies are
// checked against the machine's own state.
#include "emu/gdb_stub.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "emu/gdb_target_xml.hpp"
#include "emu/machine.hpp"

using namespace fs;

namespace {

std::string guest(const std::string& name) {
  return std::string(FS_BUILD_DIR) + "/tests/machine/" + name + ".elf";
}
std::string kernel() {
  return std::string(FS_BUILD_DIR) + "/guest/kernel.elf";
}

// gdb as a script: when the stub wants a byte and none is queued, the next step runs (it may look
// at the replies so far and the paused machine, and queue packets); with no step left, gdb has
// gone.
class ScriptTransport : public gdb::Transport {
 public:
  using Step = std::function<void(ScriptTransport&)>;
  std::deque<std::uint8_t> in;
  std::string out;
  std::vector<Step> steps;
  std::size_t next_step = 0;
  unsigned polls = 0;
  unsigned ctrl_c_at_poll = 0;  // 0: never

  std::optional<std::uint8_t> read() override {
    while (in.empty()) {
      if (next_step == steps.size()) return std::nullopt;
      steps[next_step++](*this);
    }
    const std::uint8_t b = in.front();
    in.pop_front();
    return b;
  }
  bool readable() override {
    if (++polls == ctrl_c_at_poll) in.push_back(0x03);
    return !in.empty();
  }
  void write(std::string_view bytes) override { out += bytes; }

  void send(const std::string& payload) {
    for (char c : gdb::frame(payload)) in.push_back(static_cast<std::uint8_t>(c));
  }
  // The payloads of the packets written since the last call (acks skipped).
  std::vector<std::string> replies() {
    std::vector<std::string> r;
    std::size_t i = 0;
    while ((i = out.find('$', i)) != std::string::npos) {
      const std::size_t hash = out.find('#', i);
      REQUIRE(hash != std::string::npos);
      r.push_back(gdb::unescape(out.substr(i + 1, hash - i - 1)));
      i = hash + 3;
    }
    out.clear();
    return r;
  }
};

MachineOptions options(std::string* console = nullptr) {
  MachineOptions o;
  o.per_instruction = true;
  o.serial_out = [console](std::uint8_t b) {
    if (console) console->push_back(static_cast<char>(b));
  };
  return o;
}

std::uint32_t sym(const Machine& m, const std::string& name) {
  auto a = m.symbols().address_of(name);
  REQUIRE(a.has_value());
  return *a;
}

std::string hex32(std::uint32_t v) {
  return gdb::to_hex(&v, 4);
}

std::uint32_t reg_of_g(const std::string& g, int r) {
  auto b = gdb::from_hex(g.substr(8 * r, 8));
  REQUIRE(b.has_value());
  return static_cast<std::uint32_t>((*b)[0] | (*b)[1] << 8 | (*b)[2] << 16 | (*b)[3] << 24);
}

}  // namespace

TEST_CASE("gdb stub: packets are framed with a modulo-256 checksum", "[gdb_stub]") {
  CHECK(gdb::checksum("") == 0);
  CHECK(gdb::checksum("g") == 0x67);
  CHECK(gdb::frame("OK") == "$OK#9a");
  CHECK(gdb::frame("") == "$#00");
  CHECK(gdb::frame("T05thread:01;") == "$T05thread:01;#07");
}

TEST_CASE("gdb stub: $ # } and * are escaped as } and the byte XOR 0x20", "[gdb_stub]") {
  CHECK(gdb::escape("a$b#c}d*e") ==
        "a}\x04"
        "b}\x03"
        "c}]d}\x0a"
        "e");
  CHECK(gdb::unescape(gdb::escape("a$b#c}d*e")) == "a$b#c}d*e");
  // The checksum covers the bytes as sent, escapes included.
  CHECK(gdb::frame("$") == "$}\x04#81");
  CHECK(gdb::to_hex("\x01\xab", 2) == "01ab");
  CHECK(gdb::from_hex("01aB") == std::vector<std::uint8_t>{0x01, 0xab});
  CHECK_FALSE(gdb::from_hex("0").has_value());
  CHECK_FALSE(gdb::from_hex("zz").has_value());
}

TEST_CASE("gdb stub: the channel acks packets, rejects bad checksums and resends on -",
          "[gdb_stub]") {
  ScriptTransport t;
  gdb::Channel ch(t);
  auto push = [&](std::string_view s) {
    for (char c : s) t.in.push_back(static_cast<std::uint8_t>(c));
  };
  push("+$g#67");
  gdb::Incoming in = ch.next();
  CHECK(in.kind == gdb::Incoming::Kind::kPacket);
  CHECK(in.payload == "g");
  CHECK(t.out == "+");
  t.out.clear();
  push("$g#00$?#3f");  // the first is damaged: '-', and gdb's resend is the next packet
  in = ch.next();
  CHECK(in.payload == "?");
  CHECK(t.out == "-+");
  t.out.clear();
  ch.send("OK");
  push("-$#00");
  in = ch.next();
  CHECK(in.kind == gdb::Incoming::Kind::kPacket);
  CHECK(in.payload.empty());
  CHECK(t.out == "$OK#9a$OK#9a+");
  push(std::string("$X0,1:}") + "\x03" + "#" + "9f");  // escaped '#' in binary data
  in = ch.next();
  CHECK(in.payload == "X0,1:#");
  push("\x03");
  CHECK(ch.next().kind == gdb::Incoming::Kind::kInterrupt);
  CHECK_FALSE(ch.poll().has_value());
  CHECK(ch.next().kind == gdb::Incoming::Kind::kClosed);
}

// Issue 12 item 10: a 512 MiB unterminated packet grew the stub's memory by 525 MB although it
// advertises PacketSize=1000 (hex). Bytes past the size are not kept; the packet is answered E22.
namespace {
class Flood : public gdb::Transport {
 public:
  std::uint64_t left;  // payload bytes still to send after '$'
  std::string tail, out;
  explicit Flood(std::uint64_t n, std::string after) : left(n), tail(std::move(after)) {}
  std::optional<std::uint8_t> read() override {
    if (!started_) return started_ = true, std::uint8_t{'$'};
    if (left) return --left, std::uint8_t{'a'};
    if (pos_ == tail.size()) return std::nullopt;
    return static_cast<std::uint8_t>(tail[pos_++]);
  }
  bool readable() override { return true; }
  void write(std::string_view b) override { out += b; }

 private:
  bool started_ = false;
  std::size_t pos_ = 0;
};
}  // namespace

TEST_CASE("gdb stub: a packet longer than PacketSize is answered E22, the next one is served",
          "[gdb_stub]") {
  const std::size_t max = gdb::Channel::kMaxPacket;
  SECTION("at PacketSize it is a packet") {
    Flood t(max, fmt::format("#{:02x}", static_cast<unsigned>(max * 'a' % 256)));
    gdb::Channel ch(t);
    const gdb::Incoming in = ch.next();
    CHECK(in.kind == gdb::Incoming::Kind::kPacket);
    CHECK(in.payload == std::string(max, 'a'));
    CHECK(t.out == "+");
  }
  SECTION("one byte more, or 16 MiB more, is read to its '#' and refused") {
    for (std::uint64_t n : {std::uint64_t{max + 1}, std::uint64_t{16} << 20}) {
      Flood t(n, "#00$qC#b4");
      gdb::Channel ch(t);
      const gdb::Incoming in = ch.next();
      CHECK(in.kind == gdb::Incoming::Kind::kPacket);
      CHECK(in.payload == "qC");
      CHECK(t.out == "+" + gdb::frame("E22") + "+");
    }
  }
}

TEST_CASE("gdb stub: the guest waits at its first instruction, g is i386 order", "[gdb_stub]") {
  MachineOptions o = options();
  o.max_cycles = 200'000;
  Machine m(o);
  m.load(guest("spin"));
  ScriptTransport t;
  gdb::Stub stub(m, t);
  std::uint32_t first_eip = 0;
  t.steps = {
      [&](ScriptTransport& s) {
        first_eip = m.reg(Reg::kEip);
        CHECK(m.stats().instructions == 0);
        for (const char* p :
             {"qSupported:multiprocess+;swbreak+", "Hg0", "qAttached", "qC", "qfThreadInfo",
              "qsThreadInfo", "vCont?", "qXfer:features:read", "?", "g", "p8", "p9", "p10"})
          s.send(p);
      },
      [&](ScriptTransport& s) {
        auto r = s.replies();
        REQUIRE(r.size() == 13);
        CHECK(r[0] == "PacketSize=1000;qXfer:features:read+;swbreak+");  // hex: kMaxPacket
        CHECK(r[1] == "OK");
        CHECK(r[2] == "1");
        CHECK(r[3] == "QC01");
        CHECK(r[4] == "m01");
        CHECK(r[5] == "l");
        CHECK(r[6].empty());
        CHECK(r[7].empty());
        CHECK(r[8] == "T05thread:01;");
        // eax ecx edx ebx esp ebp esi edi eip eflags cs ss ds es fs gs: Reg's own order.
        // Then the x87 registers (unavailable) and the system registers: emu/gdb_target_xml.hpp.
        REQUIRE(r[9].size() == 2 * gdb::kGBytes);
        for (int i = 0; i < 16; ++i) CHECK(reg_of_g(r[9], i) == m.reg(static_cast<Reg>(i)));
        CHECK(reg_of_g(r[9], 8) == first_eip);
        CHECK(r[10] == hex32(first_eip));
        CHECK(r[11] == hex32(m.reg(Reg::kEflags)));
        CHECK(r[12] == std::string(20, 'x'));  // st0: unavailable, 80 bits
        s.send("D");
      },
  };
  RunResult r = m.run();
  CHECK(t.replies() == std::vector<std::string>{"OK"});
  CHECK(r.reason == StopReason::kCycleLimit);  // detached: the run went on to its end
  CHECK_FALSE(stub.attached());
  CHECK(first_eip == m.symbols().address_of("_start"));
}

TEST_CASE("gdb stub: malformed packets get an error reply and the run goes on", "[gdb_stub]") {
  MachineOptions o = options();
  o.max_cycles = 200'000;
  Machine m(o);
  m.load(guest("spin"));
  ScriptTransport t;
  gdb::Stub stub(m, t);
  t.steps = {
      [&](ScriptTransport& s) {
        // An empty packet, arguments missing or not hex: the parsers' problem, not the guest's.
        for (const char* p : {"", "Z0", "z", "m", "mzz,4", "M0", "X", "P", "p", "Gzz", "?"})
          s.send(p);
      },
      [&](ScriptTransport& s) {
        auto r = s.replies();
        REQUIRE(r.size() == 11);
        for (std::size_t i = 1; i < 10; ++i) {
          INFO("reply " << i);
          CHECK((r[i].empty() || r[i][0] == 'E'));
        }
        CHECK(r[10] == "T05thread:01;");  // still stopped where it was, still serving
        CHECK(m.stats().instructions == 0);
        s.send("D");
      },
  };
  RunResult r = m.run();
  CHECK(r.reason == StopReason::kCycleLimit);  // detached: the run went on to its end
}

TEST_CASE("gdb stub: general registers, EFLAGS and EIP are writable, segments refused",
          "[gdb_stub]") {
  MachineOptions o = options();
  o.max_cycles = 100'000;
  Machine m(o);
  m.load(guest("spin"));
  ScriptTransport t;
  gdb::Stub stub(m, t);
  std::string g;
  t.steps = {
      [&](ScriptTransport& s) { s.send("g"); },
      [&](ScriptTransport& s) {
        g = s.replies().at(0);
        std::string g2 = g;
        g2.replace(8 * 3, 8, hex32(0xcafef00d));  // ebx
        s.send("G" + g2);
        std::string g3 = g2;
        g3.replace(8 * 12, 8, hex32(0x2b));  // ds: the whole G is refused
        g3.replace(8 * 1, 8, hex32(0x11111111));
        s.send("G" + g3);
        s.send("P0=78563412");                             // eax
        s.send("P8=" + hex32(m.reg(Reg::kEip) + 1));       // eip: the guest resumes there
        s.send("P8=" + hex32(m.reg(Reg::kEip)));           // and back
        s.send("Pa=" + hex32(0x1b));                       // cs: refused
        s.send("P9=" + hex32(m.reg(Reg::kEflags) | 0x1));  // eflags.CF
      },
      [&](ScriptTransport& s) {
        auto r = s.replies();
        CHECK(r == std::vector<std::string>{"OK", "E01", "OK", "OK", "OK", "E01", "OK"});
        CHECK(m.reg(Reg::kEax) == 0x12345678);
        CHECK(m.reg(Reg::kEbx) == 0xcafef00d);
        CHECK(m.reg(Reg::kEcx) != 0x11111111);
        CHECK(reg_of_g(g, 8) == m.reg(Reg::kEip));
        CHECK(m.reg(Reg::kEflags) & 0x1);
        s.send("k");
      },
  };
  RunResult r = m.run();
  CHECK(r.reason == StopReason::kKilled);
  CHECK(r.exit_status == 130);
  CHECK(m.stats().instructions == 0);  // the first instruction never ran
  CHECK(t.replies().empty());          // no reply to k, no W after it
}

TEST_CASE("gdb stub: memory is read at linear addresses through the page tables at CR3",
          "[gdb_stub]") {
  Machine m(options());
  m.load(guest("paging_alias"));
  const std::uint32_t under_a = sym(m, "under_a"), under_b = sym(m, "under_b");
  ScriptTransport t;
  gdb::Stub stub(m, t);
  auto bp = [](char z, std::uint32_t a) { return fmt::format("{}0,{:x},1", z, a); };
  t.steps = {
      [&](ScriptTransport& s) {
        // Paging is off: 1 GiB is beyond the 64 MiB of RAM.
        s.send("m40000800,4");
        s.send(bp('Z', under_a));
        s.send("c");
      },
      [&](ScriptTransport& s) {
        CHECK(m.reg(Reg::kEip) == under_a);
        CHECK(m.reg(Reg::kCr0) & kCr0PG);
        // The guest has not touched USER yet: the stub's walk of A's tables finds frame A.
        s.send("m40000800,4");
        s.send("m40000000,6");
        s.send("m80000000,4");  // no page table for it
        s.send("m40000ffe,4");  // half mapped: the mapped part
        s.send(bp('z', under_a));
        s.send(bp('Z', under_b));
        s.send("c");
      },
      [&](ScriptTransport& s) {
        CHECK(m.reg(Reg::kEip) == under_b);
        s.send("m40000800,4");
        s.send("m40000000,6");
        s.send("M40000a00,4:55aa0000");  // lands in frame B (0x300000)
        s.send("m300a00,4");
        s.send("X40000a04,2:\x01\x02");
        s.send("m40000a04,2");
        s.send("M80000000,1:00");
        s.send("c");
      },
  };
  RunResult r = m.run();
  stub.finish(r);
  auto rep = t.replies();
  CHECK(rep == std::vector<std::string>{
                   "E14", "OK", "T05thread:01;",
                   // under_a
                   "11110000", "b80a000000c3", "E14", "0000", "OK", "OK", "T05thread:01;",
                   // under_b
                   "22220000", "b80b000000c3", "OK", "55aa0000", "OK", "0102", "E14", "W00"});
  CHECK(r.reason == StopReason::kGuestExit);
  CHECK(r.exit_status == 0);  // the guest's own checks still pass
}

TEST_CASE("gdb stub: a breakpoint stops before the instruction and s steps one instruction",
          "[gdb_stub]") {
  std::string console;
  MachineOptions o = options(&console);
  o.cmdline = "init=process1";
  Machine m(o);
  m.load(kernel());
  const std::uint32_t rff = sym(m, "ret_from_fork");
  ScriptTransport t;
  gdb::Stub stub(m, t);
  std::uint64_t seq = 0;
  std::uint32_t len = 0;
  t.steps = {
      [&](ScriptTransport& s) {
        s.send("qSupported:swbreak+;hwbreak+");
        s.send(fmt::format("Z1,{:x},1", rff));  // a "hardware" breakpoint is the same thing
        s.send("c");
      },
      [&](ScriptTransport& s) {
        // hwbreak: EIP is the breakpoint's own address, gdb must not move it back.
        CHECK(s.replies() ==
              std::vector<std::string>{"PacketSize=1000;qXfer:features:read+;swbreak+;hwbreak+",
                                       "OK", "T05hwbreak:;thread:01;"});
        CHECK(m.reg(Reg::kEip) == rff);
        seq = m.stats().instructions;
        len = m.current_instruction().len;
        CHECK(len == 1);  // push %eax
        s.send("s");
      },
      [&](ScriptTransport& s) {
        CHECK(s.replies() == std::vector<std::string>{"T05thread:01;"});
        CHECK(m.reg(Reg::kEip) == rff + len);
        CHECK(m.stats().instructions == seq + 1);
        s.send(fmt::format("z1,{:x},1", rff));
        s.send("c");
      },
  };
  RunResult r = m.run();
  stub.finish(r);
  CHECK(t.replies() == std::vector<std::string>{"OK", "W00"});
  CHECK(r.reason == StopReason::kGuestExit);
  CHECK(stub.stops() == 3);
  CHECK(console.find("process1: pid 1") != std::string::npos);
}

TEST_CASE("gdb stub: continuing under gdb gives the run without it, cycle for cycle",
          "[gdb_stub]") {
  auto run = [](bool with_gdb, std::string& console, Cycles& cycles, std::uint64_t& insns) {
    MachineOptions o = options(&console);
    o.cmdline = "init=forktest";
    Machine m(o);
    m.load(kernel());
    ScriptTransport t;
    std::unique_ptr<gdb::Stub> stub;
    if (with_gdb) {
      stub = std::make_unique<gdb::Stub>(m, t);
      const std::uint32_t rff = sym(m, "ret_from_fork");
      t.steps = {
          [rff](ScriptTransport& s) {
            s.send(fmt::format("Z0,{:x},1", rff));
            s.send("c");
          },
          [&m, rff](ScriptTransport& s) {
            s.send("g");
            s.send(fmt::format("m{:x},44", m.reg(Reg::kEsp)));
            s.send(fmt::format("z0,{:x},1", rff));
            s.send("c");
          },
      };
    }
    RunResult r = m.run();
    if (stub) {
      stub->finish(r);
      CHECK(t.replies().back() == "W00");
    }
    cycles = m.clock().now;
    insns = m.stats().instructions;
    return r;
  };
  std::string c1, c2;
  Cycles cy1, cy2;
  std::uint64_t n1, n2;
  RunResult r1 = run(false, c1, cy1, n1);
  RunResult r2 = run(true, c2, cy2, n2);
  CHECK(r1.exit_status == 0);
  CHECK(r2.exit_status == 0);
  CHECK(c1 == c2);
  CHECK(cy1 == cy2);
  CHECK(n1 == n2);
}

TEST_CASE("gdb stub: ^C stops the running guest with SIGINT at a poll", "[gdb_stub]") {
  MachineOptions o = options();
  o.max_cycles = 1'000'000;
  Machine m(o);
  m.load(guest("spin"));
  ScriptTransport t;
  t.ctrl_c_at_poll = 3;
  gdb::Stub stub(m, t);
  t.steps = {
      [&](ScriptTransport& s) { s.send("c"); },
      [&](ScriptTransport& s) {
        // Polled every kPollEvery instructions after the first stop: the third poll.
        CHECK(m.stats().instructions == 3 * gdb::Stub::kPollEvery);
        s.send("?");
        s.send("c");
      },
  };
  RunResult r = m.run();
  stub.finish(r);
  auto rep = t.replies();
  REQUIRE(rep.size() == 4);
  CHECK(rep[0] == "T02thread:01;");
  CHECK(rep[1] == "T02thread:01;");
  CHECK(rep[2].starts_with("O"));  // the cycle-limit message, then SIGXCPU
  CHECK(rep.back() == "X18");
}

TEST_CASE("gdb stub: a triple fault is reported to gdb as SIGSEGV after its message",
          "[gdb_stub]") {
  Machine m(options());
  m.load(guest("triple_fault"));
  ScriptTransport t;
  gdb::Stub stub(m, t);
  t.steps = {[](ScriptTransport& s) { s.send("c"); }};
  RunResult r = m.run();
  stub.finish(r);
  CHECK(r.reason == StopReason::kTripleFault);
  auto rep = t.replies();
  REQUIRE(rep.size() == 2);
  auto text = gdb::from_hex(rep[0].substr(1));
  REQUIRE(text.has_value());
  CHECK(std::string(text->begin(), text->end()).starts_with("forkscope: triple fault"));
  CHECK(rep[1] == "X0b");
}

TEST_CASE("gdb stub: code written by gdb runs, even where the CPU had translated it",
          "[gdb_stub]") {
  MachineOptions o = options();
  o.max_cycles = 1'000'000;
  Machine m(o);
  m.load(guest("spin"));
  const std::uint32_t spin = sym(m, "spin");
  ScriptTransport t;
  gdb::Stub stub(m, t);
  std::uint64_t at = 0;
  t.steps = {
      [&](ScriptTransport& s) {
        s.send(fmt::format("Z0,{:x},1", spin));
        s.send("c");
      },
      [&](ScriptTransport& s) {
        s.send(fmt::format("z0,{:x},1", spin));
        s.send("s");  // once round the loop: `jmp spin` is translated and has run
      },
      [&](ScriptTransport& s) {
        CHECK(m.reg(Reg::kEip) == spin);
        at = m.stats().instructions;
        s.send(fmt::format("M{:x},1:f4", spin));  // hlt with IF=0: the guest halts for good
        s.send("c");
      },
  };
  RunResult r = m.run();
  CHECK(t.replies() ==
        std::vector<std::string>{"OK", "T05thread:01;", "OK", "T05thread:01;", "OK"});
  CHECK(r.reason == StopReason::kHaltedNoIrq);
  // The `jmp` at EIP was translated before the write and runs once more as it was; its jump back
  // fetches the new byte (open question 7).
  CHECK(m.stats().instructions == at + 2);
  CHECK(m.reg(Reg::kEip) == spin + 1);
}

namespace {

// A small well-formedness check of the XML the stub serves: every element closed in order, every
// attribute quoted. Returns the <reg> elements' attributes in document order.
std::vector<std::map<std::string, std::string>> xml_regs(const std::string& xml) {
  std::vector<std::map<std::string, std::string>> regs;
  std::vector<std::string> open;
  std::size_t i = 0;
  while ((i = xml.find('<', i)) != std::string::npos) {
    const std::size_t end = xml.find('>', i);
    REQUIRE(end != std::string::npos);
    std::string tag = xml.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.starts_with("?") || tag.starts_with("!")) continue;
    if (tag.starts_with("/")) {
      REQUIRE_FALSE(open.empty());
      CHECK(open.back() == tag.substr(1));
      open.pop_back();
      continue;
    }
    const bool empty = tag.ends_with("/");
    if (empty) tag.pop_back();
    const std::string name = tag.substr(0, tag.find(' '));
    std::map<std::string, std::string> attrs;
    std::size_t a = name.size();
    while ((a = tag.find('=', a)) != std::string::npos) {
      const std::size_t key = tag.rfind(' ', a) + 1;
      REQUIRE(tag.at(a + 1) == '"');
      const std::size_t close = tag.find('"', a + 2);
      REQUIRE(close != std::string::npos);
      attrs[tag.substr(key, a - key)] = tag.substr(a + 2, close - a - 2);
      a = close;
    }
    if (name == "reg") regs.push_back(attrs);
    if (!empty) open.push_back(name);
  }
  CHECK(open.empty());
  return regs;
}

std::string hex_of(const std::string& text) {
  return gdb::to_hex(text.data(), text.size());
}

// The text of the O packets in `r` (the monitor's output), and whether OK ended them.
std::string o_text(const std::vector<std::string>& r) {
  std::string text;
  for (const auto& p : r) {
    if (p == "OK" || p.empty() || p[0] != 'O') continue;
    auto b = gdb::from_hex(p.substr(1));
    REQUIRE(b.has_value());
    text.append(b->begin(), b->end());
  }
  REQUIRE_FALSE(r.empty());
  CHECK(r.back() == "OK");
  return text;
}

}  // namespace

TEST_CASE("gdb stub: target.xml is served in pieces, its registers are g's in g's order",
          "[gdb_stub]") {
  MachineOptions o = options();
  o.max_cycles = 100'000;
  Machine m(o);
  m.load(guest("spin"));
  ScriptTransport t;
  gdb::Stub stub(m, t);
  std::string xml, g;
  std::function<void(ScriptTransport&)> fetch = [&](ScriptTransport& s) {
    auto r = s.replies();
    if (!r.empty()) {
      REQUIRE(r.size() == 1);
      REQUIRE((r[0][0] == 'm' || r[0][0] == 'l'));
      xml += r[0].substr(1);
      if (r[0][0] == 'l') {
        s.send("g");
        return;
      }
    }
    s.send(fmt::format("qXfer:features:read:target.xml:{:x},100", xml.size()));
    s.steps.push_back(fetch);
  };
  t.steps = {
      [&](ScriptTransport& s) {
        s.send("qSupported:xmlRegisters=i386");
        s.send("qXfer:features:read:other.xml:0,100");
        s.send("qXfer:features:read:target.xml:zz,100");
        s.send(fmt::format("qXfer:features:read:target.xml:{:x},100", gdb::target_xml().size()));
      },
      [&](ScriptTransport& s) {
        CHECK(s.replies() ==
              std::vector<std::string>{"PacketSize=1000;qXfer:features:read+", "E00", "E00", "l"});
        fetch(s);
      },
  };
  t.steps.reserve(64);
  RunResult r = m.run();
  (void)r;
  // The last step asked for g; its reply is what is left.
  auto replies = t.replies();
  REQUIRE_FALSE(replies.empty());
  g = replies.back();
  CHECK(xml == gdb::target_xml());
  CHECK(xml.size() > 0x100);  // it took more than one piece
  const auto regs = xml_regs(xml);
  REQUIRE(regs.size() == gdb::kNumRegs);
  // regnum, where given, is the running count: gdb numbers the others after the one before.
  std::size_t bytes = 0;
  for (unsigned n = 0; n < regs.size(); ++n) {
    INFO("register " << n << " " << regs[n].at("name"));
    if (regs[n].count("regnum")) CHECK(std::stoul(regs[n].at("regnum")) == n);
    CHECK(std::stoul(regs[n].at("bitsize")) == 8 * gdb::register_size(n));
    bytes += gdb::register_size(n);
  }
  CHECK(bytes == gdb::kGBytes);
  CHECK(g.size() == 2 * gdb::kGBytes);
  CHECK(regs[8].at("name") == "eip");
  CHECK(regs[9].at("type") == "i386_eflags");
  CHECK(regs[15].at("name") == "gs");
  CHECK(regs[gdb::kRegCr0].at("name") == "cr0");
  CHECK(regs[gdb::kRegCr3].at("name") == "cr3");
  CHECK(regs[gdb::kRegTr].at("name") == "tr");
}

TEST_CASE("gdb stub: the system registers are read by number and never written", "[gdb_stub]") {
  std::string console;
  MachineOptions o = options(&console);
  o.cmdline = "init=process1";
  Machine m(o);
  m.load(kernel());
  const std::uint32_t rff = sym(m, "ret_from_fork");
  ScriptTransport t;
  gdb::Stub stub(m, t);
  t.steps = {
      [&](ScriptTransport& s) {
        s.send(fmt::format("Z0,{:x},1", rff));
        s.send("c");
      },
      [&](ScriptTransport& s) {
        s.replies();
        REQUIRE(m.reg(Reg::kEip) == rff);
        for (const char* p : {"p20", "p21", "p22", "p23", "p24", "p26", "p28", "p29", "p2a", "g"})
          s.send(p);
      },
      [&](ScriptTransport& s) {
        auto r = s.replies();
        REQUIRE(r.size() == 10);
        CHECK((m.reg(Reg::kCr0) & 0x80000001u) == 0x80000001u);  // PG and PE: paging is on
        CHECK(r[0] == hex32(m.reg(Reg::kCr0)));
        CHECK(r[1] == hex32(m.reg(Reg::kCr2)));
        CHECK(r[2] == hex32(m.reg(Reg::kCr3)));
        CHECK(r[3] == hex32(m.reg(Reg::kCr4)));
        CHECK(r[4] == hex32(m.cpu().gdtr().base));
        CHECK(r[5] == hex32(m.cpu().idtr().base));
        CHECK(r[6] == hex32(0x80));  // __TSS_SEL
        CHECK(r[7] == hex32(m.cpu().tr_base()));
        CHECK(r[8] == "E01");  // no register 42
        const std::string& g = r[9];
        CHECK(g.substr(16 * 8, 8 * 20 + 8 * 8) == std::string(8 * 20 + 8 * 8, 'x'));
        CHECK(g.substr(2 * (gdb::kGBytes - 40)) == r[0] + r[1] + r[2] + r[3] + r[4] +
                                                       hex32(m.cpu().gdtr().limit) + r[5] +
                                                       hex32(m.cpu().idtr().limit) + r[6] + r[7]);
        s.send("P20=" + hex32(m.reg(Reg::kCr0) & ~0x80000000u));  // paging off: refused
        s.send("P20=" + r[0]);                                    // unchanged: fine
        s.send("P10=" + std::string(20, '0'));                    // st0: not held
        s.send("P20=00");                                         // the wrong size
        // A whole G: the x87 bytes are gdb's to fill (zeros here); ebx changes, all else as is.
        std::string whole = g;
        whole.replace(8 * 3, 8, hex32(0x600df00d));
        for (auto& c : whole) c = c == 'x' ? '0' : c;
        s.send("G" + whole);
        std::string bad = whole;
        bad.replace(2 * (gdb::kGBytes - 40) + 24, 8, hex32(0x1000));  // cr3
        bad.replace(8 * 1, 8, hex32(0x11111111));
        s.send("G" + bad);
      },
      [&](ScriptTransport& s) {
        CHECK(s.replies() == std::vector<std::string>{"E01", "OK", "E01", "E01", "OK", "E01"});
        CHECK(m.reg(Reg::kCr0) & 0x80000000u);
        CHECK(m.reg(Reg::kEbx) == 0x600df00d);
        CHECK(m.reg(Reg::kEcx) != 0x11111111);
        s.send("k");
      },
  };
  RunResult r = m.run();
  CHECK(r.reason == StopReason::kKilled);
}

TEST_CASE("gdb stub: monitor commands show the TSS, GDT, IDT, a page walk and the current task",
          "[gdb_stub]") {
  std::string console;
  MachineOptions o = options(&console);
  o.cmdline = "init=process1";
  Machine m(o);
  m.load(kernel());
  const std::uint32_t rff = sym(m, "ret_from_fork"), syscall = sym(m, "system_call");
  ScriptTransport t;
  gdb::Stub stub(m, t);
  auto rcmd = [](ScriptTransport& s, const std::string& cmd) { s.send("qRcmd," + hex_of(cmd)); };
  const std::vector<std::string> cmds = {"info tss",
                                         "info gdt",
                                         "info idt 0x80",
                                         "info idt 0 2",
                                         "info tlb ret_from_fork",
                                         "info tlb 0xfffff000",
                                         "info task",
                                         "info bogus",
                                         "",
                                         "info tlb",
                                         "info idt"};
  std::vector<std::string> out;
  t.steps = {
      [&](ScriptTransport& s) {
        s.send(fmt::format("Z0,{:x},1", rff));
        s.send("c");
      },
      [&](ScriptTransport& s) {
        s.replies();
        REQUIRE(m.reg(Reg::kEip) == rff);
        rcmd(s, cmds[0]);
      },
  };
  // One command per step: each step takes the last command's output and sends the next.
  for (std::size_t i = 1; i <= cmds.size(); ++i) {
    t.steps.push_back([&, i](ScriptTransport& s) {
      out.push_back(o_text(s.replies()));
      if (i < cmds.size()) {
        rcmd(s, cmds[i]);
      } else {
        s.send("qRcmd,zz");  // not hex
        s.send("k");
      }
    });
  }
  RunResult r = m.run();
  CHECK(t.replies() == std::vector<std::string>{"E01"});
  CHECK(r.reason == StopReason::kKilled);
  REQUIRE(out.size() == 11);
  INFO(fmt::format("{}", fmt::join(out, "---\n")));
  const std::uint32_t tr_base = m.cpu().tr_base();
  // info tss: TR is __TSS_SEL, and esp0/ss0 are what the next interrupt from ring 3 loads.
  CHECK(out[0].starts_with(fmt::format("tr 0x0080 base {:#010x} link 0x0000\n", tr_base)));
  CHECK(out[0].find(fmt::format("\n  esp0 {:#010x} ss0 0x0068 ", m.tss_esp0())) !=
        std::string::npos);
  // info gdt: head.S's cpu_gdt_table, the flat segments at 12-15 and cpu_init()'s TSS at 16.
  CHECK(out[1].starts_with(
      fmt::format("gdtr base {:#010x} limit 0x00ff\n", sym(m, "cpu_gdt_table"))));
  CHECK(out[1].find("  [12] sel 0x0060  base 0x00000000 limit 0xffffffff dpl 0 32-bit code, "
                    "readable\n  [13] sel 0x0068  base 0x00000000 limit 0xffffffff dpl 0 32-bit "
                    "data, writable\n  [14] sel 0x0070  base 0x00000000 limit 0xffffffff dpl 3 "
                    "32-bit code, readable\n  [15] sel 0x0078  base 0x00000000 limit 0xffffffff "
                    "dpl 3 32-bit data, writable\n") != std::string::npos);
  CHECK(out[1].find(fmt::format("  [16] sel 0x0080  base {:#010x} ", tr_base)) !=
        std::string::npos);
  CHECK(out[1].find("32-bit TSS (busy)\n") != std::string::npos);  // ltr marked it busy
  // info idt: int $0x80 is a DPL-3 trap gate to system_call; 0 and 1 are kernel gates.
  CHECK(out[2].ends_with(fmt::format("  0x80 32-bit trap gate 0060:{:08x} <{}> dpl 3\n", syscall,
                                     m.describe(syscall))));
  CHECK(std::count(out[3].begin(), out[3].end(), '\n') == 3);
  CHECK(out[3].find("\n  0x00 32-bit ") != std::string::npos);
  CHECK(out[3].find("\n  0x01 32-bit ") != std::string::npos);
  // info tlb: the walk ends at the frame the machine itself translates to.
  const auto phys = m.physical(rff);
  REQUIRE(phys.has_value());
  CHECK(out[4].starts_with(fmt::format("linear {:#010x}: cr3 {:#010x}", rff, m.reg(Reg::kCr3))));
  CHECK(out[4].find(fmt::format("  pde[{:#05x}] at {:#010x} = ", rff >> 22,
                                (m.reg(Reg::kCr3) & ~0xFFFu) + (rff >> 22) * 4)) !=
        std::string::npos);
  CHECK(out[4].ends_with(fmt::format(", physical {:#010x}, supervisor read/write\n", *phys)));
  CHECK(out[5].ends_with("  not mapped\n"));
  // info task: at the first ret_from_fork the child is pid 1, init, about to run.
  CHECK(out[6].starts_with("pid 1 comm \"init\" state 0 (running) task "));
  CHECK(out[6].ends_with(" cpl 0\n"));
  CHECK(out[6].find("state 0 (running)") != std::string::npos);
  const std::string help =
      "monitor commands: info tss | info gdt | info idt [VECTOR [COUNT]] | info tlb ADDR | "
      "info task\n";
  CHECK(out[7] == help);
  CHECK(out[8] == help);
  CHECK(out[9] == help);
  // info idt alone: every present gate, the exceptions, the IRQs and int $0x80 among them.
  CHECK(out[10].starts_with(out[3]));  // its first two gates, as asked for by number
  CHECK(out[10].find(out[2].substr(out[2].find('\n') + 1)) != std::string::npos);
  CHECK(out[10].find("\n  0x20 32-bit interrupt gate 0060:") != std::string::npos);
  CHECK(out[10].find("not present") == std::string::npos);
}

TEST_CASE("gdb stub: in ring 3, info task is the process's and info tlb shows a user page",
          "[gdb_stub]") {
  MachineOptions o = options();
  o.cmdline = "init=forktest";
  Machine m(o);
  m.load(kernel());
  constexpr std::uint32_t kUserEntry = 0x08048000;  // guest/user programs' link address
  ScriptTransport t;
  gdb::Stub stub(m, t);
  std::vector<std::string> out;
  t.steps = {
      [&](ScriptTransport& s) {
        s.send(fmt::format("Z0,{:x},1", kUserEntry));
        s.send("c");
      },
      [&](ScriptTransport& s) {
        s.replies();
        REQUIRE(m.reg(Reg::kEip) == kUserEntry);
        CHECK((m.reg(Reg::kCs) & 3) == 3);
        s.send("qRcmd," + hex_of("info task"));
      },
      [&](ScriptTransport& s) {
        out.push_back(o_text(s.replies()));
        s.send("qRcmd," + hex_of(fmt::format("info tlb {:#x}", kUserEntry)));
      },
      [&](ScriptTransport& s) {
        out.push_back(o_text(s.replies()));
        s.send("k");
      },
  };
  RunResult r = m.run();
  CHECK(r.reason == StopReason::kKilled);
  REQUIRE(out.size() == 2);
  INFO(out[0] + out[1]);
  // The task is found from TSS.esp0 (ESP is the user stack): pid 1, init (exec keeps comm here).
  CHECK(out[0].starts_with("pid 1 comm \"init\" state 0 (running) "));
  CHECK(out[0].ends_with(" cpl 3\n"));
  const auto phys = m.physical(kUserEntry);
  REQUIRE(phys.has_value());
  CHECK(out[1].find(fmt::format(", physical {:#010x}, user ", *phys)) != std::string::npos);
}

TEST_CASE("gdb stub: bs goes back one boundary at a time, bc to the last breakpoint hit",
          "[gdb_stub]") {
  // A plain run's console, to show the replays print nothing twice.
  std::string plain_console;
  {
    MachineOptions o = options(&plain_console);
    o.cmdline = "init=forktest";
    Machine plain(o);
    plain.load(kernel());
    plain.run();
  }
  std::string console;
  MachineOptions o = options(&console);
  o.cmdline = "init=forktest";
  Machine m(o);
  m.load(kernel());
  const std::uint32_t rff = sym(m, "ret_from_fork");
  ScriptTransport t;
  // A snapshot every 20 000 boundaries: the steps back replay from one well before them.
  gdb::Stub stub(m, t, HistoryOptions{20'000, 64ull << 20});
  struct At {
    std::string g;
    std::uint64_t instructions;
    Cycles cycles;
    std::uint64_t position;
  };
  auto here = [&](const std::string& g) {
    return At{g, m.stats().instructions, m.clock().now, stub.position()};
  };
  auto same = [](const At& a, const At& b) {
    CHECK(a.g == b.g);
    CHECK(a.instructions == b.instructions);
    CHECK(a.cycles == b.cycles);
    CHECK(a.position == b.position);
  };
  std::vector<At> forward;  // the second hit of ret_from_fork, then five steps
  std::optional<At> first_hit;
  std::uint32_t boot_eip = 0;
  auto g_of = [](ScriptTransport& s) {
    auto r = s.replies();
    REQUIRE(!r.empty());
    return r.back();
  };
  t.steps.push_back([&](ScriptTransport& s) {
    boot_eip = m.reg(Reg::kEip);
    s.send("qSupported:swbreak+");
    s.send(fmt::format("Z0,{:x},1", rff));
    s.send("c");
  });
  t.steps.push_back([&](ScriptTransport& s) {
    auto r = s.replies();
    CHECK(r == std::vector<std::string>{
                   "PacketSize=1000;qXfer:features:read+;swbreak+;ReverseStep+;ReverseContinue+",
                   "OK", "T05swbreak:;thread:01;"});
    s.send("g");
  });
  t.steps.push_back([&](ScriptTransport& s) {
    first_hit = here(g_of(s));
    s.send("c");  // on to the second fork's child
  });
  t.steps.push_back([&](ScriptTransport& s) {
    CHECK(s.replies() == std::vector<std::string>{"T05swbreak:;thread:01;"});
    s.send("g");
  });
  t.steps.push_back([&](ScriptTransport& s) {
    forward.push_back(here(g_of(s)));
    s.send("s");
  });
  for (int i = 0; i < 5; ++i) {
    t.steps.push_back([&](ScriptTransport& s) {
      CHECK(s.replies() == std::vector<std::string>{"T05thread:01;"});
      s.send("g");
    });
    t.steps.push_back([&, i](ScriptTransport& s) {
      forward.push_back(here(g_of(s)));
      s.send(i < 4 ? "s" : "bs");
    });
  }
  // Five steps back, each the boundary the forward steps passed.
  for (int i = 4; i >= 0; --i) {
    t.steps.push_back([&](ScriptTransport& s) {
      CHECK(s.replies().back().starts_with("T05"));
      s.send("g");
    });
    t.steps.push_back([&, i](ScriptTransport& s) {
      same(here(g_of(s)), forward[static_cast<std::size_t>(i)]);
      s.send(i > 0 ? "bs" : "s");
    });
  }
  // Forward again one step, then reverse-continue: back to this hit (the last before here), then
  // to the first, then to the start of history.
  t.steps.push_back([&](ScriptTransport& s) {
    CHECK(s.replies() == std::vector<std::string>{"T05thread:01;"});
    s.send("bc");
  });
  t.steps.push_back([&](ScriptTransport& s) {
    CHECK(s.replies() == std::vector<std::string>{"T05swbreak:;thread:01;"});
    s.send("g");
  });
  t.steps.push_back([&](ScriptTransport& s) {
    same(here(g_of(s)), forward[0]);
    s.send("bc");
  });
  t.steps.push_back([&](ScriptTransport& s) {
    CHECK(s.replies() == std::vector<std::string>{"T05swbreak:;thread:01;"});
    s.send("g");
  });
  t.steps.push_back([&](ScriptTransport& s) {
    same(here(g_of(s)), *first_hit);
    s.send("bc");
  });
  t.steps.push_back([&](ScriptTransport& s) {
    CHECK(s.replies() == std::vector<std::string>{"T05replaylog:begin;thread:01;"});
    CHECK(m.reg(Reg::kEip) == boot_eip);
    CHECK(m.stats().instructions == 0);
    CHECK(stub.position() == 0);
    s.send("bs");  // nothing before the first boundary: the same reply, no move
  });
  t.steps.push_back([&](ScriptTransport& s) {
    CHECK(s.replies() == std::vector<std::string>{"T05replaylog:begin;thread:01;"});
    s.send(fmt::format("z0,{:x},1", rff));
    s.send("c");
  });
  RunResult r = m.run();
  stub.finish(r);
  CHECK(t.replies() == std::vector<std::string>{"OK", "W00"});
  CHECK(r.exit_status == 0);
  CHECK(t.next_step == t.steps.size());
  CHECK(forward.size() == 6);
  CHECK(stub.history().entries().size() > 3);
  CHECK(console == plain_console);  // the replays printed nothing twice
}

TEST_CASE("gdb stub: a register written by gdb starts history again there", "[gdb_stub]") {
  MachineOptions o = options();
  o.cmdline = "init=process1";
  Machine m(o);
  m.load(kernel());
  ScriptTransport t;
  gdb::Stub stub(m, t, HistoryOptions{1000, 64ull << 20});
  std::uint64_t written_at = 0;
  t.steps = {
      [&](ScriptTransport& s) {
        for (int i = 0; i < 3; ++i) s.send("s");
      },
      [&](ScriptTransport& s) {
        s.replies();
        written_at = stub.position();
        REQUIRE(written_at == 3);
        s.send(fmt::format("P0={}", hex32(m.reg(Reg::kEax))));  // the same value: still a write
        s.send("bs");
      },
      [&](ScriptTransport& s) {
        CHECK(s.replies() == std::vector<std::string>{"OK", "T05replaylog:begin;thread:01;"});
        CHECK(stub.position() == written_at);
        REQUIRE(stub.history().entries().size() == 1);
        CHECK(stub.history().entries()[0].position == written_at);
        s.send("D");
      },
  };
  m.run();
}

TEST_CASE("gdb stub: Z2 stops right after the store with watch:ADDR, Z3 and Z4 read and access",
          "[gdb_stub]") {
  std::string console;
  MachineOptions o = options(&console);
  o.cmdline = "init=forktest";
  Machine m(o);
  m.load(kernel());
  const std::uint32_t jiffies = sym(m, "jiffies");
  ScriptTransport t;
  gdb::Stub stub(m, t);
  std::uint64_t seq = 0;
  std::uint32_t stop_eip = 0;
  auto z = [&](char c, int type) { return fmt::format("{}{},{:x},4", c, type, jiffies); };
  const std::uint32_t do_timer = sym(m, "do_timer");
  t.steps = {
      [&](ScriptTransport& s) {
        // From the first tick on (the boot's BSS clear writes jiffies too).
        s.send(fmt::format("Z0,{:x},1", do_timer));
        s.send("c");
      },
      [&](ScriptTransport& s) {
        s.replies();
        s.send(fmt::format("z0,{:x},1", do_timer));
        s.send(z('Z', 2));
        s.send(fmt::format("Z2,{:x},0", jiffies));  // no bytes to watch
        s.send(z('z', 3));                          // not inserted
        s.send("c");
      },
      [&](ScriptTransport& s) {
        CHECK(s.replies() ==
              std::vector<std::string>{"OK", "OK", "E22", "E02",
                                       fmt::format("T05watch:{:x};thread:01;", jiffies)});
        CHECK(m.read32(jiffies) == 1);  // the store has happened; the next instruction has not run
        CHECK(m.watching_data());
        stop_eip = m.reg(Reg::kEip);
        seq = m.stats().instructions;
        s.send("?");
        s.send(fmt::format("m{:x},4", jiffies));
        s.send("s");  // runs the instruction the watchpoint stopped before, and only it
      },
      [&](ScriptTransport& s) {
        CHECK(s.replies() ==
              std::vector<std::string>{fmt::format("T05watch:{:x};thread:01;", jiffies), "01000000",
                                       "T05thread:01;"});
        CHECK(m.stats().instructions == seq + 1);
        CHECK(m.reg(Reg::kEip) != stop_eip);
        s.send(z('z', 2));
        s.send(z('Z', 3));
        s.send("c");
      },
      [&](ScriptTransport& s) {
        CHECK(s.replies() == std::vector<std::string>{
                                 "OK", "OK", fmt::format("T05rwatch:{:x};thread:01;", jiffies)});
        s.send(z('z', 3));
        s.send(fmt::format("Z4,{:x},8", jiffies));  // jiffies_64, both halves
        s.send("c");
      },
      [&](ScriptTransport& s) {
        CHECK(s.replies() == std::vector<std::string>{
                                 "OK", "OK", fmt::format("T05awatch:{:x};thread:01;", jiffies)});
        s.send(fmt::format("z4,{:x},8", jiffies));
        s.send("c");
      },
  };
  RunResult r = m.run();
  stub.finish(r);
  CHECK(t.replies() == std::vector<std::string>{"OK", "W00"});
  CHECK(r.reason == StopReason::kGuestExit);
  CHECK_FALSE(m.watching_data());  // the last z4: the memory hook went with it
  CHECK(console.find("init: /bin/forktest (pid 2) exited with status 0") != std::string::npos);
}

TEST_CASE("gdb stub: at most kMaxWatchpoints watchpoints, then E28", "[gdb_stub]") {
  MachineOptions o = options();
  o.max_cycles = 100'000;
  Machine m(o);
  m.load(guest("spin"));
  ScriptTransport t;
  gdb::Stub stub(m, t);
  t.steps = {
      [&](ScriptTransport& s) {
        for (std::size_t i = 0; i <= kMaxWatchpoints; ++i) s.send(fmt::format("Z2,{:x},4", 4 * i));
      },
      [&](ScriptTransport& s) {
        auto r = s.replies();
        REQUIRE(r.size() == kMaxWatchpoints + 1);
        CHECK(r.front() == "OK");
        CHECK(r.back() == "E28");
        s.send("D");  // detached: the watchpoints go, the run goes on without hooks
      },
  };
  RunResult r = m.run();
  CHECK(r.reason == StopReason::kCycleLimit);
  CHECK_FALSE(m.watching_data());
}

TEST_CASE("gdb stub: a watchpoint set at a breakpoint restarts nothing the observers see twice",
          "[gdb_stub]") {
  // The same kernel with the watchpoint set before the run and with it set by gdb at a breakpoint
  // on do_timer (the current instruction restarts with the new hook): the first hit comes at the
  // same instruction count, and the instruction observers were called once per instruction.
  auto first_hit = [](bool with_gdb, std::uint64_t& seq, std::uint64_t& observed) {
    MachineOptions o = options();
    o.cmdline = "init=forktest";
    Machine m(o);
    m.load(kernel());
    const std::uint32_t jiffies = sym(m, "jiffies"), do_timer = sym(m, "do_timer");
    ScriptTransport t;
    std::unique_ptr<gdb::Stub> stub;
    std::uint64_t calls = 0;
    if (with_gdb) {
      stub = std::make_unique<gdb::Stub>(m, t);
      t.steps = {
          [&](ScriptTransport& s) {
            s.send(fmt::format("Z0,{:x},1", do_timer));
            s.send("c");
          },
          [&](ScriptTransport& s) {
            CHECK(m.reg(Reg::kEip) == do_timer);
            s.send(fmt::format("z0,{:x},1", do_timer));
            s.send(fmt::format("Z2,{:x},4", jiffies));
            s.send("c");
          },
          [&](ScriptTransport& s) {
            CHECK(s.replies().back() == fmt::format("T05watch:{:x};thread:01;", jiffies));
            seq = m.stats().instructions;
            observed = calls;
            s.send("k");
          },
      };
    } else {
      m.set_watchpoints({{jiffies, 4, WatchKind::kWrite}});
      m.on_watch([&](const WatchHit&) {
        if (!m.describe(m.reg(Reg::kEip)).starts_with("do_timer+")) return;  // the BSS clear
        seq = m.stats().instructions;
        observed = calls;
        m.kill("enough");
      });
    }
    m.on_instruction([&](std::uint32_t, Cycles) { ++calls; });
    m.run();
  };
  std::uint64_t s1 = 0, s2 = 0, o1 = 0, o2 = 0;
  first_hit(false, s1, o1);
  first_hit(true, s2, o2);
  CHECK(s1 > 0);
  CHECK(s1 == s2);
  CHECK(o1 == o2);
}

TEST_CASE("gdb stub: jump moves EIP: the instruction gdb stood at never runs", "[gdb_stub]") {
  // exit_value without a command line: `out %eax` at `exit` reports EAX; at the first
  // instruction EAX is the multiboot magic, so jumping straight there exits with it.
  constexpr std::uint32_t kMagic = 0x2BADB002;
  for (int how = 0; how < 3; ++how) {
    INFO("how " << how);
    Machine m(options());
    m.load(guest("exit_value"));
    const std::uint32_t exit = sym(m, "exit");
    ScriptTransport t;
    gdb::Stub stub(m, t);
    t.steps = {
        [&](ScriptTransport& s) {
          CHECK(m.reg(Reg::kEax) == kMagic);
          if (how == 0) {
            // gdb's `jump *exit` with a breakpoint there: it stops at once, nothing has run.
            s.send("P8=" + hex32(exit));
            s.send("p8");
            s.send(fmt::format("Z0,{:x},1", exit));
            s.send("c");
          } else if (how == 1) {
            s.send("P8=" + hex32(exit));  // `set $pc = exit` then `stepi`: the OUT runs, once
            s.send("s");
          } else {
            s.send("c" + fmt::format("{:x}", exit));  // c ADDR
          }
        },
        [&](ScriptTransport& s) {
          CHECK(s.replies() == std::vector<std::string>{"OK", hex32(exit), "OK", "T05thread:01;"});
          CHECK(m.reg(Reg::kEip) == exit);
          CHECK(m.stats().instructions == 0);
          s.send("c");
        },
    };
    RunResult r = m.run();
    stub.finish(r);
    CHECK(r.reason == StopReason::kGuestExit);
    CHECK(r.guest_value == kMagic);
    CHECK(m.stats().instructions == 1);  // the OUT alone
    if (how != 0) CHECK(t.replies().back() == "W05");
  }
}
