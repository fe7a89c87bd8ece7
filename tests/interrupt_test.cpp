// Mirrors emu/interrupt.cpp: gate decoding, frame building, privilege checks, double-fault rules
// (Intel SDM vol. 3A ch. 6), with a fake flat memory and no Unicorn.
#include "emu/interrupt.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

using namespace fs;

namespace {

constexpr std::uint32_t kIdt = 0x1000, kGdt = 0x2000, kTss = 0x3000;

struct FlatMemory : GuestMemory {
  std::vector<std::uint8_t> bytes = std::vector<std::uint8_t>(0x20000, 0);
  std::optional<MemFault> read(std::uint32_t a, void* out, unsigned n, bool) override {
    if (a + n > bytes.size()) return MemFault{kPF, 0, a};
    std::memcpy(out, bytes.data() + a, n);
    return std::nullopt;
  }
  std::optional<MemFault> write(std::uint32_t a, const void* in, unsigned n, bool) override {
    if (a + n > bytes.size()) return MemFault{kPF, 2, a};
    std::memcpy(bytes.data() + a, in, n);
    return std::nullopt;
  }
  void put64(std::uint32_t a, std::uint64_t v) { std::memcpy(bytes.data() + a, &v, 8); }
  void put32(std::uint32_t a, std::uint32_t v) { std::memcpy(bytes.data() + a, &v, 4); }
  std::uint32_t get32(std::uint32_t a) const {
    std::uint32_t v;
    std::memcpy(&v, bytes.data() + a, 4);
    return v;
  }
};

// Linux's selectors: __KERNEL_CS 0x60, __KERNEL_DS 0x68, __USER_CS 0x73, __USER_DS 0x7B.
struct Fixture {
  FlatMemory mem;
  CpuSnapshot cpu;
  Fixture() {
    mem.put64(kGdt + 0x60, 0x00CF9A000000FFFFull);  // ring-0 code
    mem.put64(kGdt + 0x68, 0x00CF92000000FFFFull);  // ring-0 data
    mem.put64(kGdt + 0x70, 0x00CFFA000000FFFFull);  // ring-3 code
    mem.put64(kGdt + 0x78, 0x00CFF2000000FFFFull);  // ring-3 data
    mem.put32(kTss + 4, 0x9FF8);                    // esp0
    mem.put32(kTss + 8, 0x68);                      // ss0
    cpu.gdt_base = kGdt;
    cpu.gdt_limit = 0x7F;
    cpu.idt_base = kIdt;
    cpu.idt_limit = 256 * 8 - 1;
    cpu.tr_base = kTss;
    cpu.tr_loaded = true;
  }
  void gate(std::uint8_t v, std::uint8_t type, std::uint8_t dpl, std::uint32_t off,
            bool present = true) {
    GateDescriptor g;
    g.selector = 0x60;
    g.offset = off;
    g.type = type;
    g.dpl = dpl;
    g.present = present;
    mem.put64(kIdt + v * 8u, encode_gate(g));
  }
  void user() {
    cpu.cs = 0x73;
    cpu.ss = 0x7B;
    cpu.esp = 0x8000F00;
    cpu.eip = 0x08048123;
    cpu.eflags = 0x202 | 0x100;  // IF, TF
  }
  void kernel() {
    cpu.cs = 0x60;
    cpu.ss = 0x68;
    cpu.esp = 0x9000;
    cpu.eip = 0x101234;
    cpu.eflags = 0x246;
  }
};

}  // namespace

TEST_CASE("interrupt: gate descriptors round-trip", "[interrupt]") {
  GateDescriptor g;
  g.selector = 0x60;
  g.offset = 0x00105A3C;
  g.type = 0xF;
  g.dpl = 3;
  g.present = true;
  GateDescriptor d = decode_gate(encode_gate(g));
  CHECK(d.selector == 0x60);
  CHECK(d.offset == 0x00105A3C);
  CHECK(d.is_trap_gate());
  CHECK(d.dpl == 3);
  CHECK(d.present);
  // A Linux 2.6 interrupt gate for handler 0x00101000 in __KERNEL_CS: 0x00108E0000601000... layout.
  GateDescriptor i = decode_gate(0x00108E0000601000ull);
  CHECK(i.offset == 0x00101000);
  CHECK(i.selector == 0x60);
  CHECK(i.is_interrupt_gate());
  CHECK(i.dpl == 0);
}

