# `calla haplotag` on simulated HiFi and Illumina reads: the true haplotype of each read is in its
# name (<contig>_h<0|1>_<start>_<f|r>_<n>, src/sim/reads.c) and the truth VCF is phased (GT
# h0|h1), so the switch error rate of the phased VCF and the accuracy of the HP tags (up to each
# block's orientation) are measured against the truth, independently of calla's code. Also:
# identical outputs for -@ 1 and -@ 2, samtools/bcftools accept the outputs, every read kept in
# order, @PG line, the phased VCF's PS = 1-based position of each block's first phased SNP.
source "$(dirname "$0")/lib.sh"
need samtools; need bcftools; need minimap2

# switch_errors TRUTH PHASED: "switches pairs" over adjacent phased het SNPs of the same block
switch_errors() {
    bcftools query -f '%CHROM\t%POS\t%REF\t%ALT\t[%GT]\n' "$1" | awk 'length($3)==1 && length($4)==1' >"$TMP/t.tsv"
    bcftools query -f '%CHROM\t%POS\t[%GT]\t[%PS]\n' "$2" | awk '$3 ~ /\|/ && $4 != "."' >"$TMP/p.tsv"
    awk 'NR==FNR { split($5, g, "|"); t[$1":"$2] = g[1]; next }
         { split($3, g, "|"); k = $1":"$2; if (!(k in t)) next
           rel = (g[1] == t[k]); key = $1":"$4
           if (key == last_block) { pairs++; if (rel != last_rel) sw++ }
           last_block = key; last_rel = rel }
         END { printf "%d %d\n", sw, pairs }' "$TMP/t.tsv" "$TMP/p.tsv"
}
# tag_accuracy BAM: "agreeing tagged total" — per phase set, reads whose HP matches the true
# haplotype under the better of the two orientations
tag_accuracy() {
    samtools view "$1" | awk '{ hp = ""; ps = ""
        for (i = 12; i <= NF; i++) { if ($i ~ /^HP:i:/) hp = substr($i, 6); if ($i ~ /^PS:i:/) ps = substr($i, 6) }
        n++; if (hp == "") next
        if (!match($1, /_h[01]_[0-9]+_[fr]_[0-9]+$/)) next
        h = substr($1, RSTART + 2, 1); k = $3":"ps
        if ((hp == 1) == (h == 0)) a[k]++; else b[k]++; tagged++ }
        END { for (k in a) good += (a[k] > b[k] ? a[k] : b[k]); for (k in b) if (!(k in a)) good += b[k]
              printf "%d %d %d\n", good, tagged, n }'
}

