#!/usr/bin/env bash
# calla tensors --features clair3-fa on a hand-written SAM: every channel of every row at one
# candidate written out by hand below (clair3.md §2.2), row order (HP then start), centring,
# --no-phasing, subsampling (deterministic, for -@ 1 and -@ 2, sorted rows), the read count
# against samtools, a corrupt header, and labels/candidates equal to the pileup kind's.
source "$(dirname "$0")/lib.sh"
need samtools

# chr1, 200 bp. The window of the candidate at 100 is 84..116 (columns 0..32, centre 16):
#   GTTTCCTGCCCAGGCCAACAGCAGGACTTGGTC  (position 100 = column 16 = A)
REF=TGGCTAGTGTCACTGCGCACAGTAAACATTATCGCACATTTTTAACGGGTGAGCGGGCATTAACTATCACCAGATGTGATGCGGTTTCCTGCCCAGGCCAACAGCAGGACTTGGTCTGAGGTCGGAAACGTCCCTTAGATTATCGGTCACAAATCTAGCGGTACTCATGGAGCAGGCTGCACTTTCAGTCGACAGGGCTG
printf '>chr1\n%s\n' "$REF" > "$TMP/ref.fa"
samtools faidx "$TMP/ref.fa" || fail "faidx"
# Reads (POS 1-based). Eligible: flag & 2316 == 0, MAPQ >= 5, first record of a name.
#  rG  70  20M fwd           columns 0-5 (ends before the centre)
#  rA  84  33M fwd MQ 70     G at 100 (SNP); qualities cycle Q10 Q20 Q30 Q40 Q33 Q50
#  rB  88  6M3I20M rev MQ 30 insertion GTA after 93 (column 9); HP 2
#  rD  90  8M2D20M rev       deletion of 98-99 after 97 (column 13); HP 1
#  rF  92  9M2I5M rev        insertion TT after 100 (the centre); Q20
#  rE  95  6M1D10M fwd       deletion of 101 after 100 (the centre)
#  rC 100  16M4I10M fwd      G at 100; insertion ACGT after 115 (column 31: only 2 bases fit); HP 1
#  rK 110  10M flag 1024     duplicate flag: kept (Clair3's C path does not filter it)
# Not eligible: rH supplementary, rI MAPQ 4, a second rA (same name), rL mate unmapped (flag 9).
{
    printf '@HD\tVN:1.6\tSO:coordinate\n@SQ\tSN:chr1\tLN:200\n'
    printf 'rG\t0\tchr1\t70\t60\t20M\t*\t0\t0\tCCAGATGTGATGCGGTTTCC\tIIIIIIIIIIIIIIIIIIII\n'
    printf 'rA\t0\tchr1\t84\t70\t33M\t*\t0\t0\tGTTTCCTGCCCAGGCCGACAGCAGGACTTGGTC\t+5?IBS+5?IBS+5?IBS+5?IBS+5?IBS+5?\n'
    printf 'rB\t16\tchr1\t88\t30\t6M3I20M\t*\t0\t0\tCCTGCCGTACAGGCCAACAGCAGGACTTG\tIIIIIIIIIIIIIIIIIIIIIIIIIIIII\tHP:i:2\n'
    printf 'rD\t16\tchr1\t90\t60\t8M2D20M\t*\t0\t0\tTGCCCAGGAACAGCAGGACTTGGTCTGA\tIIIIIIIIIIIIIIIIIIIIIIIIIIII\tHP:i:1\n'
    printf 'rF\t16\tchr1\t92\t60\t9M2I5M\t*\t0\t0\tCCCAGGCCATTACAGC\t5555555555555555\n'
    printf 'rE\t0\tchr1\t95\t60\t6M1D10M\t*\t0\t0\tAGGCCACAGCAGGACT\tIIIIIIIIIIIIIIII\n'
    printf 'rH\t2048\tchr1\t96\t60\t10M\t*\t0\t0\tGGCCAACAGC\tIIIIIIIIII\n'
    printf 'rA\t0\tchr1\t96\t60\t10M\t*\t0\t0\tGGCCAACAGC\tIIIIIIIIII\n'
    printf 'rI\t0\tchr1\t97\t4\t10M\t*\t0\t0\tGCCAACAGCA\tIIIIIIIIII\n'
    printf 'rL\t9\tchr1\t98\t60\t10M\t*\t0\t0\tCCAACAGCAG\tIIIIIIIIII\n'
    printf 'rC\t0\tchr1\t100\t60\t16M4I10M\t*\t0\t0\tGACAGCAGGACTTGGTACGTCTGAGGTCGG\tIIIIIIIIIIIIIIIIIIIIIIIIIIIIII\tHP:i:1\n'
    printf 'rK\t1024\tchr1\t110\t60\t10M\t*\t0\t0\tCTTGGTCTGA\tIIIIIIIIII\n'
} > "$TMP/in.sam"
samtools sort -o "$TMP/in.bam" "$TMP/in.sam" 2>/dev/null && samtools index "$TMP/in.bam" || fail "samtools"

