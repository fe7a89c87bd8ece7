// `forkscope trace timeline` (issue 15, part 2) on a recording of init=forktest: the Chrome JSON
// parses and agrees with the trace's own events and the console's fork lines; the SVG and HTML
// pictures are well-formed and hold a lane per task and an arrow per fork; the output is the same
// bytes every time; bad input is one line and status 2; a guest name that is not UTF-8 still gives
// valid JSON and XML. The facts are read from the trace with trace::Reader, not from the
// timeline's code.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "emu/cli/syscall_names.hpp"
#include "trace/trace_reader.hpp"
#include "trace/trace_writer.hpp"

namespace {

namespace tr = fs::trace;
namespace stdfs = std::filesystem;
using nlohmann::json;

const std::string kForkscope = std::string(FS_BUILD_DIR) + "/forkscope";
const std::string kKernel = std::string(FS_BUILD_DIR) + "/guest/kernel.elf";

std::string slurp(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int shell(const std::string& cmd) {
  const int st = std::system(cmd.c_str());
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

// What the trace and the console say, independently of the timeline.
struct Facts {
  std::set<std::int32_t> ran;                   // pid 0 and every switch's next
  std::set<std::pair<int, int>> forks;          // (parent, child) from Fork events
  std::set<std::pair<int, int>> console_forks;  // (parent, child) from "fork: pid C (..) parent P"
  std::map<std::int32_t, int> syscalls;         // entries per pid
  std::uint64_t mhz = 0, last_cycle = 0;
};

// init=forktest recorded once per test process, with its three pictures.
struct Recording {
  stdfs::path dir;
  Facts facts;

  Recording() {
    dir = stdfs::temp_directory_path() / ("forkscope_timeline_" + std::to_string(::getpid()));
    stdfs::create_directories(dir);
    const std::string d = dir.string();
    REQUIRE(shell(kForkscope + " run --quiet --cmdline init=forktest --trace " + d + "/ft.fst " +
                  kKernel + " > " + d + "/console.txt") == 0);
    for (const char* ext : {"json", "svg", "html"})
      REQUIRE(shell(kForkscope + " trace timeline " + d + "/ft.fst -o " + d + "/ft." + ext) == 0);
    read_facts();
  }
  ~Recording() {
    std::error_code ec;
    stdfs::remove_all(dir, ec);
  }

  void read_facts() {
    auto r = tr::Reader::open((dir / "ft.fst").string());
    facts.mhz = std::stoull(*r.header().option("cpu_mhz"));
    facts.ran.insert(0);
    std::int32_t running = 0;
    while (const tr::Step* s = r.next()) {
      if (!s->event) continue;
      const tr::Event& e = *s->event;
      facts.last_cycle = std::max(facts.last_cycle, e.cycle);
      if (const auto* sw = std::get_if<tr::Switch>(&e.data)) {
        facts.ran.insert(sw->next_pid);
        running = sw->next_pid;
      } else if (const auto* f = std::get_if<tr::Fork>(&e.data)) {
        facts.forks.insert({f->parent_pid, f->child_pid});
      } else if (std::holds_alternative<tr::SyscallEntry>(e.data)) {
        ++facts.syscalls[running];
      }
    }
    std::istringstream console(slurp(dir / "console.txt"));
    const std::regex fork_line(R"(^fork: pid (\d+) \(.*\) parent (\d+) .*)");
    std::smatch m;
    for (std::string line; std::getline(console, line);)
      if (std::regex_match(line, m, fork_line))
        facts.console_forks.insert({std::stoi(m[2]), std::stoi(m[1])});
  }

  std::string file(const char* name) const { return slurp(dir / name); }
};

const Recording& recording() {
  static Recording r;
  return r;
}

// A small well-formedness check of XML as the writer emits it (no comments, CDATA or DTD): every
// tag closed in order, attribute values quoted, '&' only in an entity, no '<' in text.
std::string xml_problem(const std::string& s) {
  std::vector<std::string> open;
  const std::regex entity(R"(^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)");
  const std::regex tag(
      R"(^<(/?)([A-Za-z][A-Za-z0-9:_-]*)((\s+[A-Za-z_:][A-Za-z0-9:_.-]*="[^"<]*")*)\s*(/?)>)");
  std::size_t i = 0;
  if (s.rfind("<?xml", 0) == 0) i = s.find("?>") + 2;
  while (i < s.size()) {
    if (s[i] == '<') {
      std::smatch m;
      const std::string rest = s.substr(i, 4096);
      if (!std::regex_search(rest, m, tag)) return "bad tag at " + std::to_string(i);
      if (m[1].length()) {
        if (open.empty() || open.back() != m[2].str())
          return "</" + m[2].str() + "> closes " + (open.empty() ? "nothing" : open.back());
        open.pop_back();
      } else if (!m[5].length()) {
        open.push_back(m[2].str());
      }
      i += static_cast<std::size_t>(m[0].length());
    } else if (s[i] == '&') {
      if (!std::regex_search(s.substr(i, 16), entity)) return "bare & at " + std::to_string(i);
      ++i;
    } else {
      if (static_cast<unsigned char>(s[i]) < 0x20 && s[i] != '\n' && s[i] != '\t')
        return "control character at " + std::to_string(i);
      ++i;
    }
  }
  return open.empty() ? "" : "<" + open.back() + "> never closed";
}

json parse_json(const std::string& text) {
  return json::parse(text);
}

}  // namespace

TEST_CASE("trace timeline: a system call the guest does not define is named by its number",
          "[timeline]") {
  // The table itself is trace/syscall_names (checked against unistd.h in its own test).
  CHECK(fs::cli::syscall_name(20) == "getpid");
  CHECK(fs::cli::syscall_name(999) == "syscall 999");
}

TEST_CASE("trace timeline: the JSON has a track per task that ran, with its system calls",
          "[timeline]") {
  const Recording& r = recording();
  const json doc = parse_json(r.file("ft.json"));
  REQUIRE(doc.contains("traceEvents"));
  std::map<std::int32_t, std::string> names;
  std::map<std::int32_t, int> syscalls;
  std::set<std::int32_t> running;
  for (const json& e : doc["traceEvents"]) {
    if (e["ph"] == "M" && e["name"] == "process_name")
      names[e["pid"].get<std::int32_t>()] = e["args"]["name"].get<std::string>();
    if (e["ph"] == "X" && e["cat"] == "syscall") ++syscalls[e["pid"].get<std::int32_t>()];
    if (e["ph"] == "X" && e["cat"] == "running") running.insert(e["pid"].get<std::int32_t>());
  }
  REQUIRE(r.facts.ran.size() == 17);  // swapper, init, and forktest's 15 processes
  for (std::int32_t pid : r.facts.ran) {
    INFO("pid " << pid);
    CHECK(names.count(pid) == 1);
    CHECK(running.count(pid) == 1);
  }
  CHECK(names.size() == r.facts.ran.size());
  CHECK(names.at(0) == "swapper (idle task)");
  CHECK(names.at(1) == "init");
  CHECK(names.at(3) == "forktest");
  CHECK(syscalls == r.facts.syscalls);
  // The calls forktest makes are named from the guest's numbers.
  std::set<std::string> called;
  for (const json& e : doc["traceEvents"])
    if (e["ph"] == "X" && e["cat"] == "syscall" && e["pid"] == 3) called.insert(e["name"]);
  for (const char* n : {"fork", "waitpid", "write", "getpid", "exit"}) {
    INFO(n);
    CHECK(called.count(n) == 1);
  }
}

TEST_CASE("trace timeline: a flow per fork, parent to child, as the console's fork lines say",
          "[timeline]") {
  const Recording& r = recording();
  const json doc = parse_json(r.file("ft.json"));
  std::map<std::uint64_t, std::int32_t> starts, finishes;
  std::map<std::uint64_t, double> start_ts, finish_ts;
  for (const json& e : doc["traceEvents"]) {
    if (e["ph"] == "s") {
      starts[e["id"]] = e["pid"];
      start_ts[e["id"]] = e["ts"];
    }
    if (e["ph"] == "f") {
      finishes[e["id"]] = e["pid"];
      finish_ts[e["id"]] = e["ts"];
      CHECK(e["bp"] == "e");
    }
  }
  std::set<std::pair<int, int>> flows;
  for (const auto& [id, parent] : starts) {
    REQUIRE(finishes.count(id) == 1);
    CHECK(start_ts[id] < finish_ts[id]);  // the child runs after its fork
    flows.insert({parent, finishes[id]});
  }
  CHECK(finishes.size() == starts.size());
  REQUIRE(r.facts.console_forks.size() == 16);
  CHECK(flows == r.facts.console_forks);
  CHECK(flows == r.facts.forks);
  // pid 1's chain: swapper forks init, init forks the program, which forks its tree.
  for (std::pair<int, int> link : {std::pair{0, 1}, std::pair{1, 2}, std::pair{2, 3}}) {
    INFO(link.first << " -> " << link.second);
    CHECK(flows.count(link) == 1);
  }
}

TEST_CASE("trace timeline: slices are in time order, inside the run, and cover it once",
          "[timeline]") {
  const Recording& r = recording();
  const json doc = parse_json(r.file("ft.json"));
  const double end_us = static_cast<double>(r.facts.last_cycle) / static_cast<double>(r.facts.mhz);
  CHECK(doc["otherData"]["cpu_mhz"] == r.facts.mhz);
  std::map<std::int32_t, double> last_end;
  double covered = 0;
  int slices = 0;
  for (const json& e : doc["traceEvents"]) {
    if (e["ph"] == "M") continue;
    const double ts = e["ts"];
    CHECK(ts >= 0);
    CHECK(ts <= end_us + 1e-6);
    if (e["ph"] != "X") continue;
    const double dur = e["dur"];
    CHECK(dur >= 0);
    CHECK(ts + dur <= end_us + 1e-6);
    if (e["cat"] != "running") continue;
    const std::int32_t pid = e["pid"];
    if (last_end.count(pid)) CHECK(ts >= last_end[pid] - 1e-6);  // monotone, no overlap
    last_end[pid] = ts + dur;
    covered += dur;
    ++slices;
  }
  CHECK(slices == 33);  // 32 switches
  // Perfetto nests X slices per thread: on each (pid, tid) any two are disjoint or one holds the
  // other (the idle task's HLT waits inside its running slices; a task's calls one after another).
  std::map<std::pair<std::int64_t, std::int64_t>,
           std::vector<std::pair<std::uint64_t, std::uint64_t>>>
      spans;
  for (const json& e : doc["traceEvents"])
    if (e["ph"] == "X")
      spans[{e["pid"], e["tid"]}].push_back({e["args"]["begin_cycle"], e["args"]["end_cycle"]});
  for (auto& [thread, list] : spans) {
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second > b.second;
    });
    std::vector<std::uint64_t> ends;  // the open slices' ends
    for (const auto& [b, e] : list) {
      while (!ends.empty() && ends.back() <= b) ends.pop_back();
      INFO("pid " << thread.first << " tid " << thread.second << " slice " << b << "-" << e);
      CHECK((ends.empty() || e <= ends.back()));
      ends.push_back(e);
    }
  }
  CHECK(covered == Approx(end_us).epsilon(1e-9));  // one task at a time, from start to stop
}

