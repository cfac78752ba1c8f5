# Per-position, per-strand base and deletion counts of `calla tensors --dump-counts` must equal the
# counts parsed from `samtools mpileup` with the same read filters, on the real Illumina and ONT
# slices (>= 1000 positions each). -A: calla does not drop anomalous pairs; -x: no overlap tweaks.
source "$(dirname "$0")/lib.sh"
need samtools
cmp_slice() {  # dir bam ref region
    local d=$CALLA_SHARED/data/$1 bam=$2 ref=$3 reg=$4 tag=$1 n
    [[ -d $CALLA_SHARED/data/$1 ]] || { echo "no $1"; return; }
    "$CALLA" tensors --dump-counts -b "$d/$bam" -f "$d/$ref" -r "$reg" --platform ilmn \
        -o "$TMP/$tag.calla" || { fail "calla --dump-counts failed on $tag"; return; }
    samtools mpileup -A -B -x -Q 0 -q 5 --ff UNMAP,SECONDARY,QCFAIL,DUP,SUPPLEMENTARY -d 0 \
        --reverse-del -f "$d/$ref" -r "$reg" "$d/$bam" 2>/dev/null >"$TMP/$tag.mp" \
        || { fail "samtools mpileup failed on $tag"; return; }
    # Expected "contig pos A C G T a c g t * #" from the pileup string: ^X starts a read (X, the
    # mapping quality, skipped), +N/-N and N bases an indel (skipped), . and , the reference base
    # on the forward / reverse strand; other characters ($, N, n, >, <) are not counted.
    awk -F'\t' '{
        ref = toupper($3); s = $5; L = length(s)
        for (k = 1; k <= 10; k++) c[k] = 0
        for (i = 1; i <= L; ) {
            ch = substr(s, i, 1)
            if (ch == "^") { i += 2; continue }
            if (ch == "+" || ch == "-") {
                j = i + 1
                while (substr(s, j, 1) ~ /[0-9]/) j++
                i = j + substr(s, i + 1, j - i - 1); continue
            }
            if (ch == ".") ch = ref; else if (ch == ",") ch = tolower(ref)
            k = index("ACGTacgt*#", ch)
            if (k) c[k]++
            i++
        }
        line = $1 " " $2; sum = 0
        for (k = 1; k <= 10; k++) { line = line " " c[k]; sum += c[k] }
        if (sum) print line
    }' "$TMP/$tag.mp" | sort >"$TMP/$tag.exp"
    # calla: "contig pos ref A C G T a c g t * # depth"; depth must be the sum of the ten counts
    awk -F'\t' '{
        s = 0; line = $1 " " $2
        for (k = 4; k <= 13; k++) { s += $k; line = line " " ($k + 0) }
        if (NF != 14 || s != $14) { print "bad line: " $0 > "/dev/stderr"; bad = 1 }
        print line
    } END { exit bad }' "$TMP/$tag.calla" | sort >"$TMP/$tag.got" || fail "malformed --dump-counts on $tag"
    n=$(diff "$TMP/$tag.exp" "$TMP/$tag.got" | grep -c '^[<>]')
    echo "$(wc -l <"$TMP/$tag.exp") positions from mpileup, $(wc -l <"$TMP/$tag.got") from calla, $n lines differ"
    diff "$TMP/$tag.exp" "$TMP/$tag.got" | grep '^[<>]' | head -6
    [[ $n -eq 0 && $(wc -l <"$TMP/$tag.exp") -ge 1000 ]] || fail "counts differ on $tag"
}
found=0
[[ -d $CALLA_SHARED/data/hg001_illumina_grch37_chr20_10.0-10.1Mb ]] && found=1
[[ -d $CALLA_SHARED/data/hg002_ont_r1041_grch38_chr20_5.050-5.075Mb ]] && found=1
[[ $found -eq 1 ]] || skip "real data slices absent"
cmp_slice hg001_illumina_grch37_chr20_10.0-10.1Mb NA12878_S1.chr20.10_10p1mb.bam \
    ucsc.hg19.chr20.unittest.fasta.gz chr20:10000001-10020000
cmp_slice hg002_ont_r1041_grch38_chr20_5.050-5.075Mb HG002_R10_chr20_5050000_5075000.bam \
    grch38.chr20_5050000_5075000.masked.fa.gz chr20:5050001-5056000
done_test
