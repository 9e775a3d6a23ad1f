#!/bin/sh
# Run ovlconform under lava-test-shell and report each case run with lava-test-case:
# "<case>.<fs>" pass, fail or skip (XFAIL, a known deviation, is pass, as in KTAP).
# Usage: lava-test-cases.sh TARBALL_URL FS TARGET [CASES...] (TARBALL_URL may be empty).
set -u
url=$1 fs=$2 target=$3
shift 3
bin=$(command -v ovlconform || true)
if [ -n "$url" ]; then
	mkdir -p /tmp/ovlconform-install && cd /tmp/ovlconform-install &&
		wget -q -O ovlconform.tar.gz "$url" && tar -xzf ovlconform.tar.gz || {
		lava-test-case ovlconform-install --result fail; exit 0; }
	bin=/tmp/ovlconform-install/usr/local/bin/ovlconform
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
	lava-test-case ovlconform-install --result fail
	exit 0
fi
lava-test-case ovlconform-install --result pass
"$bin" run --no-progress --results /tmp/ovlconform-results --fs "$fs" --target "$target" "$@" >/tmp/ovlconform.ktap 2>&1
cat /tmp/ovlconform.ktap
awk '/^(not )?ok [0-9]+ [0-9]+-[a-z0-9-]+:[a-z0-9]+( |$)/ {
	id = $0; sub(/^(not )?ok [0-9]+ /, "", id); sub(/ .*/, "", id); sub(/:/, ".", id)
	r = $1 == "not" ? "fail" : / # SKIP/ ? "skip" : "pass"
	print id, r
}' /tmp/ovlconform.ktap | while read -r id r; do
	lava-test-case "$id" --result "$r"
done
