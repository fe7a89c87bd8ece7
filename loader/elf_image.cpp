#include "loader/elf_image.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include "loader/elf_handle.hpp"
#include "trace/fnv1a.hpp"

namespace fs {
namespace {

// A kernel image for forkscope is a few MiB; the cap keeps a wrong path (a disk image, a core dump)
// from filling host memory before the ELF checks can refuse it.
constexpr std::uint64_t kMaxImageFile = std::uint64_t{1} << 30;

std::uint32_t le32(std::span<const std::uint8_t> f, std::size_t off) {
  std::uint32_t v;
  std::memcpy(&v, f.data() + off, 4);  // x86 host: ELFDATA2LSB words read as they are
  return v;
}

std::string ram_size_text(std::uint64_t n) {
  if (n % (1u << 20) == 0) return fmt::format("{} MiB", n >> 20);
  if (n % (1u << 10) == 0) return fmt::format("{} KiB", n >> 10);
  return fmt::format("{} bytes", n);
}

std::string_view e_type_name(unsigned t) {
  switch (t) {
    case ET_NONE:
      return "ET_NONE";
    case ET_REL:
      return "ET_REL";
    case ET_EXEC:
      return "ET_EXEC";
    case ET_DYN:
      return "ET_DYN";
    case ET_CORE:
      return "ET_CORE";
    default:
      return "unknown";
  }
}

// Multiboot Specification 0.6.96, 3.1.1: the header is 32-bit aligned and lies wholly within the
// first 8192 bytes; 3.1.2: flags bits 0-15 are requirements a loader must refuse if it cannot meet.
MultibootHeader find_multiboot(std::span<const std::uint8_t> f, std::string_view name) {
  const std::size_t limit = std::min<std::size_t>(f.size(), kMultibootSearchBytes);
  std::optional<std::size_t> bad_checksum_at;
  for (std::size_t off = 0; off + 12 <= limit; off += 4) {
    if (le32(f, off) != kMultibootHeaderMagic) continue;
    MultibootHeader h;
    h.offset = static_cast<std::uint32_t>(off);
    h.magic = kMultibootHeaderMagic;
    h.flags = le32(f, off + 4);
    h.checksum = le32(f, off + 8);
    if (static_cast<std::uint32_t>(h.magic + h.flags + h.checksum) != 0) {
      // The magic may be ordinary data; keep looking, as GRUB does.
      if (!bad_checksum_at) bad_checksum_at = off;
      continue;
    }
    const std::uint32_t unsupported = h.flags & 0xFFFF & ~kMultibootSupportedRequirements;
    if (unsupported != 0) {
      throw LoadError(fmt::format(
          "{}: multiboot header requires flags {:#x} that forkscope does not support{}", name,
          unsupported, (unsupported & kMultibootVideoMode) ? " (bit 2: a video mode)" : ""));
    }
    if (h.flags & kMultibootAoutKludge) {
      // 3.1.3: with bit 16 the header grows to 32 bytes, all of which must be within the 8 KiB.
      if (off + 32 > limit) {
        throw LoadError(fmt::format(
            "{}: multiboot header at offset {:#x} has flag 16 but its address fields are cut off "
            "by the end of the first 8 KiB or of the file",
            name, off));
      }
      h.header_addr = le32(f, off + 12);
      h.load_addr = le32(f, off + 16);
      h.load_end_addr = le32(f, off + 20);
      h.bss_end_addr = le32(f, off + 24);
      h.entry_addr = le32(f, off + 28);
    }
    return h;
  }
  if (bad_checksum_at) {
    const std::size_t off = *bad_checksum_at;
    throw LoadError(fmt::format(
        "{}: multiboot header at offset {:#x} has a bad checksum (magic + flags + checksum = "
        "{:#010x}, must be 0)",
        name, off,
        static_cast<std::uint32_t>(kMultibootHeaderMagic + le32(f, off + 4) + le32(f, off + 8))));
  }
  // Say so when a valid header exists but too far in: the usual cause is a linker script that
  // does not put the .multiboot section first.
  for (std::size_t off = 0; off + 12 <= f.size(); off += 4) {
    if (off + 12 <= limit || le32(f, off) != kMultibootHeaderMagic) continue;
    if (static_cast<std::uint32_t>(le32(f, off) + le32(f, off + 4) + le32(f, off + 8)) == 0) {
      throw LoadError(fmt::format(
          "{}: multiboot header at offset {:#x} is not within the first 8 KiB of the file", name,
          off));
    }
  }
  throw LoadError(fmt::format("{}: no multiboot header in the first 8 KiB", name));
}

// ELFCLASS32 values widened by GElf, narrowed back without loss.
Elf32_Phdr to_elf32(const GElf_Phdr& g) {
  Elf32_Phdr p{};
  p.p_type = g.p_type;
  p.p_offset = static_cast<Elf32_Off>(g.p_offset);
  p.p_vaddr = static_cast<Elf32_Addr>(g.p_vaddr);
  p.p_paddr = static_cast<Elf32_Addr>(g.p_paddr);
  p.p_filesz = static_cast<Elf32_Word>(g.p_filesz);
  p.p_memsz = static_cast<Elf32_Word>(g.p_memsz);
  p.p_flags = g.p_flags;
  p.p_align = static_cast<Elf32_Word>(g.p_align);
  return p;
}

// A PT_LOAD segment that passed every check, with the entry translation it offers.
struct Planned {
  unsigned index;  // program header index, for messages
  std::uint32_t offset, paddr, vaddr, filesz, memsz, flags;
};

std::vector<Planned> plan_segments(Elf* elf, const GElf_Ehdr& eh, std::span<const std::uint8_t> f,
                                   std::string_view name, std::uint64_t ram_size) {
  // e_phnum as written: elf_getphdrnum() would quietly clamp it to what fits in the file and hide a
  // truncation. PN_XNUM (more than 65534 headers, count in section 0) is no kernel of ours.
  const std::size_t phnum = eh.e_phnum;
  if (phnum == PN_XNUM)
    throw LoadError(fmt::format("{}: too many program headers (e_phnum PN_XNUM)", name));
  if (phnum == 0) throw LoadError(fmt::format("{}: no program headers", name));
  if (eh.e_phentsize != sizeof(Elf32_Phdr))
    throw LoadError(
        fmt::format("{}: e_phentsize is {}, not {}", name, eh.e_phentsize, sizeof(Elf32_Phdr)));
  const std::uint64_t ph_end = std::uint64_t{eh.e_phoff} + phnum * sizeof(Elf32_Phdr);
  if (ph_end > f.size()) {
    throw LoadError(fmt::format(
        "{}: truncated: program headers [{:#x}, {:#x}) lie beyond the end of the file ({:#x} "
        "bytes)",
        name, eh.e_phoff, ph_end, f.size()));
  }
  std::vector<Planned> plan;
  for (unsigned i = 0; i < phnum; ++i) {
    // gelf_getphdr() copies: elf32_getphdr() may point into the file at an unaligned offset.
    GElf_Phdr g;
    if (gelf_getphdr(elf, static_cast<int>(i), &g) == nullptr)
      throw LoadError(fmt::format("{}: bad program header {} ({})", name, i, libelf_error()));
    const Elf32_Phdr p = to_elf32(g);
    if (p.p_type != PT_LOAD || p.p_memsz == 0) continue;
    // System V ABI, "Program Header": p_filesz may not exceed p_memsz; the rest is zero-filled.
    if (p.p_filesz > p.p_memsz) {
      throw LoadError(fmt::format("{}: segment {} has p_filesz {:#x} > p_memsz {:#x}", name, i,
                                  p.p_filesz, p.p_memsz));
    }
    const std::uint64_t file_end = std::uint64_t{p.p_offset} + p.p_filesz;
    if (file_end > f.size()) {
      throw LoadError(fmt::format(
          "{}: truncated: segment {} bytes [{:#x}, {:#x}) lie beyond the end of the file ({:#x} "
          "bytes)",
          name, i, p.p_offset, file_end, f.size()));
    }
    const std::uint64_t end = std::uint64_t{p.p_paddr} + p.p_memsz;
    // Ending exactly at 4 GiB is refused too: image_end (a u32) could not say so.
    if (end > 0xFFFFFFFFu) {
      throw LoadError(fmt::format("{}: segment {} [{:#010x}, {:#x}) wraps past 4 GiB", name, i,
                                  p.p_paddr, end));
    }
    if (end > ram_size) {
      throw LoadError(fmt::format("{}: segment {} [{:#010x}, {:#010x}) lies outside RAM ({})", name,
                                  i, p.p_paddr, end, ram_size_text(ram_size)));
    }
    for (const Planned& q : plan) {
      if (p.p_paddr < q.paddr + q.memsz && q.paddr < end) {
        throw LoadError(
            fmt::format("{}: segments {} [{:#010x}, {:#010x}) and {} [{:#010x}, {:#010x}) overlap",
                        name, q.index, q.paddr, q.paddr + q.memsz, i, p.p_paddr, end));
      }
    }
    plan.push_back({i, p.p_offset, p.p_paddr, p.p_vaddr, p.p_filesz, p.p_memsz, p.p_flags});
  }
  if (plan.empty()) throw LoadError(fmt::format("{}: no loadable (PT_LOAD) segment", name));
  return plan;
}

}  // namespace

std::vector<std::uint8_t> read_file(const std::string& path) {
  // O_NONBLOCK so that a FIFO is refused by the S_ISREG check instead of blocking open().
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) throw LoadError(fmt::format("{}: no such file", path));
    throw LoadError(fmt::format("{}: cannot be read ({})", path, std::strerror(err)));
  }
  const std::unique_ptr<int, void (*)(int*)> closer(new int(fd), [](int* p) {
    ::close(*p);
    delete p;
  });
  struct stat st;
  if (::fstat(fd, &st) != 0)
    throw LoadError(fmt::format("{}: cannot be read ({})", path, std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) throw LoadError(fmt::format("{}: not a regular file", path));
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > kMaxImageFile) {
    throw LoadError(
        fmt::format("{}: file too large ({} bytes, at most {})", path, size, kMaxImageFile));
  }
  std::vector<std::uint8_t> bytes(size);
  std::size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw LoadError(fmt::format("{}: cannot be read ({})", path, std::strerror(errno)));
    if (n == 0) break;  // shrank while we read: the ELF checks see the shorter file
    got += static_cast<std::size_t>(n);
  }
  bytes.resize(got);
  return bytes;
}