TEST_CASE("interrupt: segment descriptors decode base, limit, DPL", "[interrupt]") {
  SegmentDescriptor d = decode_segment(0x00CFFA000000FFFFull);
  CHECK(d.base == 0);
  CHECK(d.limit == 0xFFFFFFFFu);
  CHECK(d.is_code());
  CHECK(d.dpl == 3);
  CHECK(d.present);
  SegmentDescriptor t = decode_segment(0x0000890040000067ull);  // a TSS at 0x4000, limit 0x67
  CHECK(t.system);
  CHECK(t.base == 0x4000);
  CHECK(t.limit == 0x67);
}

TEST_CASE("interrupt: int 0x80 from ring 3 switches to TSS.ss0:esp0 and pushes 5 words",
          "[interrupt]") {
  Fixture f;
  f.user();
  f.gate(0x80, 0xF, 3, 0x00102000);  // DPL-3 trap gate, like Linux's system_call gate
  auto o = deliver(f.cpu, f.mem, Event{0x80, DeliveryKind::kSoftware, std::nullopt});
  REQUIRE(o.delivered);
  const Delivery& d = *o.delivered;
  CHECK(d.vector == 0x80);
  CHECK(d.is_software_int());
  CHECK_FALSE(d.has_error_code);
  CHECK(d.stack_switched);
  CHECK(d.esp0_used == 0x9FF8);
  CHECK(o.esp == 0x9FF8 - 20);
  CHECK(o.ss == 0x68);
  CHECK(d.to == FarPtr{0x60, 0x00102000});
  CHECK(d.from == FarPtr{0x73, 0x08048123});
  // The record's frame in push order: SS, ESP, EFLAGS, CS, EIP (x86/delivery.hpp).
  CHECK(d.frame == std::vector<std::uint32_t>{0x7B, 0x8000F00, 0x202 | 0x100, 0x73, 0x08048123});
  // The frame in memory, low to high: EIP, CS, EFLAGS, ESP, SS of the interrupted ring-3 code.
  CHECK(f.mem.get32(0x9FF8 - 20) == 0x08048123);
  CHECK(f.mem.get32(0x9FF8 - 16) == 0x73);
  CHECK(f.mem.get32(0x9FF8 - 12) == (0x202 | 0x100));
  CHECK(f.mem.get32(0x9FF8 - 8) == 0x8000F00);
  CHECK(f.mem.get32(0x9FF8 - 4) == 0x7B);
  // A trap gate keeps IF; TF is cleared (SDM 6.12.1.3).
  CHECK((o.eflags & 0x200) != 0);
  CHECK((o.eflags & 0x100) == 0);
}

TEST_CASE("interrupt: an IRQ in ring 0 pushes 3 words and an interrupt gate clears IF",
          "[interrupt]") {
  Fixture f;
  f.kernel();
  f.gate(0x20, 0xE, 0, 0x00103000);
  auto o = deliver(f.cpu, f.mem, Event{0x20, DeliveryKind::kExternal, std::nullopt});
  REQUIRE(o.delivered);
  CHECK_FALSE(o.delivered->stack_switched);
  CHECK(o.delivered->esp0_used == 0);
  CHECK(o.delivered->frame == std::vector<std::uint32_t>{0x246, 0x60, 0x101234});
  CHECK(o.esp == 0x9000 - 12);
  CHECK(f.mem.get32(0x9000 - 12) == 0x101234);
  CHECK(f.mem.get32(0x9000 - 8) == 0x60);
  CHECK(f.mem.get32(0x9000 - 4) == 0x246);
  CHECK((o.eflags & 0x200) == 0);
}

TEST_CASE("interrupt: exceptions with error codes push them last", "[interrupt]") {
  Fixture f;
  f.kernel();
  f.gate(kGP, 0xE, 0, 0x00104000);
  auto o = deliver(f.cpu, f.mem, Event{kGP, DeliveryKind::kException, 0x42u});
  REQUIRE(o.delivered);
  CHECK(o.delivered->frame == std::vector<std::uint32_t>{0x246, 0x60, 0x101234, 0x42});
  CHECK(o.delivered->has_error_code);
  CHECK(o.delivered->error_code == 0x42);
  CHECK(f.mem.get32(0x9000 - 16) == 0x42);
  CHECK(f.mem.get32(0x9000 - 12) == 0x101234);
  CHECK(pushes_error_code(kDF));
  CHECK(pushes_error_code(kPF));
  CHECK(pushes_error_code(kAC));
  CHECK_FALSE(pushes_error_code(kUD));
  CHECK_FALSE(pushes_error_code(kDE));
  CHECK_FALSE(pushes_error_code(0x80));
}

