#!/bin/bash
# The wrong models of suite/tests/mutants.tsv: each one is built with one
# rule of the model broken (make tests builds $BUILD/ovlconform-<name>), and
# runs here on tmpfs and ext4 over the cases its line names. On each
# filesystem at least one case must FAIL, and every case that FAILs must
# show in its KTAP output why: a "- model" / "+ mount" line of a tree
# difference, an errno check's "expected E1, got E2", or a link count's
# "N (model), mount says M".
#   scripts/mutants.sh            run them all; also fail when README.md's table differs
#   scripts/mutants.sh --update   run them all and write the table into README.md
#   scripts/mutants.sh NAME...    run only these (the README is not compared)
# Needs root (mounts, loop devices). Scratch and results go to a fresh dir
# under /var/tmp, never the runner's default scratch dir.
# Output: one "ok N - ..." / "not ok N - ..." line per mutant and filesystem
# (and one for the README table), the time taken, then
# "mutants: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.." || exit 1
. scripts/readme-table.sh

BUILD=${BUILD:-build}
table=suite/tests/mutants.tsv
readme=README.md
begin='<!-- mutants: made by scripts/mutants.sh --update -->'
end='<!-- mutants: end -->'
filesystems=(tmpfs ext4)

update=false
only=()
for a in "$@"; do
	case $a in
	--update) update=true ;;
	-*) echo "usage: scripts/mutants.sh [--update] [NAME...]" >&2; exit 3 ;;
	*) only+=("$a") ;;
	esac
done

pass=0 fail=0 skip=0 n=0
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
skipped() { n=$((n + 1)); skip=$((skip + 1)); echo "ok $n - $1 # SKIP $2"; }

# The table's lines: name, source, define, selection, rule (comments start with #).
mapfile -t rows < <(grep -v '^#' "$table" | grep -v '^[[:space:]]*$')
for o in "${only[@]}"; do
	printf '%s\n' "${rows[@]}" | cut -f1 | grep -qxF -- "$o" || { echo "mutants: no wrong model '$o' in $table" >&2; exit 3; }
done

start=$(date +%s)
work=
finish() {
	if [ -n "$work" ]; then
		"$BUILD/ovlconform" cleanup --scratch "$work/scratch" >/dev/null 2>&1
		rm -rf "$work"
	fi
	echo "# mutants: took $(($(date +%s) - start)) s"
	echo "mutants: $pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
}
# the status the script exits with stays, unless finish found a failure
on_exit() { local st=$? r; finish; r=$?; [ "$r" -eq 0 ] && r=$st; exit "$r"; }
trap on_exit EXIT
trap 'exit 4' INT TERM

if [ "${#rows[@]}" -eq 0 ]; then
	not_ok "$table lists wrong models" "it lists none"
	exit 1
fi
selected() { [ "${#only[@]}" -eq 0 ] && return 0; local o; for o in "${only[@]}"; do [ "$o" = "$1" ] && return 0; done; return 1; }

if [ "$(id -u)" != 0 ]; then
	for row in "${rows[@]}"; do
		IFS=$'\t' read -r name _ <<<"$row"
		selected "$name" || continue
		for fs in "${filesystems[@]}"; do skipped "$name on $fs" "needs root (mounts, loop devices)"; done
	done
	exit 0
fi
work=$(mktemp -d /var/tmp/ovlconform-mutants.XXXXXX) && chmod 711 "$work" || exit 1 # 711: 0605's user namespace passes through

