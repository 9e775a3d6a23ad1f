#!/bin/bash
# make install, tried as a packager and a library user would:
#  - make install PREFIX=P puts the runner, its fixtures, the man page, the
#    three libraries, their headers and .pc files under P;
#  - the installed runner lists the cases from another directory (it finds
#    its fixtures without a checkout) and man -l shows the page;
#  - DESTDIR=D stages the same tree under D;
#  - a program built with pkg-config against the installed union-model
#    library (and one against the store library) links and runs.
# Ends with "install: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
work=$(mktemp -d /var/tmp/ovlconform-install.XXXXXX)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; shift; for l in "$@"; do echo "# $l"; done; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi; }
finish() { echo "install: $pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; }

prefix=$work/prefix
if ! out=$(make --no-print-directory BUILD="$BUILD" PREFIX="$prefix" install 2>&1); then
	not_ok "make install PREFIX=$prefix" "$(tail -5 <<<"$out")"; finish; exit 1
fi
ok "make install PREFIX=..."
for f in bin/ovlconform share/man/man1/ovlconform.1 lib/libovlmodel.a lib/libovlstore.a lib/libovlhost.a \
	include/ovlconform/ovl-model.h include/ovlconform/ovl-store.h include/ovlconform/ovl-host.h \
	include/ovlconform/ovl-common.h lib/pkgconfig/ovlmodel.pc lib/pkgconfig/ovlstore.pc lib/pkgconfig/ovlhost.pc \
	share/ovlconform/fixtures/precedence/same-name.tree share/ovlconform/Kconfig-checks/overlayfs.req; do
	check "installed: $f" test -e "$prefix/$f"
done

# The installed runner, from another directory, without the checkout.
ncases=$("$BUILD/ovlconform" list | wc -l)
out=$(cd / && env -u OVLCONFORM_FIXTURES "$prefix/bin/ovlconform" list 2>&1); rc=$?
check "the installed runner lists the $ncases cases from / (exit $rc)" \
	bash -c '[ "$1" -eq 0 ] && [ "$(wc -l <<<"$2")" -eq "$3" ]' _ "$rc" "$out" "$ncases"
out=$(cd / && "$prefix/bin/ovlconform" kconfig --config "$OLDPWD/fixtures/kconfig/builtin.config.gz" 2>&1)
check "the installed runner finds its Kconfig-checks (kconfig report names overlayfs.req)" \
	grep -q "overlayfs.req" <<<"$out"
if command -v man >/dev/null 2>&1; then
	out=$(MANWIDTH=80 man -l "$prefix/share/man/man1/ovlconform.1" 2>&1)
	check "man -l shows ovlconform(1) with every command" \
		bash -c 'for w in "ovlconform run" "ovlconform list" "ovlconform kconfig" "ovlconform store" cleanup --format; do
			grep -qF -- "$w" <<<"$1" || exit 1; done' _ "$out"
else
	skip=$((skip + 1)); echo "ok - man -l # SKIP man is not installed"
fi

# DESTDIR stages the same tree.
if make --no-print-directory BUILD="$BUILD" PREFIX="$prefix" DESTDIR="$work/stage" install >/dev/null 2>&1; then
	check "DESTDIR stages the same files as the install" \
		diff <(cd "$prefix" && find . | sort) <(cd "$work/stage$prefix" && find . | sort)
else
	not_ok "make install DESTDIR=..."
fi

# A program against the installed libraries, through pkg-config alone.
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
cat >"$work/model-user.c" <<'C'
#include <stdio.h>
#include <ovl-model.h>

int main(void)
{
	const char *lowers_text = "[A]\nfile /f data=\"from A\\n\"\n[B]\nfile /f data=\"from B\\n\"\nfile /only-b\n";
	struct ovl_fixture *f = NULL;
	struct ovl_err err = { "" };
	const struct ovl_tree *lowers[2];
	struct ovl_tree *view = NULL;
	const struct ovl_entry *e;

	if (ovl_fixture_parse(lowers_text, "user", &f, &err))
		return fprintf(stderr, "%s\n", err.msg), 1;
	lowers[0] = ovl_fixture_tree(f, "A");
	lowers[1] = ovl_fixture_tree(f, "B");
	if (ovl_model_merge(NULL, lowers, 2, &view, &err))
		return fprintf(stderr, "%s\n", err.msg), 1;
	e = ovl_tree_lookup(view, "/f");
	if (!e || !ovl_layer_is(e->layer, OVL_LAYER_LOWER(0)) || !ovl_tree_lookup(view, "/only-b"))
		return fprintf(stderr, "the model is wrong\n"), 1;
	ovl_tree_dump(view, OVL_DUMP_LAYER, stdout);
	ovl_tree_unref(view);
	ovl_fixture_free(f);
	return 0;
}
C
if cc -o "$work/model-user" "$work/model-user.c" $(pkg-config --cflags --libs ovlmodel) >"$work/cc.log" 2>&1; then
	out=$("$work/model-user" 2>&1); rc=$?
	check "a program built with pkg-config --cflags --libs ovlmodel runs (A wins /f)" \
		bash -c '[ "$1" -eq 0 ] && grep -q "^file /f .*# layer lower 0" <<<"$2"' _ "$rc" "$out"
else
	not_ok "a program links against ovlmodel through pkg-config" "$(tail -5 "$work/cc.log")"
fi
cat >"$work/store-user.c" <<'C'
#include <stdio.h>
#include <ovl-store.h>

int main(void)
{
	struct ovl_digest a, c;

	/* the ChainID of one layer is its DiffID */
	if (ovl_digest_parse("sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef", &a))
		return 1;
	if (ovl_chain_id(NULL, &a, &c))
		return 1;
	return ovl_digest_equal(&a, &c) ? 0 : 1;
}
C
if cc -o "$work/store-user" "$work/store-user.c" $(pkg-config --cflags --libs ovlstore) >"$work/cc.log" 2>&1; then
	check "a program built with pkg-config --cflags --libs ovlstore runs" "$work/store-user"
else
	not_ok "a program links against ovlstore through pkg-config" "$(tail -5 "$work/cc.log")"
fi
finish