TEST_CASE("interrupt: INT n through a DPL-0 gate from ring 3 is #GP(vector*8+2)", "[interrupt]") {
  Fixture f;
  f.user();
  f.gate(0x81, 0xE, 0, 0x00105000);
  auto o = deliver(f.cpu, f.mem, Event{0x81, DeliveryKind::kSoftware, std::nullopt});
  REQUIRE(o.fault);
  CHECK(o.fault->fault.vector == kGP);
  CHECK(o.fault->fault.error_code == ((0x81u << 3) | 2u));
  // Hardware interrupts ignore the gate DPL.
  auto h = deliver(f.cpu, f.mem, Event{0x81, DeliveryKind::kExternal, std::nullopt});
  CHECK(h.delivered);
}

TEST_CASE("interrupt: missing gates and IDT limits fault with IDT error codes", "[interrupt]") {
  Fixture f;
  f.kernel();
  f.gate(0x30, 0xE, 0, 0x1000, /*present=*/false);
  auto np = deliver(f.cpu, f.mem, Event{0x30, DeliveryKind::kExternal, std::nullopt});
  REQUIRE(np.fault);
  CHECK(np.fault->fault.vector == kNP);
  CHECK(np.fault->fault.error_code == ((0x30u << 3) | 2u | 1u));  // EXT for a hardware event
  f.cpu.idt_limit = 0x7F;                                         // 16 entries
  auto gp = deliver(f.cpu, f.mem, Event{0x20, DeliveryKind::kExternal, std::nullopt});
  REQUIRE(gp.fault);
  CHECK(gp.fault->fault.vector == kGP);
  CHECK(gp.fault->fault.error_code == ((0x20u << 3) | 3u));
}

TEST_CASE("interrupt: EXT is set while delivering an exception too, clear for INT n (SDM 6.13)",
          "[interrupt]") {
  Fixture f;
  f.kernel();
  f.gate(kDE, 0xE, 0, 0x1000, /*present=*/false);
  f.gate(0x42, 0xE, 0, 0x1000, /*present=*/false);
  auto de = deliver(f.cpu, f.mem, Event{kDE, DeliveryKind::kException, std::nullopt});
  REQUIRE(de.fault);
  CHECK(de.fault->fault.vector == kNP);
  CHECK(de.fault->fault.error_code == ((kDE << 3) | 2u | 1u));
  auto sw = deliver(f.cpu, f.mem, Event{0x42, DeliveryKind::kSoftware, std::nullopt, 2});
  REQUIRE(sw.fault);
  CHECK(sw.fault->fault.error_code == ((0x42u << 3) | 2u));
  // A bad handler CS: the selector with EXT for the exception, without for INT n.
  GateDescriptor g;
  g.selector = 0x80;  // past the GDT limit
  g.offset = 0x1000;
  g.type = 0xE;
  g.present = true;
  f.mem.put64(kIdt + kDE * 8u, encode_gate(g));
  f.mem.put64(kIdt + 0x42 * 8u, encode_gate(g));
  auto de_cs = deliver(f.cpu, f.mem, Event{kDE, DeliveryKind::kException, std::nullopt});
  REQUIRE(de_cs.fault);
  CHECK(de_cs.fault->fault.error_code == 0x81);
  auto sw_cs = deliver(f.cpu, f.mem, Event{0x42, DeliveryKind::kSoftware, std::nullopt, 2});
  REQUIRE(sw_cs.fault);
  CHECK(sw_cs.fault->fault.error_code == 0x80);
}

TEST_CASE("interrupt: a fault while delivering INT n is at the INT instruction", "[interrupt]") {
  // Unicorn reports INT n with EIP past it; the fault's frame must hold the INT's own address.
  CHECK(delivery_fault_eip(Event{0x80, DeliveryKind::kSoftware, std::nullopt, 2}, 0x1002) ==
        0x1000);
  CHECK(delivery_fault_eip(Event{3, DeliveryKind::kSoftware, std::nullopt, 1}, 0x1001) == 0x1000);
  // Exceptions and IRQs keep the EIP they would have pushed.
  CHECK(delivery_fault_eip(Event{kGP, DeliveryKind::kException, 0u}, 0x1000) == 0x1000);
  CHECK(delivery_fault_eip(Event{0x20, DeliveryKind::kExternal, std::nullopt}, 0x1000) == 0x1000);
}

TEST_CASE("interrupt: ring 3 without a TSS is #TS", "[interrupt]") {
  Fixture f;
  f.user();
  f.cpu.tr_loaded = false;
  f.gate(0x80, 0xF, 3, 0x2000);
  auto o = deliver(f.cpu, f.mem, Event{0x80, DeliveryKind::kSoftware, std::nullopt});
  REQUIRE(o.fault);
  CHECK(o.fault->fault.vector == kTS);
}