TEST_CASE("trace timeline: the SVG has a lane per task and an arrow per fork", "[timeline]") {
  const Recording& r = recording();
  const std::string svg = r.file("ft.svg");
  CHECK(xml_problem(svg) == "");
  CHECK(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\"") != std::string::npos);
  for (std::int32_t pid : r.facts.ran) {
    const std::string lane = "<g class=\"lane\" id=\"lane-" + std::to_string(pid) + "\"";
    INFO(lane);
    CHECK(svg.find(lane) != std::string::npos);
  }
  for (const auto& [parent, child] : r.facts.console_forks) {
    const std::string arrow = "<path class=\"fork\" id=\"fork-" + std::to_string(parent) + "-" +
                              std::to_string(child) + "\"";
    INFO(arrow);
    CHECK(svg.find(arrow) != std::string::npos);
  }
  CHECK(svg.find("class=\"axis\"") != std::string::npos);
}

TEST_CASE("trace timeline: the HTML is one self-contained page with the picture and a script",
          "[timeline]") {
  const Recording& r = recording();
  const std::string html = r.file("ft.html");
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  // Nothing fetched: no src/href attribute, no URL but the SVG namespace's name.
  CHECK(html.find(" src=") == std::string::npos);
  CHECK(html.find("href=") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);
  const std::regex url(R"(https?://)");
  std::size_t urls = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), url); it != std::sregex_iterator();
       ++it)
    ++urls;
  CHECK(urls == 2);  // xmlns="http://www.w3.org/2000/svg" and the script's createElementNS one
  const std::size_t a = html.find("<svg "), b = html.find("</svg>");
  REQUIRE(a != std::string::npos);
  REQUIRE(b != std::string::npos);
  CHECK(xml_problem(html.substr(a, b + 6 - a)) == "");
  CHECK(html.find("<script>") != std::string::npos);
  for (std::int32_t pid : r.facts.ran)
    CHECK(html.find("id=\"lane-" + std::to_string(pid) + "\"") != std::string::npos);
  CHECK(html.find("id=\"fork-2-3\"") != std::string::npos);
}

