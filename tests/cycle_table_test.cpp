// Mirrors x86/cycle_table.cpp: each row's i486 clock count, decoded through Capstone exactly as the
// machine decodes (CS_MODE_32, detail on). Bytes are hand-assembled; the comment on each line is
// the instruction and the manual's figure.
#include "x86/cycle_table.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "x86/capstone.hpp"

using namespace fs;
using Bytes = std::vector<std::uint8_t>;

namespace {

// One instruction decoded at `addr`.
struct Decoded {
  csh h = 0;
  cs_insn* insn = nullptr;
  explicit Decoded(const Bytes& bytes, std::uint64_t addr = 0x1000) {
    REQUIRE(cs_open(CS_ARCH_X86, CS_MODE_32, &h) == CS_ERR_OK);
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    REQUIRE(cs_disasm(h, bytes.data(), bytes.size(), addr, 1, &insn) == 1);
  }
  ~Decoded() {
    cs_free(insn, 1);
    cs_close(&h);
  }
  Decoded(const Decoded&) = delete;
  Decoded& operator=(const Decoded&) = delete;
  const cs_insn& operator*() const { return *insn; }
};

std::uint32_t cost(const Bytes& b) {
  return cycle_table::insn_cycles(*Decoded(b));
}
std::uint32_t taken(const Bytes& b) {
  Decoded d(b);
  return cycle_table::insn_cycles(*d) + cycle_table::taken_extra(*d);
}

}  // namespace

TEST_CASE("cycle_table: ALU register, memory and immediate forms", "[cycle_table]") {
  // [HelpPC] ADD and friends: reg,reg 1; reg,mem 2; mem,reg 3; reg,imm 1; mem,imm 3.
  CHECK(cost({0x01, 0xD8}) == 1);                    // add eax, ebx
  CHECK(cost({0x03, 0x03}) == 2);                    // add eax, [ebx]
  CHECK(cost({0x01, 0x03}) == 3);                    // add [ebx], eax
  CHECK(cost({0x83, 0xC0, 0x05}) == 1);              // add eax, 5
  CHECK(cost({0x05, 0x00, 0x01, 0x00, 0x00}) == 1);  // add eax, 0x100 (accumulator form)
  CHECK(cost({0x83, 0x03, 0x05}) == 3);              // add dword [ebx], 5
  CHECK(cost({0x11, 0xD8}) == 1);                    // adc eax, ebx
  CHECK(cost({0x19, 0x03}) == 3);                    // sbb [ebx], eax
  CHECK(cost({0x2B, 0x03}) == 2);                    // sub eax, [ebx]
  CHECK(cost({0x21, 0xD8}) == 1);                    // and eax, ebx
  CHECK(cost({0x81, 0x0B, 0, 1, 0, 0}) == 3);        // or dword [ebx], 0x100
  CHECK(cost({0x31, 0xC0}) == 1);                    // xor eax, eax
  // [HelpPC] CMP: reg,reg 1; mem,reg 2; reg,mem 2; reg,imm 1; mem,imm 2.
  CHECK(cost({0x39, 0xD8}) == 1);        // cmp eax, ebx
  CHECK(cost({0x39, 0x03}) == 2);        // cmp [ebx], eax
  CHECK(cost({0x3B, 0x03}) == 2);        // cmp eax, [ebx]
  CHECK(cost({0x83, 0xF8, 0x05}) == 1);  // cmp eax, 5
  CHECK(cost({0x83, 0x3B, 0x05}) == 2);  // cmp dword [ebx], 5
  // [HelpPC] TEST: reg,reg 1; mem,reg 2; reg,imm 1; mem,imm 2.
  CHECK(cost({0x85, 0xC0}) == 1);              // test eax, eax
  CHECK(cost({0x85, 0x03}) == 2);              // test [ebx], eax
  CHECK(cost({0xA9, 1, 0, 0, 0}) == 1);        // test eax, 1
  CHECK(cost({0xF7, 0x03, 1, 0, 0, 0}) == 2);  // test dword [ebx], 1
  CHECK(cost({0xF6, 0x43, 0x04, 0x80}) == 2);  // test byte [ebx+4], 0x80
  // [HelpPC] INC/DEC/NEG/NOT: reg 1, mem 3.
  CHECK(cost({0x40}) == 1);        // inc eax
  CHECK(cost({0xFF, 0x03}) == 3);  // inc dword [ebx]
  CHECK(cost({0x48}) == 1);        // dec eax
  CHECK(cost({0xF7, 0xD8}) == 1);  // neg eax
  CHECK(cost({0xF7, 0x13}) == 3);  // not dword [ebx]
}

