#include "loader/kallsyms.hpp"

#include <fmt/format.h>
#include <gelf.h>

#include <algorithm>
#include <array>
#include <optional>

#include "loader/elf_handle.hpp"
#include "loader/load_error.hpp"

namespace fs {

namespace {

constexpr std::size_t kTokens = 256;
constexpr std::size_t kTokenIndexBytes = kTokens * 2;
constexpr std::uint32_t kMarkerEvery = 256;  // kernel/kallsyms.c: markers[i >> 8]
// Bounds for the symbol count: a kernel has thousands; fewer than this is not worth a search,
// more than KSYM-sized tables could hold in 256 MB is not a count.
constexpr std::uint32_t kMinSyms = 2, kMaxSyms = 1u << 22;

std::size_t align4(std::size_t x) {
  return (x + 3) & ~std::size_t{3};
}

class Bytes {
 public:
  explicit Bytes(std::span<const std::uint8_t> b) : b_(b) {}
  std::size_t size() const { return b_.size(); }
  std::uint8_t u8(std::size_t at) const { return b_[at]; }
  std::uint16_t u16(std::size_t at) const {
    return static_cast<std::uint16_t>(b_[at] | (b_[at + 1] << 8));
  }
  std::uint32_t u32(std::size_t at) const {
    return static_cast<std::uint32_t>(b_[at]) | static_cast<std::uint32_t>(b_[at + 1]) << 8 |
           static_cast<std::uint32_t>(b_[at + 2]) << 16 |
           static_cast<std::uint32_t>(b_[at + 3]) << 24;
  }

