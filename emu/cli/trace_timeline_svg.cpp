// The Timeline as a picture: an SVG for slides and docs, and an HTML page holding the same SVG
// inline plus a small script (no network, nothing external) that zooms and pans it and shows each
// element's details on hover. A lane per task (<g class="lane" id="lane-PID">) with its running
// slices, system calls (a thin bar under them), HLT waits, interrupt and exception ticks by
// vector, iret ticks, ret_from_fork and a program's first run in ring 3; fork arrows
// (<path class="fork" id="fork-PARENT-CHILD">) from the parent's lane at the fork to the child's
// at its ret_from_fork; a time axis in guest microseconds. Every element's <title> says what it is,
// with cycles. Coordinates are printed with two decimals from integer cycles, so the same trace
// gives the same bytes. Elements carry their cycles (data-t, data-t0/data-t1) for the page's
// script, which lays them out again for the window it shows.
#include <fmt/format.h>

#include <algorithm>

#include "emu/cli/trace_timeline.hpp"

namespace fs::cli {

namespace {

constexpr double kWidth = 1200, kPlotX0 = 200, kPlotX1 = 1184;
constexpr double kTop = 58;                // title and legend above the lanes
constexpr double kLane = 20, kPitch = 26;  // a lane's height, and the distance between lanes
constexpr double kAxisHeight = 34;

// Fills by pid (pid 0, the idle task, grey): ten colours a reader tells apart on a slide.
constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2",
                                    "#edc948", "#e15759", "#9c755f", "#ff9da7", "#86bcb6"};

std::string esc(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double v) {
  return fmt::format("{:.2f}", v);
}

const char* fill_of(std::int32_t pid) {
  if (pid <= 0) return "#9e9e9e";
  return kPalette[static_cast<std::size_t>(pid) % std::size(kPalette)];
}

class Picture {
 public:
  // Draws what lies in [draw.from, draw.to] laid out for the view [view.from, view.to] (the SVG:
  // both the window; the HTML page: the whole run, shown through the window).
  Picture(const Timeline& t, const PictureWindow& draw, const PictureWindow& view)
      : t_(t), draw_(draw), view_(view) {
    int i = 0;
    for (const auto& [pid, task] : t.tasks) lane_[pid] = i++;
    height_ = kTop + i * kPitch + kAxisHeight;
  }

  std::string svg() {
    std::string s = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"timeline\" width=\"{}\" height=\"{}\" "
        "viewBox=\"0 0 {} {}\" data-from=\"{}\" data-to=\"{}\" data-run-from=\"{}\" "
        "data-run-to=\"{}\" data-x0=\"{}\" data-x1=\"{}\" data-mhz=\"{}\">\n",
        kWidth, num(height_), kWidth, num(height_), view_.from, view_.to, t_.first_cycle,
        t_.last_cycle, kPlotX0, kPlotX1, t_.cpu_mhz);
    s += defs();
    s += fmt::format(
        "<text class=\"heading\" x=\"8\" y=\"18\">forkscope trace timeline: {} ({}{}), guest "
        "{}-{} us at {} MHz</text>\n",
        esc(t_.trace_name), esc(t_.image_name), t_.cmdline.empty() ? "" : ", " + esc(t_.cmdline),
        guest_us(t_, draw_.from), guest_us(t_, draw_.to), t_.cpu_mhz);
    s += legend();
    for (const auto& [pid, task] : t_.tasks) s += lane(task);
    s += forks();
    s += axis();
    return s + "</svg>\n";
  }

 private:
  const Timeline& t_;
  PictureWindow draw_, view_;
  std::map<std::int32_t, int> lane_;
  double height_ = 0;

  double x(std::uint64_t cycle) const {
    const double span = static_cast<double>(view_.to - view_.from);
    const double dx = static_cast<double>(cycle) - static_cast<double>(view_.from);
    return kPlotX0 + dx * (kPlotX1 - kPlotX0) / span;
  }
  double lane_y(std::int32_t pid) const { return kTop + lane_.at(pid) * kPitch; }
  bool drawn(std::uint64_t a, std::uint64_t b) const { return b >= draw_.from && a <= draw_.to; }
  static std::string hidden(bool h) { return h ? " display=\"none\"" : ""; }
  std::string label(std::int32_t pid) const { return task_label(t_.tasks.at(pid)); }
  std::string span_text(std::uint64_t a, std::uint64_t b) const {
    return fmt::format("{}-{} us (cycles {}-{}, {} cycles)", guest_us(t_, a), guest_us(t_, b), a, b,
                       b - a);
  }