check_platform() {  # platform depth max-switch-rate min-tag-acc min-tagged-frac min-phased-frac
    local p=$1 depth=$2 maxsw=$3 minacc=$4 mintag=$5 minph=$6 O=$TMP/$1
    "$CALLA" simulate -o "$O" --genome-size 300k --contigs 2 --platform "$p" --depth "$depth" \
        --seed 11 2>"$TMP/log" || { fail "$p: simulate failed: $(cat "$TMP/log")"; return; }
    # the two runs in their own folders with the same relative names: @PG/##command lines equal
    mkdir -p "$O/a" "$O/b"
    (cd "$O/a" && "$CALLA" haplotag -f ../ref.fa -v ../truth.vcf.gz -o t.bam --write-index \
        --output-phased-vcf p.vcf.gz -@ 1 ../reads.bam) 2>"$TMP/log1" ||
        { fail "$p: haplotag failed: $(cat "$TMP/log1")"; return; }
    (cd "$O/b" && "$CALLA" haplotag -f ../ref.fa -v ../truth.vcf.gz -o t.bam --write-index \
        --output-phased-vcf p.vcf.gz -@ 2 ../reads.bam) 2>/dev/null || fail "$p: -@ 2 failed"
    cmp -s "$O/a/t.bam" "$O/b/t.bam" || fail "$p: BAM differs between -@ 1 and -@ 2"
    cmp -s "$O/a/p.vcf.gz" "$O/b/p.vcf.gz" || fail "$p: phased VCF differs between -@ 1 and -@ 2"
    ln -s a/t.bam "$O/t1.bam"; ln -s a/t.bam.csi "$O/t1.bam.csi"
    ln -s a/p.vcf.gz "$O/p1.vcf.gz"; ln -s a/p.vcf.gz.tbi "$O/p1.vcf.gz.tbi"
    samtools quickcheck "$O/t1.bam" || fail "$p: samtools quickcheck failed"
    [[ -s $O/t1.bam.csi && -s $O/p1.vcf.gz.tbi ]] || fail "$p: index missing"
    # every read kept, in order, records unchanged but for HP/PS
    diff <(samtools view "$O/reads.bam" | cut -f1-11) <(samtools view "$O/t1.bam" | cut -f1-11) >/dev/null ||
        fail "$p: reads differ from the input (order or content)"
    samtools view -H "$O/t1.bam" | grep -q '^@PG.*ID:calla.*CL:.*haplotag' || fail "$p: no @PG line"
    samtools view -H "$O/t1.bam" | grep '^@PG.*ID:calla' | grep -q -- '-@' && fail "$p: @PG carries -@"
    bcftools view "$O/p1.vcf.gz" >/dev/null 2>&1 || fail "$p: bcftools rejects the phased VCF"
    # PS is the 1-based position of the first phased SNP of its block
    bcftools query -f '%CHROM\t%POS\t[%PS]\n' "$O/p1.vcf.gz" | awk '$3 != "." {
        k = $1":"$3; if (!(k in first)) { first[k] = $2; if ($2 != $3) bad++ } } END { exit bad > 0 }' ||
        fail "$p: a PS is not its block's first position"
    read -r sw pairs <<<"$(switch_errors "$O/truth.vcf.gz" "$O/p1.vcf.gz")"
    read -r good tagged n <<<"$(tag_accuracy "$O/t1.bam")"
    nhet=$(bcftools view -H -g het "$O/truth.vcf.gz" | awk 'length($4)==1 && length($5)==1' | wc -l)
    nph=$(bcftools view -H "$O/p1.vcf.gz" | awk '$10 ~ /^[01]\|[01]:/' | wc -l)
    echo "$p: $nph/$nhet het SNPs phased, switch errors $sw/$pairs, HP agrees $good/$tagged, tagged $tagged/$n reads; $(grep -o '[0-9]* reads/s' "$TMP/log1")"
    [[ $pairs -gt 0 ]] || { fail "$p: no phased pairs"; return; }
    awk -v s="$sw" -v n="$pairs" -v m="$maxsw" 'BEGIN { exit !(s / n <= m) }' || fail "$p: switch error rate $sw/$pairs above $maxsw"
    awk -v g="$good" -v t="$tagged" -v m="$minacc" 'BEGIN { exit !(t > 0 && g / t >= m) }' || fail "$p: tag accuracy $good/$tagged below $minacc"
    awk -v t="$tagged" -v n="$n" -v m="$mintag" 'BEGIN { exit !(t / n >= m) }' || fail "$p: only $tagged/$n reads tagged"
    awk -v a="$nph" -v b="$nhet" -v m="$minph" 'BEGIN { exit !(a / b >= m) }' || fail "$p: only $nph/$nhet het SNPs phased"
    # samtools view shows the tags
    samtools view "$O/t1.bam" | grep -q $'\tHP:i:[12]\tPS:i:[0-9]' || fail "$p: no HP/PS tags in samtools view"
}

# Thresholds (measured 2026-12-04 with seed 11: hifi 199/202 phased, 0/197 switches, 388/388 tags
# right, 388/389 reads tagged; ilmn (pairs joined) 87/202 phased, 0/49 switches, 2304/2306 tags
# right, 2306/60002 reads tagged, i.e. the reads over a phased SNP at 1 het SNP per ~1.5 kb;
# ont 30x 201/202 phased, 0/199 switches, 453/453 tags right, 453/459 reads tagged)
check_platform hifi 20 0.01 0.99 0.9 0.95
check_platform ilmn 30 0.05 0.98 0.03 0.3
check_platform ont 30 0.02 0.97 0.9 0.95

# the pipeline: het SNPs from `calla call` (shipped HiFi model, default --min-qual 10) instead of
# the truth (measured: 185 of 185 used het SNPs phased, 0/183 switches, 387/387 tags right)
O=$TMP/hifi
if "$CALLA" call -b "$O/reads.bam" -f "$O/ref.fa" --platform hifi --quiet -o "$O/calls.vcf.gz" 2>"$TMP/log"; then
    "$CALLA" haplotag -f "$O/ref.fa" -v "$O/calls.vcf.gz" -o "$O/c.bam" --output-phased-vcf "$O/c.vcf.gz" \
        "$O/reads.bam" 2>"$TMP/log" || fail "haplotag on calla call output failed: $(cat "$TMP/log")"
    read -r sw pairs <<<"$(switch_errors "$O/truth.vcf.gz" "$O/c.vcf.gz")"
    read -r good tagged n <<<"$(tag_accuracy "$O/c.bam")"
    echo "hifi from calla call: switch errors $sw/$pairs, HP agrees $good/$tagged, tagged $tagged/$n reads"
    [[ $pairs -ge 150 && $sw -le 2 ]] || fail "calla call pipeline: switch errors $sw/$pairs"
    awk -v g="$good" -v t="$tagged" -v n="$n" 'BEGIN { exit !(g / t >= 0.99 && t / n >= 0.9) }' ||
        fail "calla call pipeline: $good/$tagged tags right, $tagged/$n tagged"
else
    fail "calla call failed: $(cat "$TMP/log")"
fi
done_test
