// The files of a Linux initramfs: "newc" cpio archives (Documentation/driver-api/early-userspace/
// buffer-format.rst), one after another with NUL padding between them, the whole possibly
// compressed with gzip or xz (decompressed as a bzImage's payload is, loader/kernel_payload.hpp).
// The trace tools take the programs of a Linux run's --initrd from it (its /init and what /init
// execs), to disassemble and name their user-space code as they do the forkscope kernel's
// embedded programs.
//
// Read here, not with libarchive: libarchive allocates what a header claims (a name size of 2.5 GB
// is a 2.5 GB allocation, found by tests/fuzz/fuzz_loader.cpp); this reader bounds every length by
// the bytes that are there.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace fs {

struct InitramfsFile {
  std::string path;  // as the archive names it, without a leading "./" or "/" ("bin/hello")
  std::vector<std::uint8_t> bytes;
};

// The regular files of the archives, in their order (directories, links and device nodes are left
// out). LoadError ("name: problem", one line) when the bytes are not newc archives, a header is
// malformed, or a name or file is cut short.
std::vector<InitramfsFile> read_initramfs(std::span<const std::uint8_t> bytes,
                                          const std::string& name);

}  // namespace fs
