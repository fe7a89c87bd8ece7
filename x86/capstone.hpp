// The one place Capstone's header is included (issue 16): the decoder (x86/decoder.cpp), the cycle
// table (x86/cycle_table.cpp) and the register-write sets (x86/reg_writes.cpp) decode with it;
// nothing outside x86/ sees a Capstone type, except the cycle table's own tests.
#pragma once

#include <capstone/capstone.h>