TEST_CASE("cycle_table: MOV forms, segment, control and debug registers", "[cycle_table]") {
  CHECK(cost({0x89, 0xD8}) == 1);              // mov eax, ebx
  CHECK(cost({0x8B, 0x03}) == 1);              // mov eax, [ebx]
  CHECK(cost({0x89, 0x03}) == 1);              // mov [ebx], eax
  CHECK(cost({0xB8, 1, 0, 0, 0}) == 1);        // mov eax, 1
  CHECK(cost({0xC7, 0x03, 1, 0, 0, 0}) == 1);  // mov dword [ebx], 1
  CHECK(cost({0xA1, 0, 0x10, 0, 0}) == 1);     // mov eax, [0x1000] (moffs)
  CHECK(cost({0x8E, 0xD8}) == 9);              // mov ds, eax: PM segment load
  CHECK(cost({0x8E, 0x13}) == 9);              // mov ss, [ebx]
  CHECK(cost({0x8C, 0xD8}) == 3);              // mov eax, ds
  CHECK(cost({0x8C, 0x1B}) == 3);              // mov [ebx], ds
  CHECK(cost({0x0F, 0x22, 0xC0}) == 16);       // mov cr0, eax
  CHECK(cost({0x0F, 0x22, 0xD8}) == 4);        // mov cr3, eax
  CHECK(cost({0x0F, 0x22, 0xD0}) == 4);        // mov cr2, eax
  CHECK(cost({0x0F, 0x20, 0xC0}) == 4);        // mov eax, cr0
  CHECK(cost({0x0F, 0x20, 0xD0}) == 4);        // mov eax, cr2
  CHECK(cost({0x0F, 0x23, 0xF8}) == 10);       // mov dr7, eax
  CHECK(cost({0x0F, 0x21, 0xF0}) == 9);        // mov eax, dr6
  CHECK(cost({0x0F, 0xB6, 0xC0}) == 3);        // movzx eax, al
  CHECK(cost({0x0F, 0xB7, 0x03}) == 3);        // movzx eax, word [ebx]
  CHECK(cost({0x0F, 0xBE, 0x03}) == 3);        // movsx eax, byte [ebx]
  CHECK(cost({0x8D, 0x44, 0x8B, 0x08}) == 1);  // lea eax, [ebx+ecx*4+8]
  CHECK(cost({0x87, 0xD8}) == 3);              // xchg eax, ebx
  CHECK(cost({0x93}) == 3);                    // xchg ebx, eax (short form)
  CHECK(cost({0x87, 0x03}) == 5);              // xchg [ebx], eax
  CHECK(cost({0x0F, 0xB2, 0x03}) == 12);       // lss eax, [ebx]
  CHECK(cost({0x98}) == 3);                    // cwde
  CHECK(cost({0x99}) == 3);                    // cdq
  CHECK(cost({0x66, 0x98}) == 3);              // cbw
  CHECK(cost({0x66, 0x99}) == 3);              // cwd
  CHECK(cost({0x0F, 0xC8}) == 1);              // bswap eax
  CHECK(cost({0x9F}) == 3);                    // lahf
  CHECK(cost({0x9E}) == 2);                    // sahf
  CHECK(cost({0xD7}) == 4);                    // xlatb
}

TEST_CASE("cycle_table: stack operations and frames", "[cycle_table]") {
  CHECK(cost({0x55}) == 1);                     // push ebp
  CHECK(cost({0xFF, 0x33}) == 4);               // push dword [ebx]
  CHECK(cost({0x6A, 0x05}) == 1);               // push 5
  CHECK(cost({0x68, 0, 0x10, 0, 0}) == 1);      // push 0x1000
  CHECK(cost({0x06}) == 3);                     // push es
  CHECK(cost({0x0F, 0xA0}) == 3);               // push fs
  CHECK(cost({0x5D}) == 4);                     // pop ebp
  CHECK(cost({0x8F, 0x03}) == 6);               // pop dword [ebx]
  CHECK(cost({0x1F}) == 9);                     // pop ds: PM segment load
  CHECK(cost({0x60}) == 11);                    // pushad
  CHECK(cost({0x61}) == 9);                     // popad
  CHECK(cost({0x9C}) == 3);                     // pushfd (PM)
  CHECK(cost({0x9D}) == 6);                     // popfd (PM)
  CHECK(cost({0xC8, 0x10, 0x00, 0x00}) == 14);  // enter 16, 0
  CHECK(cost({0xC8, 0x10, 0x00, 0x01}) == 17);  // enter 16, 1
  CHECK(cost({0xC8, 0x10, 0x00, 0x03}) == 26);  // enter 16, 3: 17+3n
  CHECK(cost({0xC9}) == 5);                     // leave
}

