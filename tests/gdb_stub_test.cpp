// Mirrors emu/gdb_stub.cpp: the Remote Serial Protocol's framing, and the stub driving real guests
// through a scripted Transport (no socket): gdb's packets go in at each stop, its replies are
// checked against the machine's own state.
#include "emu/gdb_stub.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <deque>
#include <functional>
#include <string>
#include <vector>

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
        CHECK(r[0] == "PacketSize=1000;swbreak+");  // hex: Channel::kMaxPacket
        CHECK(r[1] == "OK");
        CHECK(r[2] == "1");
        CHECK(r[3] == "QC01");
        CHECK(r[4] == "m01");
        CHECK(r[5] == "l");
        CHECK(r[6].empty());
        CHECK(r[7].empty());
        CHECK(r[8] == "T05thread:01;");
        // eax ecx edx ebx esp ebp esi edi eip eflags cs ss ds es fs gs: Reg's own order.
        REQUIRE(r[9].size() == 16 * 8);
        for (int i = 0; i < 16; ++i) CHECK(reg_of_g(r[9], i) == m.reg(static_cast<Reg>(i)));
        CHECK(reg_of_g(r[9], 8) == first_eip);
        CHECK(r[10] == hex32(first_eip));
        CHECK(r[11] == hex32(m.reg(Reg::kEflags)));
        CHECK(r[12] == "E01");  // no register 0x10 in this layout
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

TEST_CASE("gdb stub: general registers and EFLAGS are writable, EIP and segments refused",
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
        s.send("P8=" + hex32(m.reg(Reg::kEip) + 1));       // eip: refused
        s.send("P8=" + hex32(m.reg(Reg::kEip)));           // unchanged: fine
        s.send("Pa=" + hex32(0x1b));                       // cs: refused
        s.send("P9=" + hex32(m.reg(Reg::kEflags) | 0x1));  // eflags.CF
      },
      [&](ScriptTransport& s) {
        auto r = s.replies();
        CHECK(r == std::vector<std::string>{"OK", "E01", "OK", "E01", "OK", "E01", "OK"});
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
        CHECK(s.replies() == std::vector<std::string>{"PacketSize=1000;swbreak+;hwbreak+", "OK",
                                                      "T05hwbreak:;thread:01;"});
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