fa() { "$CALLA" tensors -b "$TMP/in.bam" -f "$TMP/ref.fa" --platform ilmn --features clair3-fa "$@"; }
fa -r chr1:100-100 --fa-rows 12 -o "$TMP/fa.ctf" 2>"$TMP/log" || fail "clair3-fa run: $(cat "$TMP/log")"
[[ $("$CALLA" view -c 0 "$TMP/fa.ctf" | grep -c '^#') == 1 ]] || fail "one record at chr1:100"
"$CALLA" view -c 0 "$TMP/fa.ctf" | head -1 | grep -q $'^# chr1\t100\tA\t.$' || fail "record head"

# Expected cells, by hand: ROW:COL=VALUE or ROW:FIRST-LAST=VALUE; every other cell is 0.
# 12 rows, 8 reads: 2 padding rows above (floor(4/2)), 2 below. Rows by (HP unknown, 1, 2) then
# start: 2 rG, 3 rA, 4 rF, 5 rE, 6 rK | 7 rD, 8 rC | 9 rB.
# Cells where the read has a base (deleted bases 98-99 of rD, 101 of rE are all zero):
span="2:0-5 3:0-32 4:8-21 5:11-16 5:18-27 6:26-32 7:6-13 7:16-32 8:16-32 9:4-29"
# channel 1: SNP G (75) at the centre for rA and rC; -50 insertion anchors (rF centre, rC col 31,
# rB col 9); -100 deletion anchors (rE centre, rD col 13)
ch1="3:16=75 4:16=-50 5:16=-100 7:13=-100 8:16=75 8:31=-50 9:9=-50"
# channel 2: strand, forward 100, reverse 50
ch2="2:0-5=100 3:0-32=100 4:8-21=50 5:11-16=100 5:18-27=100 6:26-32=100 7:6-13=50 7:16-32=50 8:16-32=100 9:4-29=50"
# channel 3: MQ 60 -> 100, 70 -> 100 (capped), 30 -> 50
ch3="2:0-5=100 3:0-32=100 4:8-21=100 5:11-16=100 5:18-27=100 6:26-32=100 7:6-13=100 7:16-32=100 8:16-32=100 9:4-29=50"
# channel 4: BQ int(100 min(Q,40)/40): Q40 100; rA Q10 25, Q20 50, Q30 75, Q40 100, Q33 82, Q50 100;
# rF Q20 50
ch4="2:0-5=100 3:0=25 3:1=50 3:2=75 3:3=100 3:4=82 3:5=100 3:6=25 3:7=50 3:8=75 3:9=100 3:10=82 3:11=100 3:12=25 3:13=50 3:14=75 3:15=100 3:16=82 3:17=100 3:18=25 3:19=50 3:20=75 3:21=100 3:22=82 3:23=100 3:24=25 3:25=50 3:26=75 3:27=100 3:28=82 3:29=100 3:30=25 3:31=50 3:32=75 4:8-21=50 5:11-16=100 5:18-27=100 6:26-32=100 7:6-13=100 7:16-32=100 8:16-32=100 9:4-29=100"
# channel 5: centre depth 6 (rA rB rC rD rE rF; rE's deleted 101 is not the centre): G 2/6 -> 33,
# deletion of 1 bp 1/6 -> 16, insertion TT 1/6 -> 16; reference reads 0
ch5="3:0-32=33 4:8-21=16 5:11-16=16 5:18-27=16 8:16-32=33"
# channel 6: inserted bases from the anchor column on: TT (50 50), ACGT cut at column 32 (100 25),
# GTA (75 50 100)
ch6="4:16-17=50 8:31=100 8:32=25 9:9=75 9:10=50 9:11=100"
# channel 7: HP unknown 60, HP1 30, HP2 90
ch7="2:0-5=60 3:0-32=60 4:8-21=60 5:11-16=60 5:18-27=60 6:26-32=60 7:6-13=30 7:16-32=30 8:16-32=30 9:4-29=90"