TEST_CASE("trace timeline: the same trace gives the same bytes, wherever it lies", "[timeline]") {
  const Recording& r = recording();
  const std::string d = r.dir.string();
  stdfs::create_directories(r.dir / "copy");
  stdfs::copy_file(r.dir / "ft.fst", r.dir / "copy" / "ft.fst");
  for (const char* ext : {"json", "svg", "html"}) {
    INFO(ext);
    const std::string again = d + "/copy/again." + ext;
    REQUIRE(shell(kForkscope + " trace timeline " + d + "/copy/ft.fst -o " + again) == 0);
    CHECK(slurp(again) == r.file((std::string("ft.") + ext).c_str()));
  }
}

TEST_CASE("trace timeline: an unknown extension or a bad window is one line and status 2",
          "[timeline]") {
  const Recording& r = recording();
  const std::string d = r.dir.string();
  CHECK(shell(kForkscope + " trace timeline " + d + "/ft.fst -o " + d + "/out.png 2> " + d +
              "/err.txt") == 2);
  CHECK(slurp(r.dir / "err.txt") == "forkscope: trace timeline: cannot tell the format of '" + d +
                                        "/out.png' (the extension must be .json, .svg or .html)\n");
  CHECK_FALSE(stdfs::exists(r.dir / "out.png"));
  CHECK(shell(kForkscope + " trace timeline " + d + "/ft.fst -o " + d +
              "/w.svg --from-us 900000 2> " + d + "/err2.txt") == 2);
  const std::string err2 = slurp(r.dir / "err2.txt");
  CHECK(err2.rfind("forkscope: trace timeline: the window ", 0) == 0);
  CHECK(std::count(err2.begin(), err2.end(), '\n') == 1);
  CHECK(shell(kForkscope + " trace timeline " + d + "/console.txt -o " + d + "/x.json 2> " + d +
              "/err3.txt") == 2);
  const std::string err3 = slurp(r.dir / "err3.txt");
  CHECK(std::count(err3.begin(), err3.end(), '\n') == 1);
}

