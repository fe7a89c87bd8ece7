#include "emu/cli/run_summary.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "emu/exit_status.hpp"
#include "emu/machine.hpp"

namespace fs::cli {

using Json = nlohmann::ordered_json;

Json run_summary_json(const Machine& m, const RunResult& r, const RunHostFigures& host) {
  const auto& st = m.stats();
  const auto& c = m.clock();
  Json by_vector = Json::object();
  std::uint64_t deliveries = 0;
  for (std::size_t v = 0; v < st.interrupts.size(); ++v) {
    if (st.interrupts[v] == 0) continue;
    by_vector[std::to_string(v)] = st.interrupts[v];
    deliveries += st.interrupts[v];
  }
  const double mips =
      host.wall_seconds > 0 ? static_cast<double>(st.instructions) / host.wall_seconds / 1e6 : 0;
  Json trace = nullptr;
  if (host.trace_file)
    trace = Json{{"file", *host.trace_file},
                 {"instructions", host.trace_instructions},
                 {"bytes", host.trace_bytes}};
  return Json{{"stop_reason", stop_reason_name(r.reason)},
              {"guest_value", r.guest_value},
              {"exit_status", r.exit_status},
              {"message", r.message},
              {"instructions", st.instructions},
              {"cycles", c.now},
              {"idle_cycles", c.idle},
              {"guest_seconds", c.seconds()},
              {"deliveries", deliveries},
              {"deliveries_by_vector", by_vector},
              {"hlts", st.hlts},
              {"tlb_flushes", m.tlb_flushes()},
              {"unclaimed_port_reads", m.bus().unclaimed_reads()},
              {"unclaimed_port_writes", m.bus().unclaimed_writes()},
              {"stop_points", st.stop_points},
              {"console_bytes", host.console_bytes},
              {"trace", trace},
              {"wall_seconds", host.wall_seconds},
              {"mips", mips}};
}

SummaryFile::SummaryFile(std::string path) : path_(std::move(path)) {
  if (path_.empty()) return;
  f_ = std::fopen(path_.c_str(), "wb");
  if (!f_) error_ = fmt::format("cannot write --summary-json {}: {}", path_, std::strerror(errno));
}

SummaryFile::~SummaryFile() {
  if (!f_) return;
  // Opened but never written: the run did not start (bad input), so there is no summary.
  std::fclose(f_);
  std::remove(path_.c_str());
}

bool SummaryFile::write(const Json& j) {
  if (!f_) return error_.empty();
  // A guest's message may hold bytes that are not UTF-8: replaced (U+FFFD), as in the trace JSON.
  const std::string text = j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
  const bool wrote = std::fwrite(text.data(), 1, text.size(), f_) == text.size();
  const int err = errno;
  const bool closed = std::fclose(f_) == 0;
  f_ = nullptr;
  if (wrote && closed) return true;
  error_ =
      fmt::format("cannot write --summary-json {}: {}", path_, std::strerror(wrote ? errno : err));
  return false;
}

}  // namespace fs::cli