# expand ROWS SPEC: the rows x 33 matrix as `calla view -c` prints it ("%3d " row, "%5d" cells).
# A SPEC entry without "=VALUE" is a span whose cells take the reference code at that column.
expand() {
    awk -v rows="$1" -v spec="$2" -v ref="${REF:83:33}" 'BEGIN {
        code["A"] = 100; code["C"] = 25; code["G"] = 75; code["T"] = 50
        n = split(spec, e, " ")
        for (i = 1; i <= n; i++) {
            split(e[i], a, "[:=]"); split(a[2], b, "-"); if (b[2] == "") b[2] = b[1]
            for (c = b[1]; c <= b[2]; c++) v[a[1], c] = (e[i] ~ /=/) ? a[3] : code[substr(ref, c + 1, 1)]
        }
        for (r = 0; r < rows; r++) {
            printf "%3d ", r
            for (c = 0; c < 33; c++) printf "%5d", ((r, c) in v) ? v[r, c] : 0
            printf "\n"
        }
    }'
}
for ch in 0 1 2 3 4 5 6 7; do
    if [[ $ch == 0 ]]; then want=$span; else want=ch$ch; want=${!want}; fi
    "$CALLA" view -c $ch "$TMP/fa.ctf" | tail -n +2 > "$TMP/got.$ch"
    expand 12 "$want" > "$TMP/want.$ch"
    cmp -s "$TMP/got.$ch" "$TMP/want.$ch" ||
        fail "channel $ch differs: $(diff "$TMP/got.$ch" "$TMP/want.$ch" | head -5)"
done

# Rows with a read against samtools: reads overlapping the window with flag & 2316 == 0 and
# MAPQ >= 5, one per name.
n_sam=$(samtools view -F 2316 -q 5 "$TMP/in.bam" chr1:84-116 | cut -f1 | sort -u | wc -l)
n_rows=$("$CALLA" view -c 2 "$TMP/fa.ctf" | tail -n +2 | awk '{ for (i = 2; i <= NF; i++) if ($i != 0) { n++; break } } END { print n + 0 }')
[[ $n_sam == 8 && $n_rows == 8 ]] || fail "rows with a read: $n_rows, samtools: $n_sam (want 8)"

# Centring with an odd padding: 11 rows -> 1 empty row above, 2 below.
fa -r chr1:100-100 --fa-rows 11 -o "$TMP/fa11.ctf" 2>/dev/null || fail "--fa-rows 11"
"$CALLA" view -c 2 "$TMP/fa11.ctf" | tail -n +2 | sed 's/^ *[0-9]* //' > "$TMP/r11"
"$CALLA" view -c 2 "$TMP/fa.ctf" | tail -n +2 | sed 's/^ *[0-9]* //' | sed -n 2,12p > "$TMP/r12"
cmp -s "$TMP/r11" "$TMP/r12" || fail "11 rows: not the 12-row tensor shifted up by one row"

# --no-phasing: HP 60 everywhere, rows by start only: rG rA rB rD rF rE rC rK (the phased rows
# 2 3 9 7 4 5 8 6).
fa -r chr1:100-100 --fa-rows 12 --no-phasing -o "$TMP/nop.ctf" 2>/dev/null || fail "--no-phasing"
# Channel 7 there: 60 wherever the read has a base (where its phased strand channel is non-zero).
sed 's/^ *[0-9]* //' "$TMP/got.2" | awk '{ for (i = 1; i <= NF; i++) printf "%5d", $i != 0 ? 60 : 0; printf "\n" }' > "$TMP/ph.7"
for ch in 0 1 2 3 4 5 6 7; do
    "$CALLA" view -c $ch "$TMP/nop.ctf" | tail -n +2 | sed 's/^ *[0-9]* //' > "$TMP/nop.$ch"
    [[ $ch == 7 ]] || sed 's/^ *[0-9]* //' "$TMP/got.$ch" > "$TMP/ph.$ch"
    for pr in "0 0" "1 1" "2 2" "3 3" "4 9" "5 7" "6 4" "7 5" "8 8" "9 6" "10 10" "11 11"; do
        set -- $pr
        [[ $(sed -n "$(($1 + 1))p" "$TMP/nop.$ch") == "$(sed -n "$(($2 + 1))p" "$TMP/ph.$ch")" ]] ||
            fail "--no-phasing row $1 channel $ch is not phased row $2"
    done
done

# Subsampling: 5 rows of the 8 reads. Each row is one of the 12-row tensor's rows (all 8
# channels), in the same relative order (HP, start), no padding; the same for -@ 1 and -@ 2.
sig() {  # one line per row: the row's 8 channel lines joined
    for ch in 0 1 2 3 4 5 6 7; do "$CALLA" view -c $ch "$1" | tail -n +2 | sed 's/^ *[0-9]* //' > "$TMP/sig.$ch"; done
    paste -d'|' "$TMP"/sig.{0,1,2,3,4,5,6,7}
}
sig "$TMP/fa.ctf" > "$TMP/full.sig"
fa -r chr1:100-100 --fa-rows 5 -o "$TMP/sub.ctf" 2>/dev/null || fail "--fa-rows 5"
sig "$TMP/sub.ctf" > "$TMP/sub.sig"
[[ $(wc -l < "$TMP/sub.sig") == 5 ]] || fail "5 rows"
prev=-1
while IFS= read -r line; do
    idx=$(grep -nxF -- "$line" "$TMP/full.sig" | head -1 | cut -d: -f1)
    [[ -n $idx && $idx -ge 3 && $idx -le 10 ]] || { fail "subsampled row is not a read row of the full tensor"; continue; }
    [[ $idx -gt $prev ]] || fail "subsampled rows out of (HP, start) order"
    prev=$idx
