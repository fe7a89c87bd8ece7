// trace_rewrite IN OUT [--zstd-level N] [--chunk N] [--drop-event KIND:K]
//               [--frame-word KIND:K:W:VALUE]
//
// Test tool for `forkscope trace diff` (tests/cli/trace_diff_cli_test.cpp): reads the trace IN
// record by record and writes the same records to OUT through fs::trace::Writer, with another zstd
// level or chunk size (the same history in other bytes), or with one event dropped, or one word of
// one event's frame (delivery, iret) or pt_regs (ret_from_fork, fork) changed (a known divergence).
// K counts the events of KIND from 0. Exit status 0, or 2 with a line on stderr.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "trace/trace_reader.hpp"
#include "trace/trace_writer.hpp"

namespace tr = fs::trace;

namespace {

struct Edit {
  tr::EventKind kind = tr::EventKind::Delivery;
  std::uint64_t nth = 0;
  bool drop = false;
  std::size_t word = 0;
  std::uint32_t value = 0;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr, "trace_rewrite: %s\n", why);
  std::exit(2);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == ':')
      out.emplace_back();
    else
      out.back() += c;
  }
  return out;
}

std::vector<std::uint32_t>* words_of(tr::Event& e) {
  if (auto* d = std::get_if<tr::Delivery>(&e.data)) return &d->frame;
  if (auto* i = std::get_if<tr::Iret>(&e.data)) return &i->frame;
  if (auto* r = std::get_if<tr::RetFromFork>(&e.data)) return &r->regs;
  if (auto* f = std::get_if<tr::Fork>(&e.data)) return &f->parent_regs;
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) usage("usage: trace_rewrite IN OUT [options]");
  tr::WriterOptions wo;
  wo.background = false;
  std::vector<Edit> edits;
  for (int i = 3; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(("no value for " + a).c_str());
    const std::string v = argv[++i];
    if (a == "--zstd-level") {
      wo.zstd_level = std::atoi(v.c_str());
    } else if (a == "--chunk") {
      wo.chunk_instructions = static_cast<std::uint32_t>(std::strtoul(v.c_str(), nullptr, 0));
    } else if (a == "--drop-event" || a == "--frame-word") {
      const auto f = split(v);
      Edit e;
      if (f.size() != (a == "--drop-event" ? 2u : 4u)) usage(("bad " + a + " " + v).c_str());
      if (!tr::event_kind_from_name(f[0], e.kind)) usage(("no event kind " + f[0]).c_str());
      e.nth = std::strtoull(f[1].c_str(), nullptr, 0);
      e.drop = a == "--drop-event";
      if (!e.drop) {
        e.word = std::strtoul(f[2].c_str(), nullptr, 0);
        e.value = static_cast<std::uint32_t>(std::strtoul(f[3].c_str(), nullptr, 0));
      }
      edits.push_back(e);
    } else {
      usage(("unknown option " + a).c_str());
    }
  }
  try {
    tr::Reader r = tr::Reader::open(argv[1]);
    tr::Writer w(argv[2], r.header(), wo);
    std::vector<std::uint64_t> seen(tr::kEventKindCount);
    while (const tr::Step* s = r.next()) {
      if (!s->event) {
        w.instruction(s->insn.cycle, s->insn.eip, s->insn.len, s->insn.changes, s->insn.mem);
        continue;
      }
      tr::Event e = *s->event;
      const std::uint64_t n = seen[static_cast<std::size_t>(e.kind())]++;
      bool drop = false;
      for (const Edit& ed : edits) {
        if (ed.kind != e.kind() || ed.nth != n) continue;
        if (ed.drop) {
          drop = true;
        } else if (auto* words = words_of(e); words && ed.word < words->size()) {
          (*words)[ed.word] = ed.value;
        } else {
          usage("--frame-word: that event has no such word");
        }
      }
      if (!drop) w.event(e);
    }
    w.finish();
  } catch (const tr::TraceError& e) {
    usage(e.what());
  }
  return 0;
}
