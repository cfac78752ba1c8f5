# scripts/mkman.sh: a page per command of `calla --help` (merge-shards included) and one per
# subcommand that a usage line points to with "(see its --help)": calla-model-import-clair3.1,
# whose NAME, SYNOPSIS and text come from `calla model import-clair3 --help`; pages render
# without groff warnings.
source "$(dirname "$0")/lib.sh"
MK=$(dirname "$0")/../../scripts/mkman.sh
bash "$MK" "$CALLA" "$TMP/man" 2>"$TMP/mk.err" || fail "mkman.sh: $(cat "$TMP/mk.err")"
cmds=$("$CALLA" --help | awk '/^Commands:/ { on = 1; next } on && NF == 0 { on = 0 } on { print $1 }')
grep -qx merge-shards <<<"$cmds" || fail "merge-shards not in calla --help"
# calla.1, the commands, and each subcommand page (model import-clair3, model create, ...)
nsub=$("$CALLA" model --help 2>&1 | grep -c '(see its --help)')
[[ $nsub -ge 2 ]] || fail "calla model --help names $nsub subcommands, want import-clair3 and create"
want=$(( $(wc -w <<<"$cmds") + 1 + nsub ))
[[ $(ls "$TMP/man" | wc -l) -eq $want ]] || fail "want $want pages: $(ls "$TMP/man" | tr '\n' ' ')"
grep -q "mkman.sh: $want pages" "$TMP/mk.err" || fail "page count message: $(cat "$TMP/mk.err")"
for c in $cmds model-import-clair3 model-create; do [[ -s $TMP/man/calla-$c.1 ]] || fail "no calla-$c.1"; done
f=$TMP/man/calla-model-import-clair3.1
head -n 1 "$f" | grep -q '^\.TH CALLA-MODEL-IMPORT-CLAIR3 1 ' || fail "import-clair3: .TH"
grep -A1 '^\.SH NAME' "$f" | grep -q '^calla\\-model\\-import\\-clair3 \\- Converts a Clair3 pileup model' || fail "import-clair3: NAME"
grep -A1 '^\.SH SYNOPSIS' "$f" | grep -q '^calla model import\\-clair3 ' || fail "import-clair3: SYNOPSIS"
# every option of its --help is on the page (troff '-' is '\-')
for o in $("$CALLA" model import-clair3 --help | grep -oE '^ +--[a-z0-9-]+' | tr -d ' '); do
    grep -qF -- "$(sed 's/-/\\-/g' <<<"$o")" "$f" || fail "import-clair3 page lacks $o"
done
if command -v groff >/dev/null 2>&1; then
    for p in "$TMP"/man/*.1; do
        groff -man -Tutf8 -ww -P-cbou "$p" >/dev/null 2>"$TMP/g.err" || fail "groff $p"
        [[ -s $TMP/g.err ]] && fail "groff warnings for $(basename "$p"): $(head -n 2 "$TMP/g.err")"
    done
fi
done_test
