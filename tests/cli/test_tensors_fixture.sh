# Hand-built reads (tests/fixtures/tensors_reads.sam) -> per-strand counts and tensors whose
# expected values are worked out by hand from clair3.md §1.2/§1.4/§3.1 and clairvoyante.md §1.2.
# The .ctf header is read raw with od (layout in src/tensors/tensorfile.h), the records with
# `calla view`.
source "$(dirname "$0")/lib.sh"
need samtools
FX=$CALLA_ROOT/tests/fixtures
cp "$FX/tensors_ref.fa" "$TMP/ref.fa"
samtools faidx "$TMP/ref.fa" || fail "faidx"
# 301 deep reads on ctg2 (11-30): 251 forward reference reads, 50 reverse reads with T at 20 (ref C).
{
    cat "$FX/tensors_reads.sam"
    ref2=$(sed -n 4p "$TMP/ref.fa")
    r=${ref2:10:20}; alt=${r:0:9}T${r:10}
    for i in $(seq 1 251); do printf 'd%d\t0\tctg2\t11\t60\t20M\t*\t0\t0\t%s\t*\n' "$i" "$r"; done
    for i in $(seq 1 50); do printf 'e%d\t16\tctg2\t11\t60\t20M\t*\t0\t0\t%s\t*\n' "$i" "$alt"; done
} >"$TMP/reads.sam"
[[ ${ref2:19:1} == C ]] || fail "fixture: ctg2:20 should be C"
samtools sort -o "$TMP/reads.bam" "$TMP/reads.sam" 2>/dev/null && samtools index "$TMP/reads.bam" \
    || fail "samtools sort/index"

# ---- per-position counts: contig pos ref A C G T a c g t * # depth ----
"$CALLA" tensors --dump-counts -b "$TMP/reads.bam" -f "$TMP/ref.fa" -r ctg1 --platform ilmn \
    -o "$TMP/counts.txt" || fail "--dump-counts"
expect_line() { grep -qx "$(printf '%s' "$1" | tr ' ' '\t')" "$TMP/counts.txt" || fail "counts: expected '$1', got '$(grep -P "^ctg1\t$2\t" "$TMP/counts.txt")'"; }
expect_line "ctg1 5 A 1 0 1 0 0 0 1 0 0 0 3" 5          # SNP A>G, 2 forward + 1 reverse read
expect_line "ctg1 12 G 0 0 2 0 0 0 1 0 0 0 3" 12        # r3 ends here
expect_line "ctg1 13 T 0 0 0 1 0 0 0 1 0 0 2" 13
expect_line "ctg1 28 A 2 0 0 0 1 0 0 0 0 0 3" 28        # filtered reads and the N base not counted
expect_line "ctg1 30 C 0 3 0 0 0 1 0 0 0 0 4" 30
expect_line "ctg1 31 G 0 0 2 0 0 0 1 0 1 0 4" 31        # r6 deletion covers 31-33
expect_line "ctg1 33 A 2 0 0 0 1 0 0 0 1 0 4" 33
expect_line "ctg1 34 C 0 3 0 0 0 1 0 0 0 0 4" 34
expect_line "ctg1 43 C 0 1 0 0 0 0 0 0 0 0 1" 43        # r6 (hard clip after) ends here
expect_line "ctg1 58 C 0 0 0 1 0 0 0 1 0 0 2" 58
grep -qP "^ctg1\t21\t" "$TMP/counts.txt" || fail "soft-clipped read should cover 21"
grep -qP "^ctg1\t44\t" "$TMP/counts.txt" && fail "nothing covers 44"

decode() {  # file -> "meta platform kind n_chan n_labels n_records", then per record
            # "contig pos ref labelled f0,f1,..." (labelled 0/1; features position-major)
    local f=$1 ver hb nlo nhi rb kind npos nch dt nl nc n plat
    # the fixed header read raw (layout in src/tensors/tensorfile.h), independently of calla
    [[ $(head -c 8 "$f") == CALLATNS ]] || { echo "bad magic" >&2; return 1; }
    read -r ver hb nlo nhi rb kind npos nch dt nl nc < <(od -An -v --endian=little -tu4 -j8 -N44 "$f" | tr -s ' \n' '  ')
    n=$((nlo + nhi * 4294967296))
    [[ $ver == 1 && $npos == 33 && $dt == 1 && $((hb % 4096)) == 0 ]] ||
        { echo "header: version $ver n_pos $npos dtype $dt header_bytes $hb" >&2; return 1; }
    [[ $rb -eq $(( (12 + 4 * nl + 2 * 33 * nch + 7) / 8 * 8 )) && $(stat -c %s "$f") -eq $((hb + n * rb)) ]] ||
        { echo "record_bytes $rb / file size do not match the layout" >&2; return 1; }
    # calla view -H must agree with the raw header
    "$CALLA" view -H "$f" >"$f.hdr" || return 1
    for kv in "header_bytes: $hb" "records: $n" "record_bytes: $rb" "shape: 33 x $nch" \
              "n_labels: $nl" "contigs: $nc" "dtype: int16" "magic: CALLATNS"; do
        grep -qx "$kv" "$f.hdr" || { echo "calla view -H lacks '$kv'" >&2; return 1; }
    done
    plat=$(sed -n 's/^platform: //p' "$f.hdr"); [[ $plat == . ]] && plat=
    echo "meta $plat $kind $nch $nl $n"
    "$CALLA" view "$f" >"$f.txt" || return 1
    [[ $(wc -l <"$f.txt") -eq $n ]] || { echo "calla view: not $n lines" >&2; return 1; }
    awk -F'\t' -v nf=$((33 * nch)) -v nl="$nl" '{
        if (NF != 5 || split($5, x, ",") != nf || ($4 != "." && split($4, y, ",") != nl)) exit 1
        print $1, $2, $3, ($4 == "." ? 0 : 1), $5 }' "$f.txt" || { echo "calla view: malformed line" >&2; return 1; }
}
col() {  # record-line column channel-count -> values of that window column
    local line=$1 c=$2 nch=$3
    printf '%s\n' "$line" | awk -v c="$c" -v n="$nch" '{split($5, f, ","); s=""; for (i = 1; i <= n; i++) s = s (i > 1 ? "," : "") f[c*n+i]; print s}'
}
Z18=0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0

