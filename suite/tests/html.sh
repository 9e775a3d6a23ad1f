#!/bin/bash
# The HTML report in a real browser (headless Chromium, Debian's chromium):
# two runs of a few cases, one with the flipped model so that cells FAIL,
# merged by `ovlconform report`; Chromium loads the page with a #fragment
# naming a failing cell, and the DOM it dumps must hold every case run of
# both runs, that cell opened with its difference, and no resource from
# outside. A screenshot of it is kept in the first run's results dir.
# Usage: html.sh [RESULTS_DIR]   Output: ok/not ok lines, then "html: N passed, N failed, N skipped".
set -u

BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
results=${1:-results}
work=$(mktemp -d /var/tmp/ovlconform-html.XXXXXX) && chmod 711 "$work"
pass=0 fail=0 skip=0 n=0
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; }
skipped() { n=$((n + 1)); skip=$((skip + 1)); echo "ok $n - $1 # SKIP $2"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
finish() {
	"$top/$BUILD/ovlconform" cleanup --scratch "$work/scratch" >/dev/null 2>&1
	rm -rf "$work"
	echo "html: $pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
}
trap 'finish; exit $?' EXIT

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
	skipped "the report in a browser" "no chromium (scripts/install-deps.sh installs Debian's)"
	exit 0
fi
sel="0001 0003 0010 0101 0111"
run() {
	"$top/$BUILD/$1" run --no-progress --scratch "$work/scratch" --results "$results" --fs tmpfs,ext4 $sel \
		>"$work/$2.ktap" 2>&1
	sed -n 's/^# results: //p' "$work/$2.ktap" | tail -1
}
good=$(run ovlconform good)
flipped=$(run ovlconform-flipped flipped)
check "two runs made their results dirs and their own index.html" \
	bash -c '[ -f "$1/index.html" ] && [ -f "$2/index.html" ]' _ "$good" "$flipped"
good=$(cd "$good" && pwd) flipped=$(cd "$flipped" && pwd)
out=$good/report.html
"$top/$BUILD/ovlconform" report "$good" "$flipped" -o "$out" >"$work/report.out" 2>&1
check "ovlconform report merges them into one page" test -s "$out"

# a failing cell: the first FAIL of the flipped run (run 2)
cell=$(python3 - "$flipped/summary.json" <<'EOF'
import json, re, sys
d = json.load(open(sys.argv[1]))
for c in d["cases"]:
    if c["outcome"] == "FAIL":
        print("c-%s-1-%s" % (re.sub(r"[^A-Za-z0-9-]", "-", c["id"]), c["fs"]))
        break
EOF
)
check "the flipped run has a failing cell ($cell)" test -n "$cell"
browse() {
	timeout 120 "$chromium" --headless=new --no-sandbox --disable-gpu --no-first-run --disable-extensions \
		--disable-background-networking --user-data-dir="$work/profile" --virtual-time-budget=3000 "$@" 2>>"$work/chromium.err"
}
browse --dump-dom "file://$out#$cell" >"$work/dom.html"
check "Chromium loads the page and dumps its DOM" test -s "$work/dom.html"
python3 - "$work/dom.html" "$good/summary.json" "$flipped/summary.json" "$cell" >"$work/dom.check" 2>&1 <<'EOF'
import json, re, sys
from html.parser import HTMLParser

dom, runs, cell = sys.argv[1], sys.argv[2:4], sys.argv[4]
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.open_details, self.stack, self.cell_text, self.external = set(), set(), [], [], []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        for k in ("src", "href"):
            if k in a and a[k] and re.match(r"^(https?:)?//", a[k]):
                self.external.append(a[k])
        self.stack.append((tag, a.get("id")))
        if tag == "details" and "open" in a and any(i == cell for _, i in self.stack):
            self.open_details.add(cell)
    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break
    def handle_data(self, data):
        if any(i == cell for _, i in self.stack):
            self.cell_text.append(data)
p = P()
p.feed(open(dom).read())
bad = 0
for i, r in enumerate(runs):
    d = json.load(open(r))
    for c in d["cases"]:
        want = "c-%s-%d-%s" % (re.sub(r"[^A-Za-z0-9-]", "-", c["id"]), i, c["fs"])
        if want not in p.ids:
            print("missing cell", want); bad += 1
        if "case-" + c["id"] not in p.ids:
            print("missing row", c["id"]); bad += 1
print("cells checked:", sum(len(json.load(open(r))["cases"]) for r in runs))
if cell not in p.open_details:
    print("the failing cell's details are not open"); bad += 1
text = "".join(p.cell_text)
if "difference" not in text and not re.search(r"^[-+] ", text, re.M):
    print("the failing cell shows no difference"); bad += 1
if p.external:
    print("external resources:", p.external); bad += 1
sys.exit(1 if bad else 0)
EOF
rc=$?
cat "$work/dom.check"
check "the DOM holds every case run of both runs, the failing cell open with its difference, nothing external" \
	test "$rc" -eq 0
browse --screenshot="$good/report.png" --window-size=1400,1000 "file://$out#$cell" >/dev/null
check "a screenshot of the opened cell is kept ($good/report.png)" \
	bash -c '[ "$(head -c 8 "$1" | od -An -tx1 | tr -d " \n")" = 89504e470d0a1a0a ] && [ "$(stat -c %s "$1")" -gt 20000 ]' _ "$good/report.png"
