// The target description the gdb stub serves (GDB manual, appendix G "Target Descriptions", and
// E.4 qXfer:features:read), and the register numbering it fixes for `g`, `G`, `p` and `P`.
//
// Open questions and the answers chosen:
// 1. Which features? gdb's i386 architecture accepts a description only with the feature
//    org.gnu.gdb.i386.core holding the general registers, EIP, EFLAGS, the six segment registers
//    and the x87 registers (st0-st7, fctrl .. fop), by those names (GDB manual G.5.7 "i386
//    Features"). The system registers gdb has no feature for (CR0, CR2, CR3, CR4, GDTR, IDTR,
//    TR) are forkscope's own feature, org.forkscope.i386.system, after them.
// 2. The numbering: 0-15 as before the description (EAX .. GS, Reg's order, which is gdb's), 16-31
//    the x87 registers, 32-41 the system registers (kSystemRegs). `g` sends them all in that
//    order: gdb's expected `g` length is the sum of the sizes in the description (kGBytes).
// 3. The x87 registers: the machine keeps no FPU state of its own to show (the guest never uses
//    the FPU), so they are "unavailable" (`x` digits, GDB manual E.4 `g`), never made-up zeros.
// 4. Writable: EAX .. EDI and EFLAGS only, as before; the rest are refused unless unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fs {

class Machine;

namespace gdb {

inline constexpr unsigned kFirstX87 = 16;     // st0
inline constexpr unsigned kFirstSystem = 32;  // cr0
inline constexpr unsigned kNumRegs = 42;
// The system registers by number (open question 2).
enum SystemReg : unsigned {
  kRegCr0 = kFirstSystem,
  kRegCr2,
  kRegCr3,
  kRegCr4,
  kRegGdtrBase,
  kRegGdtrLimit,
  kRegIdtrBase,
  kRegIdtrLimit,
  kRegTr,  // the selector
  kRegTrBase,
};

// The bytes register `regnum` takes in `g` (10 for st0-st7, else 4); 0 beyond kNumRegs.
std::size_t register_size(unsigned regnum);
// The sum of register_size over every register: what gdb expects a `g` reply to carry.
inline constexpr std::size_t kGBytes = 16 * 4 + 8 * 10 + 8 * 4 + 10 * 4;

// The register's bytes in target order, nullopt when unavailable (the x87 ones) or out of range.
std::optional<std::vector<std::uint8_t>> register_bytes(const Machine& m, unsigned regnum);
// As sent in `g` and `p`: hex, or `x` digits for an unavailable register. Empty when out of range.
std::string register_hex(const Machine& m, unsigned regnum);

// target.xml, the whole description (one file: nothing is included).
std::string_view target_xml();
// The reply to qXfer:features:read:ANNEX:OFFSET,LENGTH given "ANNEX:OFFSET,LENGTH": "m" or "l"
// (last) and the bytes, "E00" for an unknown annex or a malformed request.
std::string features_read(std::string_view args);

}  // namespace gdb
}  // namespace fs