TEST_CASE("cycle_table: shifts and rotates by 1, by immediate and by CL", "[cycle_table]") {
  CHECK(cost({0xD1, 0xE0}) == 3);              // shl eax, 1
  CHECK(cost({0xD1, 0x23}) == 4);              // shl dword [ebx], 1
  CHECK(cost({0xC1, 0xE0, 0x01}) == 2);        // shl eax, 1 encoded with imm8: the imm8 row
  CHECK(cost({0xC1, 0xE8, 0x04}) == 2);        // shr eax, 4
  CHECK(cost({0xC1, 0x3B, 0x04}) == 4);        // sar dword [ebx], 4
  CHECK(cost({0xD3, 0xE0}) == 3);              // shl eax, cl
  CHECK(cost({0xD3, 0x2B}) == 4);              // shr dword [ebx], cl
  CHECK(cost({0xC1, 0xC0, 0x08}) == 2);        // rol eax, 8
  CHECK(cost({0xD1, 0xC8}) == 3);              // ror eax, 1
  CHECK(cost({0xD1, 0xD0}) == 3);              // rcl eax, 1
  CHECK(cost({0xD1, 0x1B}) == 4);              // rcr dword [ebx], 1
  CHECK(cost({0xD3, 0xD0}) == 19);             // rcl eax, cl: 8-30, midpoint
  CHECK(cost({0xC1, 0x1B, 0x03}) == 20);       // rcr dword [ebx], 3: 9-31, midpoint
  CHECK(cost({0x0F, 0xA4, 0xD8, 0x04}) == 2);  // shld eax, ebx, 4
  CHECK(cost({0x0F, 0xA4, 0x03, 0x04}) == 3);  // shld [ebx], eax, 4
  CHECK(cost({0x0F, 0xAD, 0xD8}) == 3);        // shrd eax, ebx, cl
  CHECK(cost({0x0F, 0xAD, 0x03}) == 4);        // shrd [ebx], eax, cl
}

TEST_CASE("cycle_table: multiply and divide by operand size", "[cycle_table]") {
  // MUL/IMUL ranges 13-18 / 13-26 / 13-42, charged at the midpoint.
  CHECK(cost({0xF6, 0xE1}) == 15);              // mul cl
  CHECK(cost({0x66, 0xF7, 0xE1}) == 19);        // mul cx
  CHECK(cost({0xF7, 0xE1}) == 27);              // mul ecx
  CHECK(cost({0xF7, 0x23}) == 27);              // mul dword [ebx]
  CHECK(cost({0xF7, 0xE9}) == 27);              // imul ecx
  CHECK(cost({0x0F, 0xAF, 0xC1}) == 27);        // imul eax, ecx
  CHECK(cost({0x0F, 0xAF, 0x03}) == 27);        // imul eax, [ebx]
  CHECK(cost({0x6B, 0xC1, 0x05}) == 27);        // imul eax, ecx, 5
  CHECK(cost({0x69, 0xC1, 0, 1, 0, 0}) == 27);  // imul eax, ecx, 0x100
  CHECK(cost({0x66, 0x6B, 0xC1, 0x05}) == 19);  // imul ax, cx, 5
  // [HelpPC] DIV 16/24/40; IDIV reg 19/27/43, mem 20/28/44.
  CHECK(cost({0xF6, 0xF1}) == 16);        // div cl
  CHECK(cost({0x66, 0xF7, 0xF1}) == 24);  // div cx
  CHECK(cost({0xF7, 0xF1}) == 40);        // div ecx
  CHECK(cost({0xF7, 0x33}) == 40);        // div dword [ebx]
  CHECK(cost({0xF7, 0xF9}) == 43);        // idiv ecx
  CHECK(cost({0xF7, 0x3B}) == 44);        // idiv dword [ebx]
  CHECK(cost({0xF6, 0x3B}) == 20);        // idiv byte [ebx]
}

