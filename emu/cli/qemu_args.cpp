#include "emu/cli/qemu_args.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace fs::cli {

namespace {

// Why a table here rather than CLI11 names: CLI11 takes single-dash names of one letter only, and
// even -m and -s mean something else than a plain alias would (-m counts MiB, -s is -gdb
// tcp::1234), so every QEMU spelling is rewritten before CLI11 sees argv.
struct Rewrite {
  std::vector<std::string> words;  // forkscope's spelling
  std::string error;               // or why there is none (one line)
};
struct QemuOption {
  std::string_view name;
  bool takes_value;
  Rewrite (*rewrite)(const std::string& value);
};

Rewrite kernel(const std::string& v) {
  return {{v}, {}};
}
Rewrite append(const std::string& v) {
  return {{"--append", v}, {}};
}
Rewrite initrd(const std::string& v) {
  return {{"--initrd", v}, {}};
}
// QEMU's -m counts MiB unless a suffix says otherwise; "size=64M" is its long form.
Rewrite memory(const std::string& v) {
  std::string s = v.starts_with("size=") ? v.substr(5) : v;
  const bool plain = !s.empty() && std::all_of(s.begin(), s.end(),
                                               [](unsigned char c) { return std::isdigit(c); });
  return {{"--ram", plain ? s + "M" : s}, {}};
}
Rewrite serial(const std::string& v) {
  if (v == "stdio") return {};
  if (v.starts_with("file:")) return {{"--serial", v.substr(5)}, {}};
  if (v == "null") return {{"--serial", "/dev/null"}, {}};
  return {{},
          fmt::format("-serial {}: forkscope writes COM1 to stdout (QEMU's -serial stdio) or to "
                      "--serial FILE (-serial file:FILE)",
                      v)};
}
Rewrite gdb_default(const std::string&) {
  return {{"--gdb", "1234"}, {}};  // QEMU's -s: -gdb tcp::1234
}
Rewrite gdb_port(const std::string& v) {
  const auto colon = v.rfind(':');
  if (v.starts_with("tcp:") && colon != std::string::npos)
    return {{"--gdb", v.substr(colon + 1)}, {}};
  return {{}, fmt::format("-gdb {}: forkscope serves gdb on 127.0.0.1 only: --gdb PORT", v)};
}
Rewrite nothing(const std::string&) {
  return {};  // forkscope already behaves so: no display, no reboot
}

const QemuOption kQemuOptions[] = {
    {"-kernel", true, kernel},
    {"-append", true, append},
    {"-initrd", true, initrd},
    {"-m", true, memory},
    {"-serial", true, serial},
    {"-s", false, gdb_default},
    // QEMU's -S (wait for the debugger): forkscope's --gdb always waits at the first instruction.
    {"-S", false, nothing},
    {"-gdb", true, gdb_port},
    {"-nographic", false, nothing},
    {"-no-reboot", false, nothing},
};

const QemuOption* find_option(std::string_view arg) {
  for (const auto& o : kQemuOptions)
    if (o.name == arg) return &o;
  return nullptr;
}

// `run`'s options that take a value as the next word (all but its flags).
bool takes_value(std::string_view arg) {
  return arg.starts_with("--") && arg.find('=') == std::string_view::npos && arg != "--quiet" &&
         arg != "--per-instruction" && arg != "--help";
}

}  // namespace

std::optional<std::string> translate_qemu_args(std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "run" && !find_option(args[0]))) return std::nullopt;
  std::vector<std::string> out;
  bool gdb = false, wait = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const QemuOption* o = find_option(args[i]);
    if (!o) {
      gdb = gdb || args[i] == "--gdb" || args[i].starts_with("--gdb=");
      out.push_back(args[i]);
      // A forkscope option's value is never a QEMU option: `--cmdline -s` stays.
      if (takes_value(args[i]) && i + 1 < args.size()) out.push_back(args[++i]);
      continue;
    }
    if (o->takes_value && i + 1 == args.size())
      return fmt::format("{} needs a value (forkscope run --help)", o->name);
    const std::string value = o->takes_value ? args[++i] : std::string();
    Rewrite r = o->rewrite(value);
    if (!r.error.empty()) return r.error;
    gdb = gdb || (!r.words.empty() && r.words[0] == "--gdb");
    wait = wait || o->name == "-S";
    out.insert(out.end(), r.words.begin(), r.words.end());
  }
  if (wait && !gdb)
    return "-S without -s: forkscope waits for gdb only with --gdb PORT (QEMU's -s -S)";
  if (out.empty() || out[0] != "run") out.insert(out.begin(), "run");
  args = std::move(out);
  return std::nullopt;
}

}  // namespace fs::cli