done < "$TMP/sub.sig"
fa -r chr1:100-100 --fa-rows 5 -o "$TMP/sub2.ctf" 2>/dev/null
cmp -s <("$CALLA" view "$TMP/sub.ctf") <("$CALLA" view "$TMP/sub2.ctf") || fail "subsampling is not deterministic"
for t in 1 2; do
    mkdir -p "$TMP/t$t"
    (cd "$TMP/t$t" && fa -r chr1:85-116 --fa-rows 3 --chunk-size 4 -@ $t -o sub.ctf 2>/dev/null) ||
        fail "-@ $t"
done
cmp -s "$TMP/t1/sub.ctf" "$TMP/t2/sub.ctf" || fail "subsampled tensors differ between -@ 1 and -@ 2"
[[ $("$CALLA" view "$TMP/t1/sub.ctf" | wc -l) -ge 3 ]] || fail "several candidates in chr1:85-116"

# Same candidates as the pileup kind; the header.
"$CALLA" tensors -b "$TMP/in.bam" -f "$TMP/ref.fa" --platform ilmn -r chr1:85-116 -o "$TMP/pu.ctf" 2>/dev/null
[[ "$("$CALLA" view "$TMP/pu.ctf" | cut -f1-4)" == "$("$CALLA" view "$TMP/t1/sub.ctf" | cut -f1-4)" ]] ||
    fail "clair3-fa candidates differ from clair3-pileup's"
"$CALLA" view -H "$TMP/fa.ctf" > "$TMP/h"
for kv in "feature_kind: clair3-fa" "shape: 33 x 96 (12 rows x 8 channels)" "n_labels: 4" \
          "record_bytes: 6368" "records: 1" "platform: ilmn"; do
    grep -qxF "$kv" "$TMP/h" || fail "header lacks '$kv'"
done
# The default rows per platform: ilmn 55, ont 89.
fa -r chr1:100-100 -o "$TMP/d.ctf" 2>/dev/null && grep -qxF "shape: 33 x 440 (55 rows x 8 channels)" <("$CALLA" view -H "$TMP/d.ctf") || fail "ilmn: 55 rows"
"$CALLA" tensors -b "$TMP/in.bam" -f "$TMP/ref.fa" --platform ont --features clair3-fa -r chr1:100-100 -o "$TMP/d.ctf" 2>/dev/null &&
    grep -qxF "shape: 33 x 712 (89 rows x 8 channels)" <("$CALLA" view -H "$TMP/d.ctf") || fail "ont: 89 rows"

# A corrupt header: n_chan (offset 36) 20, not rows x 8.
cp "$TMP/fa.ctf" "$TMP/fa-bad.ctf"
printf '\x14\x00\x00\x00' | dd of="$TMP/fa-bad.ctf" bs=1 seek=36 conv=notrunc 2>/dev/null
expect_fail 1 'fa-bad\.ctf.*n_chan 20 is not a positive multiple of 8' "$CALLA" view "$TMP/fa-bad.ctf"
usage_fail() {  # PATTERN cmd...: exit 2, the first stderr line (then the usage) matches PATTERN
    local pat=$1 err rc; shift
    err=$("$@" 2>&1 >/dev/null); rc=$?
    [[ $rc == 2 ]] || fail "expected exit 2, got $rc: $*"
    printf '%s\n' "$err" | head -1 | grep -Eq -- "$pat" || fail "error '$(printf '%s' "$err" | head -1)' does not match /$pat/"
}
usage_fail 'bad --fa-rows "0"' fa -r chr1:100-100 --fa-rows 0 -o "$TMP/x.ctf"
usage_fail 'need --features clair3-fa' "$CALLA" tensors -b "$TMP/in.bam" -f "$TMP/ref.fa" --platform ilmn --no-phasing -o "$TMP/x.ctf"
expect_fail 2 'applies to clair3-fa' "$CALLA" view -c 1 "$TMP/pu.ctf"
[[ ! -e $TMP/x.ctf ]] || fail "no output after a usage error"
done_test