LoadedImage load_elf(const std::string& path, std::span<std::uint8_t> ram) {
  const std::vector<std::uint8_t> bytes = read_file(path);
  return load_elf_bytes(bytes, path, ram);
}

namespace {

// The checks every loaded image passes (i386, ET_EXEC); the handle and its header for the rest.
ElfHandle open_i386_executable(std::span<const std::uint8_t> f, std::string_view name,
                               GElf_Ehdr& eh) {
  ElfHandle elf = open_elf_memory(f, name);
  if (gelf_getehdr(elf.get(), &eh) == nullptr)
    throw LoadError(fmt::format("{}: bad ELF header ({})", name, libelf_error()));
  if (eh.e_machine != EM_386) {
    throw LoadError(fmt::format("{}: not an i386 (EM_386) file (e_machine {})", name,
                                static_cast<unsigned>(eh.e_machine)));
  }
  if (eh.e_type != ET_EXEC) {
    throw LoadError(fmt::format("{}: not an executable (e_type {}, need ET_EXEC)", name,
                                e_type_name(eh.e_type)));
  }
  return elf;
}

// Question 4 in the header: e_entry through the executable segment whose virtual range holds it,
// else as a physical address inside an executable segment.
std::optional<std::uint32_t> physical_entry(const std::vector<Planned>& plan, std::uint32_t e) {
  for (const Planned& s : plan)
    if ((s.flags & PF_X) && e >= s.vaddr && std::uint64_t{e} < std::uint64_t{s.vaddr} + s.memsz)
      return e - s.vaddr + s.paddr;
  for (const Planned& s : plan)
    if ((s.flags & PF_X) && e >= s.paddr && std::uint64_t{e} < std::uint64_t{s.paddr} + s.memsz)
      return e;
  return std::nullopt;
}

// Plans, checks the entry, then copies: a refused image leaves RAM as it was.
void place_segments(Elf* elf, const GElf_Ehdr& eh, std::span<const std::uint8_t> f,
                    std::string_view name, std::span<std::uint8_t> ram, LoadedImage& img) {
  const std::vector<Planned> plan = plan_segments(elf, eh, f, name, ram.size());
  // The entry must be code we load (0.6.96 3.2: the loader jumps to it). Question 1 in the header.
  const std::optional<std::uint32_t> entry =
      physical_entry(plan, static_cast<std::uint32_t>(eh.e_entry));
  if (!entry) {
    throw LoadError(
        fmt::format("{}: entry point {:#010x} is not in an executable segment", name, eh.e_entry));
  }
  img.entry = *entry;
  for (const Planned& s : plan) {
    std::memcpy(ram.data() + s.paddr, f.data() + s.offset, s.filesz);
    std::memset(ram.data() + s.paddr + s.filesz, 0, s.memsz - s.filesz);
    img.segments.push_back({s.paddr, s.filesz, s.memsz, s.flags});
    img.image_end = std::max(img.image_end, s.paddr + s.memsz);
  }
}

}  // namespace