TEST_CASE("cycle_table: atomics, bit operations and SETcc", "[cycle_table]") {
  CHECK(cost({0x0F, 0xB1, 0xCA}) == 6);        // cmpxchg edx, ecx
  CHECK(cost({0xF0, 0x0F, 0xB1, 0x0A}) == 7);  // lock cmpxchg [edx], ecx (success figure)
  CHECK(cost({0x0F, 0xC1, 0xC8}) == 3);        // xadd eax, ecx
  CHECK(cost({0xF0, 0x0F, 0xC1, 0x01}) == 4);  // lock xadd [ecx], eax
  CHECK(cost({0x0F, 0xA3, 0xC8}) == 3);        // bt eax, ecx
  CHECK(cost({0x0F, 0xA3, 0x01}) == 12);       // bt [ecx], eax
  CHECK(cost({0x0F, 0xBA, 0xE0, 3}) == 3);     // bt eax, 3
  CHECK(cost({0x0F, 0xBA, 0x21, 3}) == 6);     // bt dword [ecx], 3
  CHECK(cost({0x0F, 0xAB, 0xC8}) == 6);        // bts eax, ecx
  CHECK(cost({0x0F, 0xB3, 0x01}) == 13);       // btr [ecx], eax
  CHECK(cost({0x0F, 0xBA, 0x39, 3}) == 8);     // btc dword [ecx], 3
  CHECK(cost({0x0F, 0xBA, 0xE8, 3}) == 6);     // bts eax, 3
  CHECK(cost({0x0F, 0xBC, 0xC1}) == 24);       // bsf eax, ecx: 6-42, midpoint
  CHECK(cost({0x0F, 0xBC, 0x01}) == 25);       // bsf eax, [ecx]: 7-43
  CHECK(cost({0x0F, 0xBD, 0xC1}) == 54);       // bsr eax, ecx: 6-103
  CHECK(cost({0x0F, 0xBD, 0x01}) == 55);       // bsr eax, [ecx]: 7-104
  CHECK(cost({0x0F, 0x94, 0xC0}) == 3);        // sete al
  CHECK(cost({0x0F, 0x9F, 0x03}) == 4);        // setg byte [ebx]
  CHECK(cost({0x0F, 0x92, 0xC1}) == 3);        // setb cl
}

TEST_CASE("cycle_table: conditional transfers: not-taken cost plus a taken extra",
          "[cycle_table]") {
  // [HelpPC] Jcc: jump 3, no jump 1 (short and near forms alike).
  for (const Bytes& b : {Bytes{0x74, 0x05}, Bytes{0x0F, 0x85, 0, 1, 0, 0}, Bytes{0x7C, 0xFE},
                         Bytes{0x77, 0x10}, Bytes{0x0F, 0x8E, 0x10, 0, 0, 0}}) {
    Decoded d(b);
    INFO(d.insn->mnemonic);
    CHECK(cycle_table::is_conditional_branch(*d));
    CHECK(cycle_table::insn_cycles(*d) == 1);
    CHECK(cycle_table::taken_extra(*d) == 2);
  }
  CHECK(cost({0xE2, 0xFE}) == 2);   // loop: no jump 2
  CHECK(taken({0xE2, 0xFE}) == 6);  // loop: jump 6
  CHECK(cost({0xE1, 0xFE}) == 6);   // loope: no jump 6
  CHECK(taken({0xE1, 0xFE}) == 9);  // loope: jump 9
  CHECK(cost({0xE0, 0xFE}) == 6);   // loopne
  CHECK(taken({0xE0, 0xFE}) == 9);
  CHECK(cost({0xE3, 0x05}) == 5);   // jecxz: no jump 5
  CHECK(taken({0xE3, 0x05}) == 8);  // jecxz: jump 8
  // Unconditional transfers are not conditional and have no taken extra.
  Decoded jmp({0xEB, 0x00});
  CHECK_FALSE(cycle_table::is_conditional_branch(*jmp));
  CHECK(cycle_table::taken_extra(*jmp) == 0);
  Decoded add({0x01, 0xD8});
  CHECK(cycle_table::taken_extra(*add) == 0);
}

