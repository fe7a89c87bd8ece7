// Interrupt and exception vectors by their names (Intel SDM vol. 3A 6.3.1, table 6-1): the
// machine's delivery (emu/interrupt.hpp) and the trace tools' reports use the same ones.
#pragma once

#include <cstdint>

namespace fs {

// Vectors (SDM vol. 3A table 6-1).
enum Vector : std::uint8_t {
  kDE = 0,
  kDB = 1,
  kNMI = 2,
  kBP = 3,
  kOF = 4,
  kBR = 5,
  kUD = 6,
  kNM = 7,
  kDF = 8,
  kTS = 10,
  kNP = 11,
  kSS = 12,
  kGP = 13,
  kPF = 14,
  kMF = 16,
  kAC = 17,
};

// How an interrupt or exception came to be delivered: the machine's delivery (emu/interrupt.hpp)
// and the trace's delivery records (trace/trace_format.hpp, where the numbers are stored) share it.
enum class DeliveryKind : std::uint8_t {
  kException = 0,  // raised by the CPU (fault or trap)
  kSoftware = 1,   // INT n, INT3, INTO: the gate DPL is checked against CPL (SDM 6.12.1.1)
  kExternal = 2,   // a PIC vector at INTA
};

// "#PF", "#GP"... for vectors 0-31 (the SDM's mnemonics; reserved ones as "#15"), "INT" above.
inline const char* vector_mnemonic(std::uint8_t v) {
  static const char* const names[32] = {"#DE", "#DB",  "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                        "#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
                                        "#MF", "#AC",  "#MC", "#XM", "#VE", "#21", "#22", "#23",
                                        "#24", "#25",  "#26", "#27", "#28", "#29", "#30", "#31"};
  return v < 32 ? names[v] : "INT";
}

}  // namespace fs
