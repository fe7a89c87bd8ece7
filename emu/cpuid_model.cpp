#include "emu/cpuid_model.hpp"

namespace fs {
namespace {

using namespace cpuid_edx;

constexpr std::uint32_t kMaxBasicLeaf = 2;

// "GenuineIntel" as CPUID.0 returns it: EBX "Genu", EDX "ineI", ECX "ntel" (little-endian).
constexpr std::uint32_t kVendorEbx = 0x756E6547, kVendorEdx = 0x49656E69, kVendorEcx = 0x6C65746E;

// CPUID.1:EAX: stepping 2 (bits 3-0), model 5 (7-4), family 6 (11-8), type 0 (original OEM).
constexpr std::uint32_t kSignature = (6u << 8) | (5u << 4) | 2u;

// CPUID.1:EDX, bit by bit (open question 3 of the header):
constexpr std::uint32_t kFeatures =
    kFpu     // x87 on chip: Unicorn runs it; Linux 6.1 gives up without it
    | kPse   // 4 MiB pages: emu/paging walks them (CR4.PSE), Unicorn translates them
    | kTsc   // RDTSC: the cycle clock (emu/machine.cpp hook_rdtsc), not the host's TSC
    | kMsr   // RDMSR/WRMSR: Unicorn keeps the architectural MSRs; Linux reads the microcode
             // revision of every family-6 Intel part with them
    | kCx8   // CMPXCHG8B: Unicorn runs it; Linux 686 kernels require it
    | kPge   // global pages (CR4.PGE): Unicorn's TLB honours the G bit
    | kCmov  // CMOVcc/FCMOVcc: Unicorn runs them; Linux 686 kernels require them
    | kMmx;  // MMX: Unicorn runs it, and every Pentium II has it
// Off, each because forkscope does not model it: VME (virtual-8086 interrupt redirection: the
// machine delivers interrupts itself, without V86 rules), DE (I/O breakpoints in DR7:
// emu/debug_registers watches memory only), PAE and PSE36 (2-level paging only), MCE/MCA (no
// machine-check banks), APIC (no local APIC; the PIC pair is the interrupt controller), SEP
// (SYSENTER: system calls are followed through int $0x80), MTRR and PAT (memory types are not
// modelled), FXSR (Linux then saves x87 state with FNSAVE/FRSTOR, which the cycle table prices).

// CPUID.2: the Pentium II's descriptors (SDM vol. 2A Table 3-12). EAX byte 0 = 1 (one CPUID(2)
// gives all); 01h ITLB 4K 32 entries, 02h ITLB 4M 2 entries, 03h DTLB 4K 64 entries; EDX: 43h L2
// 512 KiB 4-way 32-byte lines, 08h L1I 16 KiB, 04h DTLB 4M 8 entries, 0Ch L1D 16 KiB.
constexpr CpuidResult kLeaf2{0x03020101, 0, 0, 0x0C040843};

}  // namespace

CpuidResult cpuid(std::uint32_t leaf, std::uint32_t /*subleaf*/) {
  // Above the maximum, basic or extended: the highest basic leaf's data (open question 2).
  if (leaf > kMaxBasicLeaf) leaf = kMaxBasicLeaf;
  switch (leaf) {
    case 0:
      return {kMaxBasicLeaf, kVendorEbx, kVendorEcx, kVendorEdx};
    case 1:
      return {kSignature, 0, 0, kFeatures};
    default:
      return kLeaf2;
  }
}

}  // namespace fs
