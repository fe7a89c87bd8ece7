// Mirrors emu/iret_fault.cpp: the one IRET fault forkscope corrects after Unicorn (issue 12).
#include "emu/iret_fault.hpp"

#include <catch2/catch.hpp>

using namespace fs;

namespace {

const std::uint8_t kIret[] = {0xCF, 0x90};
// EIP, CS 0x1b, EFLAGS, ESP, SS 0x43: a return to ring 3.
const std::array<std::uint32_t, 5> kToRing3 = {0x1000, 0x1B, 0x2, 0x8000, 0x43};

Event np(std::uint32_t error) {
  return Event{kNP, DeliveryKind::kException, error};
}

}  // namespace

TEST_CASE("iret_fault: IRET outward with SS not present is #SS(SS), not Unicorn's #NP",
          "[iret_fault]") {
  const Event e = sdm_iret_fault(np(0x40), kIret, 2, kToRing3, 0);
  CHECK(e.vector == kSS);
  CHECK(e.error_code == 0x40u);
  CHECK(e.kind == DeliveryKind::kException);
}

TEST_CASE("iret_fault: every other #NP is left as it is", "[iret_fault]") {
  // The CS not present (checked before SS).
  CHECK(sdm_iret_fault(np(0x18), kIret, 2, kToRing3, 0).vector == kNP);
  // A same-level return pops no SS.
  CHECK(sdm_iret_fault(np(0x40), kIret, 2, {0x1000, 0x08, 0x2, 0x8000, 0x43}, 0).vector == kNP);
  // Not an IRET (a MOV to DS), or IRETW (66 CF).
  const std::uint8_t mov_ds[] = {0x8E, 0xD8};
  const std::uint8_t iretw[] = {0x66, 0xCF};
  CHECK(sdm_iret_fault(np(0x40), mov_ds, 2, kToRing3, 0).vector == kNP);
  CHECK(sdm_iret_fault(np(0x40), iretw, 2, kToRing3, 0).vector == kNP);
  // CS and SS the same selector: the CS's #NP.
  CHECK(sdm_iret_fault(np(0x40), kIret, 2, {0x1000, 0x43, 0x2, 0x8000, 0x43}, 0).vector == kNP);
  // Another vector.
  CHECK(sdm_iret_fault(Event{kGP, DeliveryKind::kException, 0x40u}, kIret, 2, kToRing3, 0).vector ==
        kGP);
}
