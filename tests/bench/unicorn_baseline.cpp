// The yardstick for scripts/bench: a bench guest's loop body (bench_loop .. bench_loop_end) run on a
// bare Unicorn engine with no hooks at all, i.e. the fastest this Unicorn can execute it; with
// --mem-hook, with one UC_HOOK_MEM_WRITE on a range the loop never touches, which in 2.1.1 alone
// puts every store on the slow path (tests/unicorn_quirks_test.cpp's header). A benchmark tool, not
// part of the machine, so it may include unicorn.h (emu/unicorn_cpu.cpp is the only product file
// that does).
#include <fmt/format.h>
#include <unicorn/unicorn.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "loader/elf_image.hpp"
#include "loader/symbols.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: unicorn_baseline IMAGE [ITERATIONS [INSNS_PER_ITERATION [--mem-hook]]]\n");
    return 2;
  }
  const std::uint32_t iterations =
      argc > 2 ? static_cast<std::uint32_t>(std::atol(argv[2])) : 50'000'000;
  const double per_iteration = argc > 3 ? std::atof(argv[3]) : 8.0;
  const bool mem_hook = argc > 4 && std::string(argv[4]) == "--mem-hook";
  std::vector<std::uint8_t> ram(64u << 20);
  fs::load_elf(argv[1], ram);
  auto syms = fs::SymbolTable::from_elf(argv[1]);
  auto begin = syms.address_of("bench_loop");
  auto end = syms.address_of("bench_loop_end");
  if (!begin || !end) {
    fmt::print(stderr, "unicorn_baseline: {} has no bench_loop/bench_loop_end\n", argv[1]);
    return 2;
  }
  uc_engine* uc;
  uc_open(UC_ARCH_X86, UC_MODE_32, &uc);
  uc_mem_map_ptr(uc, 0, ram.size(), UC_PROT_ALL, ram.data());
  if (mem_hook) {
    uc_hook h;
    auto cb = +[](uc_engine*, uc_mem_type, uint64_t, int, int64_t, void*) {};
    uc_hook_add(uc, &h, UC_HOOK_MEM_WRITE, reinterpret_cast<void*>(cb), nullptr, 0x3000000, 0x3000fff);
  }
  std::uint32_t ecx = iterations;
  uc_reg_write(uc, UC_X86_REG_ECX, &ecx);
  const auto t0 = std::chrono::steady_clock::now();
  uc_err e = uc_emu_start(uc, *begin, *end, 0, 0);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  uc_close(uc);
  if (e != UC_ERR_OK) {
    fmt::print(stderr, "unicorn_baseline: {}\n", uc_strerror(e));
    return 1;
  }
  const double insns = per_iteration * iterations;
  fmt::print("instructions {:.0f}  wall {:.3f} s  {:.1f} MIPS\n", insns, s, insns / s / 1e6);
  return 0;
}
