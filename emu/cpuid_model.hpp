// The CPU forkscope claims to be: what CPUID answers, as a pure function of EAX (leaf) and ECX.
// Source: Intel SDM vol. 2A, "CPUID - CPU Identification" (Tables 3-8 "Information Returned by
// CPUID", 3-10 "Feature Information in EDX", 3-12 "Encoding of CPUID Leaf 2 Descriptors").
//
// The model is named "forkscope P6": an Intel Pentium II (Deschutes: family 6, model 5, stepping 2,
// as QEMU's `-cpu pentium2`, the smallest QEMU model Debian's i386 Linux 6.1 boots on), with the
// features forkscope does not model switched off. Unicorn 2.1.1 executes as QEMU's pentium2 too
// (emu/unicorn_cpu.cpp sets that model), so an instruction the model does not have (SSE) raises
// #UD as on the real part.
//
// Open questions and the answers chosen:
// 1. Which leaves? 0 (maximum basic leaf 2, "GenuineIntel"), 1 (signature and features) and 2
//    (the Pentium II's cache and TLB descriptors, so Linux prints its caches). The Pentium II has
//    no extended leaves and no brand string: Linux names it from family/model ("Pentium II
//    (Deschutes)").
// 2. A leaf above the maximum (basic or 0x8000xxxx) returns the highest basic leaf's data, as SDM
//    vol. 2A says Intel processors do; so CPUID(0x80000000).EAX = 0x03020101 < 0x80000000 and
//    Linux sees no extended leaves. ECX (the sub-leaf) is ignored: no leaf here has sub-leaves.
// 3. Which features (CPUID.1:EDX)? See kFeatures in cpuid_model.cpp: each bit on or off, and why.
//    Off means forkscope does not model it, so the guest must not use it: SEP (Linux would enter
//    system calls through SYSENTER, and the inspectors follow int $0x80), PAE (the Debian 686
//    kernel is non-PAE; emu/paging walks 2-level tables only), APIC, MTRR, MCE/MCA, PAT, PSE36,
//    VME, DE, FXSR.
// 4. CPUID.1:EBX is 0 (brand index 0, no CLFLUSH, one logical processor, initial APIC ID 0) and
//    CPUID.1:ECX is 0: the Pentium II defines none of those fields.
#pragma once

#include <cstdint>

namespace fs {

struct CpuidResult {
  std::uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
  bool operator==(const CpuidResult&) const = default;
};

// CPUID.1:EDX feature bits (SDM vol. 2A Table 3-10), the ones the model names.
namespace cpuid_edx {
inline constexpr std::uint32_t kFpu = 1u << 0, kVme = 1u << 1, kDe = 1u << 2, kPse = 1u << 3,
                               kTsc = 1u << 4, kMsr = 1u << 5, kPae = 1u << 6, kMce = 1u << 7,
                               kCx8 = 1u << 8, kApic = 1u << 9, kSep = 1u << 11, kMtrr = 1u << 12,
                               kPge = 1u << 13, kMca = 1u << 14, kCmov = 1u << 15, kPat = 1u << 16,
                               kPse36 = 1u << 17, kMmx = 1u << 23, kFxsr = 1u << 24;
}  // namespace cpuid_edx

inline constexpr const char* kCpuModelName = "forkscope P6 (Pentium II, family 6 model 5)";

// What CPUID returns for EAX = `leaf`, ECX = `subleaf` (open question 2: ignored).
CpuidResult cpuid(std::uint32_t leaf, std::uint32_t subleaf);

}  // namespace fs