LoadedImage load_elf_bytes(std::span<const std::uint8_t> f, std::string_view name,
                           std::span<std::uint8_t> ram) {
  GElf_Ehdr eh;
  ElfHandle elf = open_i386_executable(f, name, eh);
  LoadedImage img;
  img.name = std::string(name);
  img.multiboot = find_multiboot(f, name);
  place_segments(elf.get(), eh, f, name, ram, img);
  return img;
}

LoadedImage load_elf_segments(std::span<const std::uint8_t> f, std::string_view name,
                              std::span<std::uint8_t> ram) {
  GElf_Ehdr eh;
  ElfHandle elf = open_i386_executable(f, name, eh);
  LoadedImage img;
  img.name = std::string(name);
  place_segments(elf.get(), eh, f, name, ram, img);
  return img;
}

std::vector<std::uint8_t> image_build_id(const LoadedImage& img,
                                         std::span<const std::uint8_t> ram) {
  // FNV-1a over the entry, then each segment's address, size (little-endian words) and bytes.
  std::uint64_t h = trace::kFnv1aBasis;
  auto word = [&h](std::uint32_t v) {
    std::uint8_t le[4];
    for (int i = 0; i < 4; ++i) le[i] = static_cast<std::uint8_t>(v >> (8 * i));
    h = trace::fnv1a64(le, sizeof le, h);
  };
  word(img.entry);
  for (const LoadedSegment& s : img.segments) {
    word(s.paddr);
    word(s.memsz);
    const std::uint64_t end = std::min<std::uint64_t>(std::uint64_t{s.paddr} + s.memsz, ram.size());
    if (s.paddr < end) h = trace::fnv1a64(ram.data() + s.paddr, end - s.paddr, h);
  }
  std::vector<std::uint8_t> id(8);
  for (int i = 0; i < 8; ++i) id[i] = static_cast<std::uint8_t>(h >> (56 - 8 * i));
  return id;
}

}  // namespace fs