TEST_CASE("interrupt: a stack that cannot take the frame faults and writes nothing",
          "[interrupt]") {
  Fixture f;
  f.kernel();
  f.cpu.esp = 0x30000;  // beyond the fake memory entirely
  f.gate(0x20, 0xE, 0, 0x1000);
  auto o = deliver(f.cpu, f.mem, Event{0x20, DeliveryKind::kExternal, std::nullopt});
  REQUIRE(o.fault);
  CHECK(o.fault->fault.vector == kPF);
}

TEST_CASE("interrupt: double-fault classes follow SDM table 6-5", "[interrupt]") {
  CHECK(becomes_double_fault(kGP, kGP));
  CHECK(becomes_double_fault(kGP, kNP));
  CHECK(becomes_double_fault(kPF, kPF));
  CHECK(becomes_double_fault(kPF, kGP));
  CHECK_FALSE(becomes_double_fault(kGP, kPF));  // contributory then page fault: handled serially
  CHECK_FALSE(becomes_double_fault(kUD, kGP));  // benign first
  CHECK_FALSE(becomes_double_fault(kBP, kPF));
}

TEST_CASE("interrupt: TSS.ss0 past the TSS limit is #TS(TSS selector) (issue 12)", "[interrupt]") {
  Fixture f;
  f.user();
  f.cpu.tr_selector = 0x80;
  f.gate(0x80, 0xF, 3, 0x2000);
  // 32-bit TSS: esp0 at 4-7, ss0 at 8-9; the limit must reach byte 9 (SDM vol. 2A INT n).
  f.cpu.tr_limit = 8;
  auto o = deliver(f.cpu, f.mem, Event{0x80, DeliveryKind::kSoftware, std::nullopt});
  REQUIRE(o.fault);
  CHECK(o.fault->fault.vector == kTS);
  CHECK(o.fault->fault.error_code == 0x80);
  // An exception: EXT set.
  f.gate(6, 0xE, 0, 0x2000);
  o = deliver(f.cpu, f.mem, Event{6, DeliveryKind::kException, std::nullopt});
  REQUIRE(o.fault);
  CHECK(o.fault->fault.error_code == 0x81);
  f.cpu.tr_limit = 9;
  CHECK(deliver(f.cpu, f.mem, Event{0x80, DeliveryKind::kSoftware, std::nullopt}).delivered);
}

namespace {

// A flat memory whose pages below `hole_end` (from `hole`) are not present: writes there are #PF
// with the first byte of the access in the page as CR2, as MachineMemory reports them.
struct HoleMemory : FlatMemory {
  std::uint32_t hole = 0, hole_end = 0;
  std::optional<MemFault> write(std::uint32_t a, const void* in, unsigned n, bool sup) override {
    for (std::uint32_t b = a; b < a + n; ++b)
      if (b >= hole && b < hole_end) return MemFault{kPF, 2, b};
    return FlatMemory::write(a, in, n, sup);
  }
};

}  // namespace

TEST_CASE("interrupt: a frame push that faults names the first word pushed there (issue 12)",
          "[interrupt]") {
  Fixture f;
  f.user();
  f.gate(0x80, 0xF, 3, 0x2000);
  HoleMemory mem;
  mem.bytes = f.mem.bytes;
  // TSS.esp0 inside a not-present page: SS, pushed first at esp0 - 4, faults (QEMU agrees).
  mem.hole = 0x9000;
  mem.hole_end = 0xA000;
  auto o = deliver(f.cpu, mem, Event{0x80, DeliveryKind::kSoftware, std::nullopt});
  REQUIRE(o.fault);
  CHECK(o.fault->fault.vector == kPF);
  CHECK(o.fault->fault.cr2 == 0x9FF8 - 4);
  // esp0 8 bytes into a present page above a not-present one: SS and ESP land, EFLAGS faults at
  // the top word of the page below.
  mem.put32(kTss + 4, 0xA008);
  mem.hole_end = 0xA000;
  o = deliver(f.cpu, mem, Event{0x80, DeliveryKind::kSoftware, std::nullopt});
  REQUIRE(o.fault);
  CHECK(o.fault->fault.cr2 == 0x9FFC);
  CHECK(mem.get32(0xA004) == 0x7B);       // SS
  CHECK(mem.get32(0xA000) == 0x8000F00);  // ESP
}