TEST_CASE("cycle_table: jumps, calls and returns", "[cycle_table]") {
  CHECK(cost({0xEB, 0x00}) == 3);                       // jmp short
  CHECK(cost({0xE9, 0, 1, 0, 0}) == 3);                 // jmp near rel32
  CHECK(cost({0xFF, 0xE0}) == 5);                       // jmp eax
  CHECK(cost({0xFF, 0x20}) == 5);                       // jmp [eax]
  CHECK(cost({0xE8, 0, 0, 0, 0}) == 3);                 // call rel32
  CHECK(cost({0xFF, 0xD0}) == 5);                       // call eax
  CHECK(cost({0xFF, 0x14, 0x85, 0, 0x10, 0, 0}) == 5);  // call [eax*4+0x1000]
  CHECK(cost({0xC3}) == 5);                             // ret
  CHECK(cost({0xC2, 0x04, 0x00}) == 5);                 // ret 4
  CHECK(cost({0xEA, 0, 0x10, 0, 0, 0x08, 0}) == 19);    // ljmp 8:0x1000 (PM)
  CHECK(cost({0xFF, 0x28}) == 18);                      // ljmp [eax]
  CHECK(cost({0x9A, 0, 0x10, 0, 0, 0x08, 0}) == 20);    // lcall 8:0x1000 (PM, same privilege)
  CHECK(cost({0xFF, 0x18}) == 20);                      // lcall [eax]
  CHECK(cost({0xCB}) == 18);                            // retf (PM, same privilege)
  CHECK(cost({0xCA, 0x08, 0x00}) == 17);                // retf 8
  CHECK(cycle_table::far_ret_cycles(false) == 18);
  CHECK(cycle_table::far_ret_cycles(true) == 33);
  CHECK(cycle_table::far_call_cycles(false) == 20);
  CHECK(cycle_table::far_call_cycles(true) == 69);
}

TEST_CASE("cycle_table: REP strings are charged per iteration", "[cycle_table]") {
  // Without REP: the manual's single-execution figure.
  CHECK(cost({0xA4}) == 7);  // movsb
  CHECK(cost({0xA5}) == 7);  // movsd
  CHECK(cost({0xAB}) == 5);  // stosd
  CHECK(cost({0xAC}) == 5);  // lodsb
  CHECK(cost({0xA6}) == 8);  // cmpsb
  CHECK(cost({0xAE}) == 6);  // scasb
  // With REP: the per-iteration part of the formula, the fixed part not charged.
  CHECK(cost({0xF3, 0xA5}) == 3);        // rep movsd: 12+3n
  CHECK(cost({0xF3, 0xA4}) == 3);        // rep movsb
  CHECK(cost({0x66, 0xF3, 0xA5}) == 3);  // rep movsw
  CHECK(cost({0xF3, 0xAB}) == 4);        // rep stosd: 7+4n
  CHECK(cost({0xF3, 0xAA}) == 4);        // rep stosb
  CHECK(cost({0xF3, 0xAD}) == 4);        // rep lodsd: 7+4n
  CHECK(cost({0xF3, 0xA6}) == 7);        // repe cmpsb: 7+7n
  CHECK(cost({0xF2, 0xA7}) == 7);        // repne cmpsd
  CHECK(cost({0xF2, 0xAE}) == 5);        // repne scasb: 7+5n
  CHECK(cost({0xF3, 0xAF}) == 5);        // repe scasd
  // Per-iteration charging is what makes n iterations cost n times one execution.
  const std::uint32_t n = 100;
  CHECK(n * cost({0xF3, 0xA5}) == 12 + 3 * n - 12);
}

TEST_CASE("cycle_table: port I/O in protected mode with CPL <= IOPL", "[cycle_table]") {
  CHECK(cost({0xE4, 0x40}) == 9);   // in al, 0x40
  CHECK(cost({0xE5, 0x40}) == 9);   // in eax, 0x40
  CHECK(cost({0xEC}) == 8);         // in al, dx
  CHECK(cost({0x66, 0xED}) == 8);   // in ax, dx
  CHECK(cost({0xE6, 0x80}) == 11);  // out 0x80, al
  CHECK(cost({0xEE}) == 10);        // out dx, al
  CHECK(cost({0xEF}) == 10);        // out dx, eax
  CHECK(cost({0x6C}) == 10);        // insb
  CHECK(cost({0x6E}) == 10);        // outsb
  CHECK(cost({0xF3, 0x6D}) == 8);   // rep insd: 10+8n per iteration
  CHECK(cost({0xF3, 0x6F}) == 5);   // rep outsd: 11+5n per iteration
}

