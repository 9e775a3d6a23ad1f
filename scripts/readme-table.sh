# scripts/readme-table.sh (sourced): the generated tables of README.md.
#
# readme_table_write FILE BEGIN END TEXT: put TEXT between the marker lines
# BEGIN and END of FILE, in place (FILE keeps its mode). Non-zero when awk
# fails; FILE is then as it was.
readme_table_write() {
	local file=$1 begin=$2 end=$3 text=$4 tmp rc
	tmp=$(mktemp "$file.XXXXXX") || return 1
	# the table through the environment: awk -v would take its backslashes as escapes
	T=$text B=$begin E=$end awk '
		$0 == ENVIRON["B"] { print; print ENVIRON["T"]; skip = 1; next }
		$0 == ENVIRON["E"] { skip = 0 }
		!skip { print }' "$file" >"$tmp"
	rc=$?
	[ "$rc" -ne 0 ] || cat "$tmp" >"$file"
	rm -f "$tmp"
	return "$rc"
}