# caught KTAP: one line "<fs> <case> <outcome> <readable>" per top-level result,
# outcome FAIL, PASS or OTHER (BROK, CONF, TIMEOUT, XFAIL, XPASS); readable 1
# when the case's own lines hold a difference a reader can follow.
caught() {
	awk '
	/^  / {
		if ($0 ~ /^  # [-+] / || $0 ~ /^  # expected [A-Za-z0-9]+, got / || $0 ~ /\(model\), mount says /)
			readable = 1
		next
	}
	/^(not )?ok [0-9]+ / {
		line = $0
		fail = sub(/^not ok [0-9]+ /, "", line)
		if (!fail)
			sub(/^ok [0-9]+ /, "", line)
		directive = index(line, " # ")
		name = directive ? substr(line, 1, directive - 1) : line
		fs = name; sub(/^.*:/, "", fs); sub(/:[^:]*$/, "", name)
		print fs, name, (fail && !directive) ? "FAIL" : (!fail && !directive) ? "PASS" : "OTHER", readable + 0
		readable = 0
	}' "$1"
}

declare -A found	# "<name> <fs>" -> the cases that FAIL there
for row in "${rows[@]}"; do
	IFS=$'\t' read -r name src define sel rule extra <<<"$row"
	selected "$name" || continue
	bin=$BUILD/ovlconform-$name
	problem=
	if [ -z "$rule" ] || [ -n "${extra:-}" ]; then
		problem="its line in $table needs 5 fields separated by tabs"
	elif [ ! -f "$src" ] || ! grep -q "^#if.*\\b$define\\b" "$src"; then
		problem="$src has no #ifdef $define"
	elif [ ! -x "$bin" ]; then
		problem="$bin is not built (make tests)"
	fi
	if [ -n "$problem" ]; then
		for fs in "${filesystems[@]}"; do not_ok "$name on $fs" "$problem"; done
		continue
	fi
	out=$work/$name.ktap
	# shellcheck disable=SC2086 # the selection is a list of ids and tags
	"$bin" run --no-progress --scratch "$work/scratch" --results "$work/results/$name" \
		--fs "$(IFS=,; echo "${filesystems[*]}")" $sel >"$out" 2>&1
	rc=$?
	for fs in "${filesystems[@]}"; do
		failed=$(caught "$out" | awk -v fs="$fs" '$1 == fs && $3 == "FAIL" { printf "%s%s", sep, $2; sep = " " }')
		unreadable=$(caught "$out" | awk -v fs="$fs" '$1 == fs && $3 == "FAIL" && !$4 { printf "%s%s", sep, $2; sep = " " }')
		other=$(caught "$out" | awk -v fs="$fs" '$1 == fs && $3 == "OTHER" { printf "%s%s", sep, $2; sep = " " }')
		found["$name $fs"]=$failed
		if [ "$rc" -gt 2 ]; then
			not_ok "$name on $fs: the run exited $rc" "$(tail -3 "$out")"
		elif [ -z "$failed" ]; then
			not_ok "$name on $fs: no case of '$sel' FAILs (the rule: $rule)" \
				${other:+"neither PASS nor FAIL: $other"}
		elif [ -n "$unreadable" ]; then
			not_ok "$name on $fs: $unreadable FAIL without a readable difference" \
				"(no '- '/'+ ' line, no 'expected E, got E', no '(model), mount says')"
		else
			ok "$name on $fs: $failed FAIL${other:+ ($other neither PASS nor FAIL)}"
		fi
	done
done

# The README's table: mutant | rule | cases that catch it on tmpfs | on ext4.
md_cases() { local c out=; for c in $1; do out+="${out:+, }\`$c\`"; done; echo "${out:-none}"; }
make_table() {
	echo "| mutant | rule it breaks | cases that catch it on tmpfs | on ext4 |"
	echo "|---|---|---|---|"
	for row in "${rows[@]}"; do
		IFS=$'\t' read -r name _ _ _ rule _ <<<"$row"
		echo "| \`$name\` | $rule | $(md_cases "${found["$name tmpfs"]:-}") | $(md_cases "${found["$name ext4"]:-}") |"
	done
}
if [ "${#only[@]}" -eq 0 ]; then
	if ! grep -qxF "$begin" "$readme" || ! grep -qxF "$end" "$readme"; then
		not_ok "the wrong-model table in $readme" "$readme lacks the marker lines '$begin' and '$end'"
	else
		want=$(make_table)
		current=$(awk -v b="$begin" -v e="$end" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' "$readme")
		if $update; then
			readme_table_write "$readme" "$begin" "$end" "$want"
			ok "the wrong-model table in $readme is written (${#rows[@]} wrong models)"
		elif [ "$current" = "$want" ]; then
			ok "the wrong-model table in $readme matches what the runs found"
		else
			mapfile -t d < <(diff <(printf '%s\n' "$current") <(printf '%s\n' "$want") | head -20)
			not_ok "the wrong-model table in $readme matches what the runs found (scripts/mutants.sh --update writes it)" "${d[@]}"
		fi
	fi
fi

# After a failure the KTAP of the runs stays for a look; otherwise nothing is left behind.
if [ "$fail" -gt 0 ] && ls "$work"/*.ktap >/dev/null 2>&1; then
	kept=$(mktemp -d /var/tmp/ovlconform-mutants-ktap.XXXXXX) && cp "$work"/*.ktap "$kept"/ &&
		echo "# the KTAP output of each run is kept in $kept"
fi