TEST_CASE("cycle_table: flags and system instructions", "[cycle_table]") {
  CHECK(cost({0x90}) == 1);                        // nop
  CHECK(cost({0xF3, 0x90}) == 1);                  // pause = rep nop on an i486
  CHECK(cost({0xFA}) == 5);                        // cli
  CHECK(cost({0xFB}) == 5);                        // sti
  CHECK(cost({0xFC}) == 2);                        // cld
  CHECK(cost({0xFD}) == 2);                        // std
  CHECK(cost({0xF8}) == 2);                        // clc
  CHECK(cost({0xF9}) == 2);                        // stc
  CHECK(cost({0xF5}) == 2);                        // cmc
  CHECK(cost({0xF4}) == cycle_table::kHltCycles);  // hlt
  CHECK(cycle_table::kHltCycles == 4);
  CHECK(cost({0x0F, 0x01, 0x15, 0, 0x10, 0, 0}) == 11);  // lgdt [0x1000]
  CHECK(cost({0x0F, 0x01, 0x1D, 0, 0x10, 0, 0}) == 11);  // lidt [0x1000]
  CHECK(cost({0x0F, 0x01, 0x05, 0, 0x10, 0, 0}) == 10);  // sgdt [0x1000]
  CHECK(cost({0x0F, 0x01, 0x0D, 0, 0x10, 0, 0}) == 10);  // sidt [0x1000]
  CHECK(cost({0x0F, 0x00, 0xD8}) == 20);                 // ltr ax
  CHECK(cost({0x0F, 0x00, 0xD0}) == 11);                 // lldt ax
  CHECK(cost({0x0F, 0x00, 0xC8}) == 2);                  // str eax
  CHECK(cost({0x0F, 0x00, 0x0B}) == 3);                  // str [ebx]
  CHECK(cost({0x0F, 0x00, 0xC0}) == 2);                  // sldt eax
  CHECK(cost({0x0F, 0x06}) == 7);                        // clts
  CHECK(cost({0x0F, 0x01, 0x38}) == 12);                 // invlpg [eax]
  CHECK(cost({0x0F, 0x09}) == 5);                        // wbinvd
  CHECK(cost({0x0F, 0x08}) == 4);                        // invd
  CHECK(cost({0x0F, 0xA2}) == 14);                       // cpuid
  CHECK(cost({0x0F, 0xC7, 0x0E}) == 10);                 // cmpxchg8b [esi] (Pentium)
  CHECK(cost({0x0F, 0x32}) == 22);                       // rdmsr: 20-24 (Pentium)
  CHECK(cost({0x0F, 0x30}) == 37);                       // wrmsr: 30-45 (Pentium)
  CHECK(cost({0x0F, 0x44, 0xC1}) == 2);                  // cmove eax, ecx (P6)
  CHECK(cost({0x0F, 0x4F, 0x03}) == 3);                  // cmovg eax, [ebx] (P6)
  CHECK(cost({0xDB, 0xE3}) == 17);                       // fninit
  CHECK(cost({0xDF, 0xE0}) == 3);                        // fnstsw ax
  CHECK(cost({0xDD, 0x38}) == 3);                        // fnstsw [eax]
  CHECK(cost({0xD9, 0x38}) == 3);                        // fnstcw [eax]
  CHECK(cost({0xD9, 0x28}) == 4);                        // fldcw [eax]
  CHECK(cost({0xDB, 0xE2}) == 7);                        // fnclex
  CHECK(cost({0x9B}) == 2);                              // wait: 1-3
  CHECK(cost({0xDD, 0x30}) == 143);                      // fnsave [eax]
  CHECK(cost({0xDD, 0x20}) == 131);                      // frstor [eax]
  CHECK(cost({0x0F, 0x31}) == 11);                       // rdtsc (Pentium figure)
  CHECK(cost({0x0F, 0x0B}) == 0);                        // ud2: never retires
}