 private:
  std::span<const std::uint8_t> b_;
};

struct Tokens {
  std::size_t table = 0, index = 0;  // file offsets of kallsyms_token_table and _token_index
  std::array<std::string_view, kTokens> text;
};

// The token table whose index is at `at`, or nullopt when the 256 u16 there do not index a
// NUL-separated string table that ends (4-aligned) exactly at `at` (question 1).
std::optional<Tokens> tokens_at(const Bytes& b, std::span<const std::uint8_t> raw, std::size_t at) {
  if (at + kTokenIndexBytes > b.size() || b.u16(at) != 0) return std::nullopt;
  std::array<std::uint16_t, kTokens> idx{};
  for (std::size_t i = 0; i < kTokens; ++i) {
    idx[i] = b.u16(at + 2 * i);
    if (i > 0 && idx[i] < idx[i - 1] + 2) return std::nullopt;  // a char and a NUL at least
  }
  // The last string ends with a NUL just before `at`, then up to 3 bytes of alignment padding.
  for (std::size_t pad = 0; pad < 4; ++pad) {
    if (at < pad + 2 + idx[kTokens - 1]) return std::nullopt;
    const std::size_t end = at - pad;  // one past the last string's NUL
    if (b.u8(end - 1) != 0 || b.u8(end - 2) == 0) continue;
    std::size_t start = end - 2;
    while (start > 0 && b.u8(start - 1) != 0) --start;
    if (start < idx[kTokens - 1] || (start - idx[kTokens - 1]) % 4 != 0) return std::nullopt;
    Tokens t;
    t.table = start - idx[kTokens - 1];
    t.index = at;
    for (std::size_t i = 0; i < kTokens; ++i) {
      const std::size_t s = t.table + idx[i];
      const std::size_t len = (i + 1 < kTokens ? t.table + idx[i + 1] : end) - s - 1;
      if (b.u8(s + len) != 0) return std::nullopt;
      t.text[i] = std::string_view(reinterpret_cast<const char*>(raw.data() + s), len);
      if (t.text[i].find('\0') != std::string_view::npos) return std::nullopt;
    }
    return t;
  }
  return std::nullopt;
}

struct Names {
  std::size_t start = 0;  // file offset of kallsyms_names (kallsyms_num_syms is the u32 before)
  std::uint32_t count = 0;
  std::vector<NmSymbol> syms;  // addresses still 0
};

// One entry of kallsyms_names at `at` (question 3), expanded, or nullopt past `limit` or when it
// is not an nm letter followed by a printable name. Advances `at`.
std::optional<std::string> name_at(const Bytes& b, const Tokens& t, std::size_t& at,
                                   std::size_t limit) {
  if (at >= limit) return std::nullopt;
  std::size_t len = b.u8(at++);
  if (len & 0x80) {
    if (at >= limit) return std::nullopt;
    len = (len & 0x7F) | static_cast<std::size_t>(b.u8(at++)) << 7;
  }
  if (len == 0 || len > limit - at) return std::nullopt;
  std::string s;
  for (std::size_t i = 0; i < len; ++i) s += t.text[b.u8(at + i)];
  at += len;
  if (s.size() < 2 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
    return std::nullopt;
  for (char c : s)
    if (c <= ' ' || c > '~') return std::nullopt;
  return s;
}

// The names when they start at `start`: all decode before the tokens, and the markers after them
// agree (question 1). nullopt otherwise.
std::optional<Names> names_at(const Bytes& b, const Tokens& t, std::size_t start) {
  if (start < 4) return std::nullopt;
  const std::uint32_t n = b.u32(start - 4);
  if (n < kMinSyms || n > kMaxSyms) return std::nullopt;
  Names names{start, n, {}};
  std::vector<std::uint32_t> marks;
  std::size_t at = start;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (i % kMarkerEvery == 0) marks.push_back(static_cast<std::uint32_t>(at - start));
    std::optional<std::string> s = name_at(b, t, at, t.table);
    if (!s) return std::nullopt;
    names.syms.push_back(NmSymbol{0, (*s)[0], s->substr(1)});
  }
  const std::size_t markers = align4(at);
  const std::size_t markers_end = markers + 4 * marks.size();
  if (markers_end > t.table) return std::nullopt;
  for (std::size_t k = 0; k < marks.size(); ++k)
    if (b.u32(markers + 4 * k) != marks[k]) return std::nullopt;
  const std::size_t gap = t.table - markers_end;  // seqs_of_names, or nothing
  if (gap != 0 && gap != align4(std::size_t{3} * n)) return std::nullopt;
  return names;
}

// relative_base + offsets at `offsets` (question 2) when they fit and are sorted.
bool fill_addresses(const Bytes& b, std::size_t offsets, std::size_t base_at, Names& names) {
  if (offsets + 4 * std::size_t{names.count} > b.size() || base_at + 4 > b.size()) return false;
  const std::uint32_t base = b.u32(base_at);
  std::uint32_t prev = 0;
  for (std::uint32_t i = 0; i < names.count; ++i) {
    const std::uint32_t addr = base + b.u32(offsets + 4 * std::size_t{i});
    if (addr < prev) return false;
    names.syms[i].addr = prev = addr;
  }
  return true;
}

std::optional<std::vector<NmSymbol>> tables_from(const Bytes& b, const Tokens& t) {
  // Walk back from the token table: the names start 4-aligned, after their u32 count.
  for (std::size_t start = t.table & ~std::size_t{3}; start >= 4; start -= 4) {
    std::optional<Names> names = names_at(b, t, start);
    if (!names) continue;
    const std::size_t count_bytes = 4 * std::size_t{names->count};
    const bool before = start >= 8 + count_bytes &&  // to 6.3: offsets, base, count, names
                        fill_addresses(b, start - 8 - count_bytes, start - 8, *names);
    if (before ||  // 6.4+: token index, offsets, base
        fill_addresses(b, t.index + kTokenIndexBytes, t.index + kTokenIndexBytes + count_bytes,
                       *names))
      return std::move(names->syms);
    return std::nullopt;  // the names fit but no addresses do: not these tables
  }
  return std::nullopt;
}

}  // namespace

std::vector<NmSymbol> read_kallsyms(std::span<const std::uint8_t> bytes, std::string_view name) {
  const Bytes b(bytes);
  for (std::size_t at = 0; at + kTokenIndexBytes <= bytes.size(); at += 4) {
    // Cheap filter before tokens_at(): index[0] is 0 and the next offsets rise by a short token.
    if (b.u16(at) != 0 || b.u16(at + 2) < 2 || b.u16(at + 2) > 64 || b.u16(at + 4) <= b.u16(at + 2))
      continue;
    std::optional<Tokens> t = tokens_at(b, bytes, at);
    if (!t) continue;
    if (std::optional<std::vector<NmSymbol>> syms = tables_from(b, *t)) return std::move(*syms);
  }
  throw LoadError(
      fmt::format("{}: no kallsyms tables (built without CONFIG_KALLSYMS, or damaged)", name));
}

SymbolTable kallsyms_table(std::span<const std::uint8_t> bytes, std::string_view name) {
  const std::vector<NmSymbol> syms = read_kallsyms(bytes, name);
  return SymbolTable::from_nm(syms);
}

namespace {

// Where the image's loadable segments lie (System V ABI, "Program Header"): the end of their
// virtual addresses, where the kernel's symbols end, and their physical range with its offset to
// the virtual one when every segment has the same (vmlinux.lds.S: LOAD_OFFSET = __PAGE_OFFSET).
struct Span {
  std::uint64_t virtual_end = 0;
  std::uint64_t phys_lo = ~std::uint64_t{0}, phys_hi = 0;
  std::optional<std::uint32_t> delta;
};

Span load_span(std::span<const std::uint8_t> vmlinux, std::string_view name) {
  Span sp;
  ElfHandle elf = open_elf_memory(vmlinux, name);
  std::size_t n = 0;
  if (elf_getphdrnum(elf.get(), &n) != 0) return sp;
  bool same = true;
  for (std::size_t i = 0; i < n; ++i) {
    GElf_Phdr ph;
    if (gelf_getphdr(elf.get(), static_cast<int>(i), &ph) == nullptr || ph.p_type != PT_LOAD)
      continue;
    const auto delta = static_cast<std::uint32_t>(ph.p_vaddr - ph.p_paddr);
    same = same && (!sp.delta || *sp.delta == delta);
    sp.delta = delta;
    sp.virtual_end = std::max<std::uint64_t>(sp.virtual_end, ph.p_vaddr + ph.p_memsz);
    sp.phys_lo = std::min<std::uint64_t>(sp.phys_lo, ph.p_paddr);
    sp.phys_hi = std::max<std::uint64_t>(sp.phys_hi, ph.p_paddr + ph.p_memsz);
  }
  if (!same || sp.phys_hi > sp.phys_lo + (std::uint64_t{1} << 31)) sp.delta.reset();
  return sp;
}

}  // namespace

SymbolTable linux_symbols(std::span<const std::uint8_t> vmlinux, std::string_view name,
                          std::string& note) {
  note.clear();
  SymbolTable t = SymbolTable::from_elf_bytes(vmlinux, name);
  if (t.empty()) {
    try {
      t = kallsyms_table(vmlinux, name);
    } catch (const LoadError& e) {
      note = fmt::format("{}: addresses only", e.what());
    }
  }
  const Span sp = load_span(vmlinux, name);
  if (sp.virtual_end != 0) t.set_limit(sp.virtual_end);
  if (sp.delta && *sp.delta != 0 && sp.phys_hi <= sp.virtual_end)  // before paging: physical
    t.set_alias(static_cast<std::uint32_t>(sp.phys_lo), static_cast<std::uint32_t>(sp.phys_hi),
                *sp.delta);
  return t;
}

}  // namespace fs