# ---- Clair3 pileup ----
"$CALLA" tensors -b "$TMP/reads.bam" -f "$TMP/ref.fa" --platform ilmn -o "$TMP/c3.ctf" 2>"$TMP/err" \
    || fail "calla tensors: $(cat "$TMP/err")"
decode "$TMP/c3.ctf" >"$TMP/c3.txt" || fail "decode"
[[ $(head -1 "$TMP/c3.txt") == "meta ilmn 1 18 4 4" ]] || fail "meta/count: $(head -1 "$TMP/c3.txt")"
[[ $(sed 1d "$TMP/c3.txt" | cut -d' ' -f1-4 | tr '\n' ';') == "ctg1 5 A 0;ctg1 30 C 0;ctg1 58 C 0;ctg2 20 C 0;" ]] \
    || fail "candidates: $(sed 1d "$TMP/c3.txt" | cut -d' ' -f1-4 | tr '\n' ';')"
L5=$(grep '^ctg1 5 ' "$TMP/c3.txt"); L30=$(grep '^ctg1 30 ' "$TMP/c3.txt")
L58=$(grep '^ctg1 58 ' "$TMP/c3.txt"); L20=$(grep '^ctg2 20 ' "$TMP/c3.txt")
#        A  C  G  T  I I1 D D1 *  a  c  g  t  i i1 d d1 #
chk() { [[ $(col "$1" "$2" 18) == "$3" ]] || fail "$4 column $2: got $(col "$1" "$2" 18), expected $3"; }
for c in 0 5 11; do chk "$L5" $c $Z18 "ctg1:5 (padding before the contig start)"; done
chk "$L5" 12 -1,0,0,0,0,0,0,0,0,-1,0,0,0,0,0,0,0,0 "ctg1:5"
chk "$L5" 14 0,0,-2,0,0,0,0,0,0,0,0,-1,0,0,0,0,0,0 "ctg1:5"
chk "$L5" 16 -2,0,1,0,0,0,0,0,0,-1,0,1,0,0,0,0,0,0 "ctg1:5"
chk "$L5" 32 -1,0,0,0,0,0,0,0,0,-1,0,0,0,0,0,0,0,0 "ctg1:5"
chk "$L30" 0 0,0,0,-1,0,0,0,0,0,0,0,0,-1,0,0,0,0,0 "ctg1:30"
chk "$L30" 14 -2,0,0,0,0,0,0,0,0,-1,0,0,0,0,0,0,0,0 "ctg1:30"   # pos 28, N base skipped
chk "$L30" 16 0,-3,0,0,1,1,1,1,0,0,-1,0,0,1,1,0,0,0 "ctg1:30"
chk "$L30" 17 0,0,-2,0,0,0,0,0,1,0,0,-1,0,0,0,0,0,0 "ctg1:30"
chk "$L30" 19 -2,0,0,0,0,0,0,0,1,-1,0,0,0,0,0,0,0,0 "ctg1:30"
chk "$L58" 0 0,0,0,-1,0,0,0,0,0,0,0,0,0,0,0,0,0,0 "ctg1:58"
chk "$L58" 2 $Z18 "ctg1:58"
chk "$L58" 16 0,-1,0,1,0,0,0,0,0,0,-1,0,1,0,0,0,0,0 "ctg1:58"
chk "$L58" 18 -1,0,0,0,0,0,0,0,0,-1,0,0,0,0,0,0,0,0 "ctg1:58"
for c in 19 25 32; do chk "$L58" $c $Z18 "ctg1:58 (padding after the contig end)"; done
# depth 301 > 216: everything divided by 301/144 and truncated: 251 -> 120, 50 -> 23.
chk "$L20" 16 0,-120,0,0,0,0,0,0,0,0,-23,0,23,0,0,0,0,0 "ctg2:20 (rescaled)"
chk "$L20" 15 0,0,-120,0,0,0,0,0,0,0,0,-23,0,0,0,0,0,0 "ctg2:20 (rescaled)"
chk "$L20" 6 $Z18 "ctg2:20"
# --max-depth 1000 disables the rescale: raw counts.
"$CALLA" tensors -b "$TMP/reads.bam" -f "$TMP/ref.fa" --platform ilmn -r ctg2 --max-depth 1000 \
    -o "$TMP/c3raw.ctf" 2>/dev/null || fail "--max-depth"
