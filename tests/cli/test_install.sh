#!/usr/bin/env bash
# make install / make uninstall into a temporary DESTDIR+PREFIX: the installed binary, run from
# there with no CALLA_MODELS and from outside the source tree, finds the shipped models in
# PREFIX/share/calla/models (`calla model --list`, and `calla call --platform ilmn` on the
# hand-built fixture reads); the man pages exist for every command and render (man -l or groff,
# when installed); uninstall removes every installed file.
source "$(dirname "$0")/lib.sh"
need samtools
ROOT=$CALLA_ROOT
BUILD_DIR=$(basename "$(dirname "$CALLA")")
SANV=; [[ $BUILD_DIR == *san* ]] && SANV=1
D=$TMP/dest P=/opt/calla-test
make -s -C "$ROOT" install BUILD="$BUILD_DIR" SAN="$SANV" DESTDIR="$D" PREFIX="$P" >"$TMP/make.out" 2>&1 ||
    { fail "make install: $(tail -n 3 "$TMP/make.out")"; done_test; }
I=$D$P
[[ -x $I/bin/calla ]] || fail "no $I/bin/calla"
for m in "$ROOT"/models/*.safetensors; do
    cmp -s "$m" "$I/share/calla/models/$(basename "$m")" || fail "model $(basename "$m") not installed"
done
[[ -s $I/share/calla/models/ilmn.train.jsonl ]] || fail "training log of the ilmn model not installed"
[[ -s $I/share/doc/calla/README.md ]] || fail "README not installed"

# The installed binary, from a directory outside the tree, without CALLA_MODELS.
cd "$TMP" || exit 1
unset CALLA_MODELS
list=$("$I/bin/calla" model --list 2>&1) || fail "installed calla model --list: $list"
grep -q "$I/share/calla/models" <<<"$list" || fail "model --list does not name the installed directory: $list"
cp "$ROOT/tests/fixtures/tensors_ref.fa" ref.fa && samtools faidx ref.fa || fail "faidx"
samtools sort -o reads.bam "$ROOT/tests/fixtures/tensors_reads.sam" 2>/dev/null && samtools index reads.bam ||
    fail "samtools sort/index"
"$I/bin/calla" call -b reads.bam -f ref.fa --platform ilmn -o calls.vcf.gz 2>call.err ||
    fail "installed calla call --platform ilmn: $(tail -n 2 call.err)"
[[ -s calls.vcf.gz && -s calls.vcf.gz.tbi ]] || fail "no VCF/index from the installed binary"
# the VCF header names the model file it used: the installed one
zcat calls.vcf.gz | grep '^##' | grep -q "$I/share/calla/models/ilmn.safetensors" ||
    fail "the VCF header does not name the installed ilmn model: $(zcat calls.vcf.gz | grep -i model | head -n 2)"

# Man pages: calla.1 and one per command of `calla --help`, each rendering without warnings.
cmds=$("$I/bin/calla" --help | awk '/^Commands:/ { on = 1; next } on && NF == 0 { on = 0 } on { print $1 }')
[[ $(wc -w <<<"$cmds") -ge 8 ]] || fail "commands in calla --help: $cmds"
for c in calla $(sed 's/^/calla-/' <<<"$cmds"); do
    f=$I/share/man/man1/$c.1
    [[ -s $f ]] || { fail "no man page $c.1"; continue; }
    head -n 1 "$f" | grep -q "^\.TH $(tr '[:lower:]' '[:upper:]' <<<"$c") 1 " || fail "$c.1: no .TH line"
    if command -v groff >/dev/null 2>&1; then
        out=$(groff -man -Tutf8 -ww -P-cbou "$f" 2>"$TMP/groff.err") || fail "groff $c.1"
        [[ -s $TMP/groff.err ]] && fail "groff warnings for $c.1: $(head -n 2 "$TMP/groff.err")"
    elif command -v man >/dev/null 2>&1; then
        out=$(MANWIDTH=100 man -l "$f" 2>/dev/null) || fail "man -l $c.1"
    else
        continue
    fi
    grep -q "^NAME" <<<"$out" || fail "$c.1 renders without a NAME section"
    # the page holds the command's --help text: its first option line comes through
    [[ $c == calla ]] && continue
    opt=$("$I/bin/calla" "${c#calla-}" --help | grep -m 1 -E '^ +-' | sed 's/^ *//' | cut -c1-20)
    grep -qF -- "$opt" <<<"$out" || fail "$c.1 lacks '$opt' from --help"
done

make -s -C "$ROOT" uninstall BUILD="$BUILD_DIR" SAN="$SANV" DESTDIR="$D" PREFIX="$P" >"$TMP/make.out" 2>&1 ||
    fail "make uninstall: $(tail -n 3 "$TMP/make.out")"
left=$(find "$D" -type f)
[[ -z $left ]] || fail "uninstall left files: $(head -n 3 <<<"$left")"
done_test