TEST_CASE("cycle_table: INT, INTO and IRET are charged by delivery, by privilege",
          "[cycle_table]") {
  for (const Bytes& b : {Bytes{0xCD, 0x80}, Bytes{0xCC}, Bytes{0xCF}, Bytes{0x66, 0xCF}}) {
    Decoded d(b);
    INFO(d.insn->mnemonic);
    CHECK(cycle_table::charged_by_delivery(*d));
    CHECK(cycle_table::is_known(*d));
    CHECK(cycle_table::insn_cycles(*d) == 0);  // all of it is charged at delivery
  }
  Decoded into({0xCE});
  CHECK(cycle_table::charged_by_delivery(*into));
  CHECK(cycle_table::insn_cycles(*into) == 3);  // OF=0: no delivery, INTO pays "no jump" 3
  // Far transfers are not delivery-charged: insn_cycles pays their same-privilege figure.
  CHECK_FALSE(cycle_table::charged_by_delivery(*Decoded({0xCB})));
  CHECK_FALSE(cycle_table::charged_by_delivery(*Decoded({0x9A, 0, 0, 0, 0, 8, 0})));
  CHECK_FALSE(cycle_table::charged_by_delivery(*Decoded({0x0F, 0x0B})));  // ud2
  CHECK(cycle_table::int_cycles(cycle_table::Delivery::kSamePrivilege) == 44);
  CHECK(cycle_table::int_cycles(cycle_table::Delivery::kToInnerPrivilege) == 71);
  CHECK(cycle_table::iret_cycles(false) == 15);
  CHECK(cycle_table::iret_cycles(true) == 36);
}

TEST_CASE("cycle_table: everything a small clang -O2 i486 kernel uses is known", "[cycle_table]") {
  const std::vector<Bytes> set = {
      {0x55},                          // push ebp
      {0x89, 0xE5},                    // mov ebp, esp
      {0x5D},                          // pop ebp
      {0xC3},                          // ret
      {0xE8, 0, 0, 0, 0},              // call rel32
      {0x8D, 0x45, 0x08},              // lea eax, [ebp+8]
      {0x0F, 0xB6, 0xC0},              // movzx eax, al
      {0x0F, 0xBF, 0xC0},              // movsx eax, ax
      {0x85, 0xC0},                    // test eax, eax
      {0x31, 0xC0},                    // xor eax, eax
      {0x29, 0xD8},                    // sub eax, ebx
      {0x19, 0xD2},                    // sbb edx, edx
      {0x11, 0xD0},                    // adc eax, edx
      {0xF7, 0xD8},                    // neg eax
      {0x9C},                          // pushfd
      {0x9D},                          // popfd
      {0xFA},                          // cli
      {0xFB},                          // sti
      {0xF4},                          // hlt
      {0x0F, 0x01, 0x15, 0, 0, 0, 0},  // lgdt
      {0x0F, 0x01, 0x1D, 0, 0, 0, 0},  // lidt
      {0x0F, 0x00, 0xD8},              // ltr ax
      {0x0F, 0x22, 0xD8},              // mov cr3, eax
      {0x8E, 0xD0},                    // mov ss, eax
      {0xEA, 0, 0, 0x10, 0, 0x08, 0},  // ljmp 8:0x100000
      {0x60},                          // pushad
      {0x61},                          // popad
      {0x06},                          // push es
      {0x1F},                          // pop ds
      {0xCF},                          // iretd
      {0xCD, 0x80},                    // int 0x80
      {0x0F, 0xBC, 0xC0},              // bsf eax, eax
      {0x0F, 0xBD, 0xC0},              // bsr eax, eax
      {0x0F, 0xA3, 0xC8},              // bt eax, ecx
      {0x0F, 0xAB, 0x01},              // bts [ecx], eax
      {0x0F, 0x95, 0xC0},              // setne al
      {0xC9},                          // leave
      {0xF3, 0xAB},                    // rep stosd
      {0xF3, 0xA5},                    // rep movsd
      {0xF3, 0xA4},                    // rep movsb
      {0xF7, 0xF1},                    // div ecx
      {0xF7, 0xF9},                    // idiv ecx
      {0x0F, 0xAF, 0xC1},              // imul eax, ecx
      {0x6B, 0xC0, 0x0C},              // imul eax, eax, 12
      {0xF7, 0xE2},                    // mul edx
      {0x0F, 0xA5, 0xC2},              // shld edx, eax, cl
      {0x0F, 0xAC, 0xD0, 0x04},        // shrd eax, edx, 4
      {0xC1, 0xF8, 0x1F},              // sar eax, 31
      {0xD1, 0xE8},                    // shr eax, 1
      {0xD3, 0xE0},                    // shl eax, cl
      {0x99},                          // cdq
      {0x87, 0x03},                    // xchg [ebx], eax
      {0xF0, 0x0F, 0xB1, 0x0A},        // lock cmpxchg [edx], ecx
      {0xF0, 0x0F, 0xC1, 0x01},        // lock xadd [ecx], eax
      {0xF0, 0xFF, 0x00},              // lock inc dword [eax]
      {0x0F, 0xC8},                    // bswap eax
      {0xE6, 0x80},                    // out 0x80, al
      {0xEC},                          // in al, dx
      {0xFF, 0x24, 0x85, 0, 0, 0, 0},  // jmp [eax*4+table]
      {0xFF, 0xD2},                    // call edx
      {0x74, 0x05},                    // je
      {0x0F, 0x8F, 0, 1, 0, 0},        // jg near
      {0xE3, 0x02},                    // jecxz
      {0xE2, 0xFE},                    // loop
      {0x0F, 0x01, 0x38},              // invlpg [eax]
      {0x0F, 0x20, 0xD0},              // mov eax, cr2
      {0xFC},                          // cld
      {0x90},                          // nop
      {0x0F, 0x1F, 0x00},              // nop dword [eax] (padding)
      {0xF3, 0x90},                    // pause
      {0x0F, 0x0B},                    // ud2
      {0x0F, 0xA2},                    // cpuid
      {0x0F, 0x31},                    // rdtsc
  };
  for (const auto& b : set) {
    Decoded d(b);
    INFO(d.insn->mnemonic << " " << d.insn->op_str);
    CHECK(cycle_table::is_known(*d));
  }
}