TEST_CASE("trace timeline: a guest name that is not UTF-8 still gives valid JSON and XML",
          "[timeline]") {
  const stdfs::path dir =
      stdfs::temp_directory_path() / ("forkscope_timeline_comm_" + std::to_string(::getpid()));
  stdfs::create_directories(dir);
  const std::string fst = (dir / "comm.fst").string();
  {
    tr::Header h;
    h.image_name = "crafted.elf";  // no image: the reader goes on without symbols
    h.options = {{"cpu_mhz", "10"}};
    tr::Writer w(fst, h);
    const std::string comm("\xff\xfe\x01<a&b>\"", 9);
    for (std::uint64_t i = 0; i < 4; ++i) {
      if (i == 1) w.event({1, 10, tr::Switch{0, 5, 0x1000, 0x2000}});
      if (i == 2) w.event({2, 20, tr::UserSpace{5, 0x2000, 0x3000, comm}});
      w.instruction(i * 10, 0x1000 + static_cast<std::uint32_t>(i), 1, {});
    }
    w.event({4, 40, tr::Stop{0, 0, ""}});
    w.finish();
  }
  const std::string d = dir.string();
  REQUIRE(shell(kForkscope + " trace timeline " + fst + " -o " + d + "/comm.json") == 0);
  REQUIRE(shell(kForkscope + " trace timeline " + fst + " -o " + d + "/comm.svg") == 0);
  const json doc = parse_json(slurp(dir / "comm.json"));  // throws on invalid UTF-8
  std::string name;
  for (const json& e : doc["traceEvents"])
    if (e["ph"] == "M" && e["name"] == "process_name" && e["pid"] == 5) name = e["args"]["name"];
  CHECK(name == "\\xff\\xfe\\x01<a&b>\"");
  std::string detail;
  for (const json& e : doc["traceEvents"])
    if (e["ph"] == "i" && e["cat"] == "user_space") detail = e["args"]["detail"];
  CHECK(detail.find("pid 5 runs \\xff\\xfe\\x01<a&b>\" in ring 3") != std::string::npos);
  const std::string svg = slurp(dir / "comm.svg");
  CHECK(xml_problem(svg) == "");
  CHECK(svg.find("pid 5 \\xff\\xfe\\x01&lt;a&amp;b&gt;&quot;") != std::string::npos);
  std::error_code ec;
  stdfs::remove_all(dir, ec);
}