  std::string defs() const {
    return "<defs>\n"
           "<marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
           "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0 L10 5 L0 10 z\" "
           "fill=\"#d81b60\"/></marker>\n"
           "<pattern id=\"hatch\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\" "
           "patternTransform=\"rotate(45)\"><rect width=\"4\" height=\"4\" fill=\"#eeeeee\"/>"
           "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"4\" stroke=\"#9e9e9e\" stroke-width=\"2\"/>"
           "</pattern>\n"
           "<style>\n"
           "text{font:11px sans-serif;fill:#222}\n"
           ".heading{font:bold 13px sans-serif}\n"
           ".lane-bg{fill:#f7f7f7}\n"
           ".idle{fill:url(#hatch)}\n"
           ".sys{fill:#37474f}\n"
           ".irq{stroke:#1565c0;stroke-width:1}\n"
           ".exc{stroke:#c62828;stroke-width:1.5}\n"
           ".iret{stroke:#2e7d32;stroke-width:1}\n"
           ".rff{fill:#ff8f00;stroke:#000;stroke-width:0.5}\n"
           ".exec{stroke:#6a1b9a;stroke-width:2}\n"
           ".fork{fill:none;stroke:#d81b60;stroke-width:1.3}\n"
           ".axis line{stroke:#555;stroke-width:1}\n"
           "</style>\n"
           "</defs>\n";
  }

  std::string legend() const {
    std::string s = "<g class=\"legend\" transform=\"translate(8,30)\">\n";
    double at = 0;
    auto item = [&](const std::string& sample, const char* text) {
      s += fmt::format("<g transform=\"translate({},0)\">{}<text x=\"16\" y=\"10\">{}</text></g>\n",
                       num(at), sample, text);
      at += 16 + 7.0 * static_cast<double>(std::string_view(text).size()) + 14;
    };
    item("<rect x=\"0\" y=\"2\" width=\"12\" height=\"9\" fill=\"#4e79a7\"/>", "running");
    item("<rect x=\"0\" y=\"5\" width=\"12\" height=\"4\" class=\"sys\"/>", "system call");
    item("<rect x=\"0\" y=\"2\" width=\"12\" height=\"9\" class=\"idle\"/>", "idle (hlt)");
    item("<line x1=\"6\" y1=\"0\" x2=\"6\" y2=\"5\" class=\"irq\"/>", "interrupt");
    item("<line x1=\"6\" y1=\"0\" x2=\"6\" y2=\"12\" class=\"exc\"/>", "exception");
    item("<line x1=\"6\" y1=\"7\" x2=\"6\" y2=\"13\" class=\"iret\"/>", "iret");
    item("<circle cx=\"6\" cy=\"6\" r=\"3\" class=\"rff\"/>", "ret_from_fork");
    item("<line x1=\"6\" y1=\"0\" x2=\"6\" y2=\"13\" class=\"exec\"/>", "program enters ring 3");
    item("<path d=\"M0 2 C6 2 6 11 12 11\" class=\"fork\" marker-end=\"url(#arrow)\"/>", "fork");
    return s + "</g>\n";
  }

  // A bar over [a, b) at height [y, y+h) of class cls (and fill, if any).
  std::string bar(std::uint64_t a, std::uint64_t b, double y, double h, const std::string& attrs,
                  const std::string& title) const {
    const double x0 = std::max(x(a), kPlotX0), x1 = std::min(x(b), kPlotX1);
    const bool out = b < view_.from || a > view_.to;
    return fmt::format(
        "<rect {} x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" data-t0=\"{}\" data-t1=\"{}\"{}>"
        "<title>{}</title></rect>\n",
        attrs, num(x0), num(y), num(std::max(x1 - x0, 0.6)), num(h), a, b, hidden(out), esc(title));
  }

  std::string tick(std::uint64_t c, double y0, double y1, const char* cls,
                   const std::string& title) const {
    const double xc = x(c);
    return fmt::format(
        "<line class=\"{}\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" "
        "data-t=\"{}\"{}><title>{}</title>"
        "</line>\n",
        cls, num(xc), num(y0), num(xc), num(y1), c, hidden(c < view_.from || c > view_.to),
        esc(title));
  }

