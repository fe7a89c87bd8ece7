// emu/cpuid_model: the CPU forkscope claims to be, leaf by leaf (SDM vol. 2A, CPUID).
#include "emu/cpuid_model.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

using namespace fs;

namespace {
std::string vendor() {
  const CpuidResult r = cpuid(0, 0);
  char s[12];
  std::memcpy(s, &r.ebx, 4);
  std::memcpy(s + 4, &r.edx, 4);
  std::memcpy(s + 8, &r.ecx, 4);
  return std::string(s, 12);
}
}  // namespace

TEST_CASE("cpuid: leaf 0 is GenuineIntel with leaves up to 2", "[cpuid]") {
  CHECK(cpuid(0, 0).eax == 2);
  CHECK(vendor() == "GenuineIntel");
}

TEST_CASE("cpuid: leaf 1 is a Pentium II, family 6 model 5 stepping 2", "[cpuid]") {
  const CpuidResult r = cpuid(1, 0);
  CHECK(((r.eax >> 8) & 0xF) == 6);
  CHECK(((r.eax >> 4) & 0xF) == 5);
  CHECK((r.eax & 0xF) == 2);
  CHECK((r.eax >> 12) == 0);  // type 0, no extended family or model
  CHECK(r.ebx == 0);
  CHECK(r.ecx == 0);
}

TEST_CASE("cpuid: leaf 1 has what Linux 686 needs and nothing forkscope does not model",
          "[cpuid]") {
  using namespace cpuid_edx;
  const std::uint32_t edx = cpuid(1, 0).edx;
  for (std::uint32_t bit : {kFpu, kPse, kTsc, kMsr, kCx8, kPge, kCmov, kMmx}) {
    INFO("bit " << bit);
    CHECK((edx & bit) != 0);
  }
  for (std::uint32_t bit : {kVme, kDe, kPae, kMce, kApic, kSep, kMtrr, kMca, kPat, kPse36, kFxsr}) {
    INFO("bit " << bit);
    CHECK((edx & bit) == 0);
  }
  CHECK(edx == 0x0080A139);  // the exact word tests/machine/cpuid_fpu.expected prints
}

TEST_CASE("cpuid: leaf 2 holds the Pentium II's cache and TLB descriptors", "[cpuid]") {
  const CpuidResult r = cpuid(2, 0);
  CHECK((r.eax & 0xFF) == 1);  // one CPUID(2) returns them all
  CHECK(r == CpuidResult{0x03020101, 0, 0, 0x0C040843});
}

TEST_CASE("cpuid: leaves above the maximum return leaf 2, extended ones included", "[cpuid]") {
  for (std::uint32_t leaf : {3u, 4u, 0x40000000u, 0x80000000u, 0x80000004u, 0xFFFFFFFFu}) {
    INFO("leaf " << leaf);
    CHECK(cpuid(leaf, 0) == cpuid(2, 0));
  }
  // So Linux's test for extended leaves, (CPUID(0x80000000).EAX & 0xffff0000) == 0x80000000, fails.
  CHECK((cpuid(0x80000000, 0).eax & 0xFFFF0000) != 0x80000000);
}

TEST_CASE("cpuid: the sub-leaf in ECX changes nothing", "[cpuid]") {
  for (std::uint32_t leaf : {0u, 1u, 2u}) CHECK(cpuid(leaf, 0) == cpuid(leaf, 7));
}
