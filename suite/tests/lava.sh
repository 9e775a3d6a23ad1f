#!/bin/bash
# LAVA (what KernelCI and LKFT run tests with), end to end on this machine: scripts/vm
# initramfs makes the kernel image and the guest's initramfs for a few cases, the job
# template of contrib/lava gets their file:// URLs, and Debian's lava-dispatcher runs it
# (lava-run, with contrib/lava's qemu device dictionary): the job must pass and report one
# result per case run, as the guest's KTAP says (XFAIL as pass). The test definition for
# devices with a shell is validated with LAVA's own schema code, and its reporting script
# run here against a recording lava-test-case.
# Output: ok/not ok lines, then "lava: N passed, N failed, N skipped".
set -u

BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
KERNEL=${OVL_VM_TEST_KERNEL:-6.1}
work=$(mktemp -d /var/tmp/ovlconform-lava.XXXXXX) && chmod 711 "$work"
pass=0 fail=0 skip=0 n=0
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
skipped() { n=$((n + 1)); skip=$((skip + 1)); echo "ok $n - $1 # SKIP $2"; }
finish() {
	pkill -KILL -f "$work" 2>/dev/null
	rm -rf "$work"
	echo "lava: $pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
}
trap 'finish; exit $?' EXIT
py=/usr/bin/python3

# the test definition: LAVA's schema, then its script on real output
if $py -c 'import lava_common' 2>/dev/null; then
	if $py -c 'import sys, yaml; from lava_common.schemas.test import testdef; testdef.validate(yaml.safe_load(open(sys.argv[1])))' \
		contrib/lava/ovlconform-testdef.yaml 2>"$work/testdef.err"; then
		ok "the test definition passes LAVA's schema (lava_common.schemas.test.testdef)"
	else
		bad "the test definition fails LAVA's schema" "$(tail -3 "$work/testdef.err")"
	fi
else
	skipped "the test definition against LAVA's schema" "no lava-dispatcher (Debian's lava-dispatcher)"
fi
mkdir -p "$work/bin"
printf '#!/bin/sh\necho "$*" >>%s/cases\n' "$work" >"$work/bin/lava-test-case"
chmod +x "$work/bin/lava-test-case"
ln -s "$top/$BUILD/ovlconform" "$work/bin/ovlconform"
PATH="$work/bin:$PATH" sh contrib/lava/lava-test-cases.sh "" tmpfs,ext4 kernel 0001 0613 >"$work/testdef.out" 2>&1
want=$(grep -cE '^(not )?ok [0-9]+ [0-9]{4}-' "$work/testdef.out")
got=$(grep -cE '^[0-9]{4}-[a-z0-9-]+\.[a-z0-9]+ --result (pass|fail|skip)$' "$work/cases" 2>/dev/null)
if grep -qx 'ovlconform-install --result pass' "$work/cases" 2>/dev/null && [ "$want" -gt 0 ] && [ "$want" = "$got" ] &&
   grep -qx '0001-same-name-a-wins.tmpfs --result pass' "$work/cases"; then
	ok "the test definition's script reports each of the $want case runs with lava-test-case"
else
	bad "the test definition's script: $want case runs, $got lava-test-case calls" "$(head -5 "$work/cases" 2>/dev/null)"
fi

# the job, end to end
if ! command -v lava-run >/dev/null 2>&1 || ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	skipped "a LAVA job through lava-run" "no lava-run or qemu-system-x86_64 (Debian's lava-dispatcher, qemu-system-x86)"
	exit 0
fi
if ! scripts/vm initramfs --kernel "$KERNEL" --out "$work/img" -- --fs tmpfs,ext4 0001 0101 0613 0617 >"$work/vm.out" 2>&1; then
	bad "scripts/vm initramfs made the images" "$(tail -3 "$work/vm.out")"
	exit 1
fi
ok "scripts/vm initramfs made the kernel image and the initramfs ($KERNEL)"
sed -e "s|@KERNEL_URL@|file://$work/img/bzImage|; s|@INITRD_URL@|file://$work/img/initrd|" \
	contrib/lava/ovlconform-qemu-job.yaml >"$work/job.yaml"
mkdir -p "$work/out"
(cd "$work" && timeout 1500 $py /usr/bin/lava-run --job-id 1 --output-dir out \
	--device "$top/contrib/lava/qemu-device.yaml" job.yaml >"$work/lava.log" 2>&1)
rc=$?
results=$(grep -c '"lvl": "results", "msg": {"case": "[0-9]\{4\}_' "$work/lava.log")
if [ "$rc" -eq 0 ] && grep -q '"msg": {"case": "job", "definition": "lava", "result": "pass"}' "$work/lava.log"; then
	ok "lava-run ran the job through (deploy, boot, monitor) and it passed"
else
	bad "lava-run exited $rc" "$(grep -E '"lvl": "(error|results)"' "$work/lava.log" | tail -3 | cut -c1-300)"
fi
# the KTAP the guest printed on the console (in LAVA's log), and one result per case run of it
ktap=$(grep -oE '(not )?ok [0-9]+ [0-9]{4}-[a-z0-9-]+:[a-z0-9]+[^"]*' "$work/lava.log" | sort -u | wc -l)
if [ "$ktap" -gt 0 ] && [ "$results" = "$ktap" ] &&
   grep -q '"case": "0001_same_name_a_wins_ext4", "definition": "ovlconform", "extra": {"test_case_id": "0001-same-name-a-wins.ext4"}, "level": "[0-9.]*", "result": "pass"' "$work/lava.log" &&
   grep -q '"test_case_id": "0101-copy-up-on-write.tmpfs"}, "level": "[0-9.]*", "result": "skip"' "$work/lava.log"; then
	ok "LAVA recorded one result per case run the guest's KTAP shows ($results), CONF as skip"
else
	bad "LAVA recorded $results results for $ktap case runs" "$(grep '"definition": "ovlconform"' "$work/lava.log" | head -3 | cut -c1-250)"
fi
cp "$work/lava.log" "${LAVA_LOG_KEEP:-/dev/null}" 2>/dev/null
if pgrep -f "$work/img" >/dev/null; then bad "a qemu of the job is left"; else ok "no qemu of the job is left"; fi
