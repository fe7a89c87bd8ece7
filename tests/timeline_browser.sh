#!/usr/bin/env bash
# timeline_browser.sh FORKSCOPE KERNEL WORKDIR: `trace timeline -o page.html` of init=forktest loaded
# in a real browser (Debian's chromium, headless): after the page's own script has laid the picture
# out, a probe appended to a copy of the page asks the browser what it rendered - a lane per task
# with a box of non-zero size and its label drawn, a fork arrow of non-zero length per fork, every
# one of them displayed - then presses "zoom in" and checks that the window halved and the slices
# moved. The probe writes one line into the DOM, which --dump-dom returns. Exit 77 (skipped) when
# chromium is not installed (./scripts/test installs it through scripts/setup, FS_SETUP_PEER=1).
set -u
fs=$1 kernel=$2 work=$3
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "SKIP: no chromium (FS_SETUP_PEER=1 scripts/setup installs it)"
  exit 77
fi
mkdir -p "$work" && cd "$work" || exit 1
"$fs" run --quiet --cmdline init=forktest --trace forktest.fst "$kernel" > /dev/null || {
  echo "FAIL: recording init=forktest"
  exit 1
}
"$fs" trace timeline forktest.fst -o page.html || {
  echo "FAIL: trace timeline -o page.html"
  exit 1
}
lanes=$("$fs" trace stats forktest.fst --json | grep -o '"pid":' | wc -l)
forks=$("$fs" trace events forktest.fst --kind fork --json | wc -l)  # one object a fork (no header)

probe='<script>
(function () {
  var svg = document.getElementById("timeline"), out = [];
  var lanes = svg.querySelectorAll("g.lane"), shown = 0, labelled = 0;
  lanes.forEach(function (g) {
    var b = g.getBBox();
    if (b.width > 100 && b.height > 10) shown++;
    var t = g.querySelector("text.label");
    if (t && t.getComputedTextLength() > 20) labelled++;
  });
  var forks = svg.querySelectorAll("path.fork[data-t0]"), drawn = 0;
  forks.forEach(function (p) {
    var r = p.getBoundingClientRect();
    if (p.getTotalLength() > 5 && r.height > 5 && getComputedStyle(p).display !== "none") drawn++;
  });
  out.push("lanes=" + lanes.length, "lanes_shown=" + shown, "lanes_labelled=" + labelled,
           "forks=" + forks.length, "forks_drawn=" + drawn);
  var w0 = document.getElementById("window").textContent;
  var run = svg.querySelector("rect.run[data-t0]"), x0 = run.getAttribute("width");
  document.getElementById("zoom-in").click();
  var w1 = document.getElementById("window").textContent;
  out.push("zoomed=" + (w0 !== w1 && run.getAttribute("width") !== x0 ? "yes" : "no"));
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = out.join(" ");
  document.body.appendChild(pre);
})();
</script>'
{ sed '/<\/body>/,$d' page.html; printf '%s\n</body>\n</html>\n' "$probe"; } > probe.html
dom=$(timeout 120 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$work/profile" \
  --dump-dom "file://$work/probe.html" 2> chromium.log)
result=$(grep -o '<pre id="probe">[^<]*' <<<"$dom" | sed 's/.*>//')
want="lanes=$lanes lanes_shown=$lanes lanes_labelled=$lanes forks=$forks forks_drawn=$forks zoomed=yes"
echo "rendered: $result"
if [ "$result" != "$want" ]; then
  echo "FAIL: want $want"
  tail -5 chromium.log
  exit 1
fi
[ "$lanes" -ge 17 ] && [ "$forks" -ge 16 ] || {
  echo "FAIL: expected 17 tasks and 16 forks in init=forktest, the trace has $lanes and $forks"
  exit 1
}
exit 0