TEST_CASE("cycle_table: unknown instructions cost the documented default and are reported",
          "[cycle_table]") {
  for (const Bytes& b : {Bytes{0xD9, 0xE8},              // fld1 (x87 arithmetic: not listed)
                         Bytes{0xD9, 0xFA},              // fsqrt (x87 arithmetic: not listed)
                         Bytes{0xF2, 0x0F, 0x10, 0xC1},  // movsd xmm0, xmm1: SSE2, same id as
                                                         // the string MOVSD
                         Bytes{0x27}}) {                 // daa
    Decoded d(b);
    INFO(d.insn->mnemonic << " " << d.insn->op_str);
    CHECK_FALSE(cycle_table::is_known(*d));
    CHECK(cycle_table::insn_cycles(*d) == cycle_table::kDefaultCycles);
    CHECK(cycle_table::taken_extra(*d) == 0);
  }
  CHECK(cycle_table::kDefaultCycles == 2);
}

TEST_CASE("cycle_table: a block decoded at once costs the sum of its instructions decoded alone",
          "[cycle_table]") {
  // The machine decodes a translated block in one pass (block mode) or one instruction per hook
  // (trace mode), at any address; both must charge the same cycles.
  const Bytes block = {0x55, 0x89, 0xE5, 0x83, 0xEC, 0x10, 0x8B, 0x45, 0x08, 0xF7, 0xE1,
                       0xF3, 0xA5, 0x0F, 0xB6, 0xC0, 0x85, 0xC0, 0x74, 0x02, 0xC9, 0xC3};
  csh h;
  REQUIRE(cs_open(CS_ARCH_X86, CS_MODE_32, &h) == CS_ERR_OK);
  cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
  cs_insn* insns = nullptr;
  const size_t n = cs_disasm(h, block.data(), block.size(), 0x100000, 0, &insns);
  REQUIRE(n == 11);
  std::uint32_t together = 0, alone = 0;
  for (size_t i = 0; i < n; ++i) {
    together += cycle_table::insn_cycles(insns[i]);
    const Bytes one(insns[i].bytes, insns[i].bytes + insns[i].size);
    alone += cycle_table::insn_cycles(*Decoded(one, 0x08048000 + 16 * i));
  }
  cs_free(insns, n);
  cs_close(&h);
  // push 1, mov 1, sub 1, mov 1, mul 27, rep movsd 3, movzx 3, test 1, je 1, leave 5, ret 5.
  CHECK(together == 1 + 1 + 1 + 1 + 27 + 3 + 3 + 1 + 1 + 5 + 5);
  CHECK(alone == together);
}