  std::string lane(const TimelineTask& task) const {
    const double y = lane_y(task.pid);
    std::string programs;
    for (const std::string& p : task.programs) programs += (programs.empty() ? "" : ", ") + p;
    const std::string who =
        label(task.pid) + (programs.empty() ? "" : "; programs in ring 3: " + programs) +
        (task.parent >= 0 ? fmt::format("; forked by pid {}", task.parent) : "");
    std::string s = fmt::format(
        "<g class=\"lane\" id=\"lane-{}\" data-pid=\"{}\">\n"
        "<rect class=\"lane-bg\" x=\"0\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}</title>"
        "</rect>\n<text class=\"label\" x=\"8\" y=\"{}\">{}</text>\n",
        task.pid, task.pid, num(y), kWidth, num(kLane), esc(who), num(y + 14),
        esc(label(task.pid)));
    const std::string fill = fmt::format("class=\"run\" fill=\"{}\"", fill_of(task.pid));
    for (const TimelineSlice& r : t_.running)
      if (r.pid == task.pid && drawn(r.begin, r.end))
        s += bar(r.begin, r.end, y + 3, 11, fill,
                 fmt::format("{} running {}", label(r.pid), span_text(r.begin, r.end)));
    for (const TimelineSlice& r : t_.idle)
      if (r.pid == task.pid && drawn(r.begin, r.end))
        s += bar(r.begin, r.end, y + 3, 11, "class=\"idle\"",
                 fmt::format("{} idle in hlt {}", label(r.pid), span_text(r.begin, r.end)));
    for (const TimelineSyscall& c : t_.syscalls)
      if (c.span.pid == task.pid && drawn(c.span.begin, c.span.end))
        s += bar(c.span.begin, c.span.end, y + 15, 4, "class=\"sys\"",
                 fmt::format("{} system call {} (nr {}) {}, {}", label(c.span.pid), c.name, c.nr,
                             c.returned ? fmt::format("= {}", c.result) : "(no return recorded)",
                             span_text(c.span.begin, c.span.end)));
    for (const TimelineMark& m : t_.marks)
      if (m.pid == task.pid && drawn(m.cycle, m.cycle)) s += mark(m, y);
    return s + "</g>\n";
  }

  std::string mark(const TimelineMark& m, double y) const {
    const std::string title = fmt::format("{} {} at {} us (cycle {}): {}", label(m.pid), m.name,
                                          guest_us(t_, m.cycle), m.cycle, m.detail);
    switch (m.kind) {
      case TimelineMark::Kind::Irq:
        return tick(m.cycle, y, y + 3, "irq", title);
      case TimelineMark::Kind::Exception:
        return tick(m.cycle, y, y + 14, "exc", title);
      case TimelineMark::Kind::SoftwareInt:
        return "";  // int 0x80: its system call's bar says more
      case TimelineMark::Kind::Iret:
        return tick(m.cycle, y + 14, y + kLane, "iret", title);
      case TimelineMark::Kind::UserSpace:
        return tick(m.cycle, y, y + kLane, "exec", title);
      case TimelineMark::Kind::RetFromFork: {
        return fmt::format(
            "<circle class=\"rff\" cx=\"{}\" cy=\"{}\" r=\"3\" data-t=\"{}\"{}><title>{}</title>"
            "</circle>\n",
            num(x(m.cycle)), num(y + 8.5), m.cycle,
            hidden(m.cycle < view_.from || m.cycle > view_.to), esc(title));
      }
    }
    return "";
  }

  // Leaves the parent's lane and enters the child's vertically, half-way between them.
  std::string forks() const {
    std::string s = "<g class=\"forks\">\n";
    for (const TimelineFork& f : t_.forks) {
      if (!lane_.count(f.parent) || !lane_.count(f.child) || !drawn(f.at, f.child_start)) continue;
      const double y0 = lane_y(f.parent) + 8.5, y1 = lane_y(f.child) + 8.5;
      const double a = std::clamp(x(f.at), kPlotX0, kPlotX1);
      const double b = std::clamp(x(f.child_start), kPlotX0, kPlotX1);
      const double ym = (y0 + y1) / 2;
      s += fmt::format(
          "<path class=\"fork\" id=\"fork-{}-{}\" d=\"M{} {} C{} {} {} {} {} {}\" "
          "marker-end=\"url(#arrow)\" data-t0=\"{}\" data-t1=\"{}\" data-y0=\"{}\" "
          "data-y1=\"{}\"{}><title>{}</title></path>\n",
          f.parent, f.child, num(a), num(y0), num(a), num(ym), num(b), num(ym), num(b), num(y1),
          f.at, f.child_start, num(y0), num(y1),
          hidden(f.child_start < view_.from || f.at > view_.to),
          esc(fmt::format("pid {} forks pid {} at {} us (cycle {}, clone flags {:#x}); pid {} "
                          "first runs at {} us (cycle {})",
                          f.parent, f.child, guest_us(t_, f.at), f.at, f.clone_flags, f.child,
                          guest_us(t_, f.child_start), f.child_start)));
    }
    return s + "</g>\n";
  }