chk "$(decode "$TMP/c3raw.ctf" | grep '^ctg2 20 ')" 16 0,-251,0,0,0,0,0,0,0,0,-50,0,50,0,0,0,0,0 "ctg2:20 raw"
# --min-depth 5 drops the low-depth candidates; a region keeps only its own positions.
n=$("$CALLA" tensors -b "$TMP/reads.bam" -f "$TMP/ref.fa" --platform ilmn --min-depth 5 \
    -o "$TMP/md.ctf" 2>/dev/null && decode "$TMP/md.ctf" | sed 1d | cut -d' ' -f1,2 | tr '\n' ';')
[[ $n == "ctg2 20;" ]] || fail "--min-depth 5: $n"
n=$("$CALLA" tensors -b "$TMP/reads.bam" -f "$TMP/ref.fa" --platform ilmn -r ctg1:6-58 \
    -o "$TMP/rg.ctf" 2>/dev/null && decode "$TMP/rg.ctf" | sed 1d | cut -d' ' -f1,2 | tr '\n' ';')
[[ $n == "ctg1 30;ctg1 58;" ]] || fail "-r ctg1:6-58: $n"
printf 'ctg1\t5\t40\nctg1\t35\t58\n' >"$TMP/r.bed"   # 1-based 6-58, merged
n=$("$CALLA" tensors -b "$TMP/reads.bam" -f "$TMP/ref.fa" --platform ilmn -R "$TMP/r.bed" \
    -o "$TMP/bed.ctf" 2>/dev/null && decode "$TMP/bed.ctf" | sed 1d | cut -d' ' -f1,2 | tr '\n' ';')
[[ $n == "ctg1 30;ctg1 58;" ]] || fail "-R: $n"
n=$("$CALLA" tensors -b "$TMP/reads.bam" -f "$TMP/ref.fa" --platform ilmn -r ctg1:1-30 -r ctg1:20-40 \
    -o "$TMP/ov.ctf" 2>/dev/null && decode "$TMP/ov.ctf" | sed 1d | cut -d' ' -f1,2 | tr '\n' ';')
[[ $n == "ctg1 5;ctg1 30;" ]] || fail "overlapping -r: $n"
# A SNP at 20% in ONT mode passes (0.08) but a 2/4 insertion... ont indel-af 0.15 still passes;
# --indel-af 0.6 removes the indel-only candidate at 30.
n=$("$CALLA" tensors -b "$TMP/reads.bam" -f "$TMP/ref.fa" --platform ont --indel-af 0.6 -r ctg1 \
    -o "$TMP/af.ctf" 2>/dev/null && decode "$TMP/af.ctf" | sed 1d | cut -d' ' -f1,2 | tr '\n' ';')
[[ $n == "ctg1 5;ctg1 58;" ]] || fail "--indel-af 0.6: $n"

# ---- Clairvoyante: index 4*base + channel, channels 1..3 minus channel 0 ----
"$CALLA" tensors -b "$TMP/reads.bam" -f "$TMP/ref.fa" --platform ilmn --features clairvoyante -r ctg1 \
    -o "$TMP/cv.ctf" 2>/dev/null || fail "clairvoyante"
decode "$TMP/cv.ctf" >"$TMP/cv.txt" || fail "decode clairvoyante"
CV30=$(grep '^ctg1 30 ' "$TMP/cv.txt")
[[ $(head -1 "$TMP/cv.txt") == "meta ilmn 2 16 16 3" ]] || fail "clairvoyante meta: $(head -1 "$TMP/cv.txt")"
#       A: ch0..3  C: ch0..3  G: ch0..3  T: ch0..3
cvchk() { [[ $(col "$CV30" "$1" 16) == "$2" ]] || fail "clairvoyante ctg1:30 column $1: got $(col "$CV30" "$1" 16), expected $2"; }
cvchk 16 0,0,0,0,4,0,0,0,0,0,0,0,0,0,0,0       # ref C, 4 aligned C
cvchk 17 0,0,0,0,0,0,0,0,3,0,1,0,0,2,0,0       # ref G: 3 aligned, 1 deleted; inserted T x2
cvchk 18 0,0,0,0,0,0,0,0,0,0,0,0,3,2,1,0       # ref T: 3 aligned, 1 deleted; 2nd inserted T x2
done_test