  // Ticks at a round step (1, 2 or 5 times a power of ten microseconds), about ten of them.
  std::string axis() const {
    const double y = height_ - kAxisHeight + 8;
    std::string s = fmt::format(
        "<g class=\"axis\" id=\"axis\" data-y=\"{}\">\n<line x1=\"{}\" y1=\"{}\" x2=\"{}\" "
        "y2=\"{}\"/>\n",
        num(y), kPlotX0, num(y), kPlotX1, num(y));
    const std::uint64_t span_us = std::max<std::uint64_t>((view_.to - view_.from) / t_.cpu_mhz, 1);
    std::uint64_t step = 1;
    for (std::uint64_t p = 1;; p *= 10) {
      if (span_us <= 10 * p) {
        step = p;
        break;
      }
      if (span_us <= 20 * p) {
        step = 2 * p;
        break;
      }
      if (span_us <= 50 * p) {
        step = 5 * p;
        break;
      }
    }
    const std::uint64_t step_cycles = step * t_.cpu_mhz;
    for (std::uint64_t c = (view_.from + step_cycles - 1) / step_cycles * step_cycles;
         c <= view_.to; c += step_cycles) {
      const std::uint64_t us = c / t_.cpu_mhz;
      const std::string text =
          step >= 1000 ? fmt::format("{} ms", guest_ms(us)) : fmt::format("{} us", us);
      s += fmt::format(
          "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text x=\"{}\" y=\"{}\" "
          "text-anchor=\"middle\">{}</text>\n",
          num(x(c)), num(y), num(x(c)), num(y + 5), num(x(c)), num(y + 18), text);
    }
    return s + "</g>\n";
  }

  static std::string guest_ms(std::uint64_t us) {
    std::string s = fmt::format("{}.{:03}", us / 1000, us % 1000);
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
  }
};

// The page's script: lays every element out again from its cycles for the window shown; the
// wheel zooms at the pointer, a drag pans, the buttons zoom at the centre or show the whole run;
// hovering an element writes its title in #details.
constexpr const char* kScript = R"JS(
(function () {
  "use strict";
  var svg = document.getElementById("timeline");
  var d = svg.dataset, x0 = +d.x0, x1 = +d.x1, mhz = +d.mhz;
  var run = [+d.runFrom, +d.runTo], view = [+d.from, +d.to];
  var NS = "http://www.w3.org/2000/svg";
  function X(c) { return x0 + (c - view[0]) * (x1 - x0) / (view[1] - view[0]); }
  function clamp(v) { return Math.min(Math.max(v, x0), x1); }
  function show(el, on) { if (on) el.removeAttribute("display"); else el.setAttribute("display", "none"); }
  function ms(us) { return (us / 1000).toFixed(3).replace(/\.?0+$/, ""); }
  function axis() {
    var g = document.getElementById("axis"), y = +g.dataset.y;
    while (g.childNodes.length > 1) g.removeChild(g.lastChild);
    var span = Math.max((view[1] - view[0]) / mhz, 1), step = 1;
    for (var p = 1; ; p *= 10) {
      if (span <= 10 * p) { step = p; break; }
      if (span <= 20 * p) { step = 2 * p; break; }
      if (span <= 50 * p) { step = 5 * p; break; }
    }
    var sc = step * mhz;
    for (var c = Math.ceil(view[0] / sc) * sc; c <= view[1]; c += sc) {
      var l = document.createElementNS(NS, "line");
      l.setAttribute("x1", X(c)); l.setAttribute("x2", X(c));
      l.setAttribute("y1", y); l.setAttribute("y2", y + 5);
      var t = document.createElementNS(NS, "text");
      t.setAttribute("x", X(c)); t.setAttribute("y", y + 18);
      t.setAttribute("text-anchor", "middle");
      t.textContent = step >= 1000 ? ms(c / mhz) + " ms" : Math.floor(c / mhz) + " us";
      g.appendChild(l); g.appendChild(t);
    }
  }
  function layout() {
    svg.querySelectorAll("rect[data-t0]").forEach(function (r) {
      var a = +r.dataset.t0, b = +r.dataset.t1, xa = clamp(X(a)), xb = clamp(X(b));
      r.setAttribute("x", xa); r.setAttribute("width", Math.max(xb - xa, 0.6));
      show(r, b >= view[0] && a <= view[1]);
    });
    svg.querySelectorAll("line[data-t]").forEach(function (l) {
      var c = +l.dataset.t;
      l.setAttribute("x1", X(c)); l.setAttribute("x2", X(c));
      show(l, c >= view[0] && c <= view[1]);
    });
    svg.querySelectorAll("circle[data-t]").forEach(function (e) {
      var c = +e.dataset.t;
      e.setAttribute("cx", X(c));
      show(e, c >= view[0] && c <= view[1]);
    });
    svg.querySelectorAll("path.fork[data-t0]").forEach(function (p) {
      var a = clamp(X(+p.dataset.t0)), b = clamp(X(+p.dataset.t1));
      var y0 = +p.dataset.y0, y1 = +p.dataset.y1, ym = (y0 + y1) / 2;
      p.setAttribute("d", "M" + a + " " + y0 + " C" + a + " " + ym + " " + b + " " + ym + " " + b + " " + y1);
      show(p, +p.dataset.t1 >= view[0] && +p.dataset.t0 <= view[1]);
    });
    axis();
    document.getElementById("window").textContent =
      (view[0] / mhz).toFixed(2) + " - " + (view[1] / mhz).toFixed(2) + " us";
  }
  function zoom(center, factor) {
    var a = center - (center - view[0]) * factor, b = center + (view[1] - center) * factor;
    if (b - a < 50) return;
    if (a < run[0]) { b += run[0] - a; a = run[0]; }
    if (b > run[1]) { a -= b - run[1]; b = run[1]; }
    view = [Math.max(a, run[0]), Math.min(b, run[1])];
    layout();
  }
  function cycleAt(ev) {
    var p = svg.createSVGPoint();
    p.x = ev.clientX; p.y = ev.clientY;
    p = p.matrixTransform(svg.getScreenCTM().inverse());
    return view[0] + (clamp(p.x) - x0) * (view[1] - view[0]) / (x1 - x0);
  }
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    zoom(cycleAt(ev), ev.deltaY < 0 ? 0.8 : 1.25);
  }, { passive: false });
  var drag = null;
  svg.addEventListener("mousedown", function (ev) { drag = { c: cycleAt(ev), view: view.slice() }; });
  window.addEventListener("mouseup", function () { drag = null; });
  svg.addEventListener("mousemove", function (ev) {
    if (!drag) return;
    var shift = drag.c - (drag.view[0] + (cycleAt(ev) - view[0]));
    var a = drag.view[0] + shift, b = drag.view[1] + shift;
    if (a < run[0]) { b += run[0] - a; a = run[0]; }
    if (b > run[1]) { a -= b - run[1]; b = run[1]; }
    view = [a, b];
    layout();
  });
  function centre() { return (view[0] + view[1]) / 2; }
  document.getElementById("zoom-in").addEventListener("click", function () { zoom(centre(), 0.5); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoom(centre(), 2); });
  document.getElementById("zoom-reset").addEventListener("click", function () { view = run.slice(); layout(); });
  svg.addEventListener("mouseover", function (ev) {
    var t = ev.target.querySelector && ev.target.querySelector("title");
    if (t) document.getElementById("details").textContent = t.textContent;
  });
  layout();
})();
)JS";

}  // namespace

std::string timeline_svg(const Timeline& t, const PictureWindow& w) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + Picture(t, w, w).svg();
}

std::string timeline_html(const Timeline& t, const PictureWindow& w) {
  const PictureWindow run{t.first_cycle, t.last_cycle};
  std::string s = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>forkscope timeline: {}</title>\n<style>\n"
      "body{{font:13px sans-serif;margin:12px}}\n"
      "#bar button{{margin-right:4px}}\n"
      "#details{{font:12px monospace;white-space:pre-wrap;min-height:2.6em;margin:6px 0}}\n"
      "svg{{user-select:none;cursor:grab}}\n"
      "</style>\n</head>\n<body>\n"
      "<div id=\"bar\"><button id=\"zoom-in\" type=\"button\">zoom in</button>"
      "<button id=\"zoom-out\" type=\"button\">zoom out</button>"
      "<button id=\"zoom-reset\" type=\"button\">whole run</button> "
      "<span id=\"window\"></span> (wheel: zoom at the pointer; drag: pan; hover: details)</div>\n"
      "<div id=\"details\">Hover over a slice, a tick or an arrow.</div>\n",
      esc(t.trace_name));
  s += Picture(t, run, w).svg();
  s += "<script>";
  s += kScript;
  s += "</script>\n</body>\n</html>\n";
  return s;
}

}  // namespace fs::cli
