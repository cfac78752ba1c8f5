# calla eval on real data: HG001 GIAB truth vs a bcftools call set on chr20:10.0-10.1 Mb (hg19),
# inside eval.bed. The allele-level counts must equal those computed independently with
# `bcftools norm -m-both -f ref` + `bcftools isec`, and the genotype-level counts those from a
# join of the normalised records' zygosities.
source "$(dirname "$0")/lib.sh"
need bcftools
need bgzip
need tabix
export LC_ALL=C  # sort and join must agree on the order
need_shared hg001_illumina_grch37_chr20_10.0-10.1Mb
D=$CALLA_SHARED/data/hg001_illumina_grch37_chr20_10.0-10.1Mb
REF=$D/ucsc.hg19.chr20.unittest.fasta.gz
TRUTH=$D/test_nist.b37_chr20_100kbp_at_10mb.vcf.gz

# Query: bcftools calls over the whole window; left unindexed on purpose.
bcftools mpileup -f "$REF" -r chr20:10000000-10100000 "$D/NA12878_S1.chr20.10_10p1mb.bam" 2>/dev/null |
    bcftools call -mv -Oz -o "$TMP/calls.vcf.gz" 2>/dev/null || fail "bcftools mpileup | call"
[[ $(bcftools view -H "$TMP/calls.vcf.gz" | grep -c .) -gt 40 ]] || fail "too few bcftools calls"

# crosscheck BED NAME: calla eval vs bcftools on the same inputs, restricted to BED.
crosscheck() {
    local BED=$1 name=$2
    "$CALLA" eval -t "$TRUTH" -q "$TMP/calls.vcf.gz" -f "$REF" -R "$BED" --json "$TMP/$name.json" \
        >"$TMP/$name.txt" 2>"$TMP/err.txt" || fail "calla eval failed: $(cat "$TMP/err.txt")"
    echo "== $name"; cat "$TMP/$name.txt"

    # Independent side: split multi-allelics and left-align with bcftools, keep genotypes carrying
    # the ALT (and PASS/'.' for the query), keep records whose whole REF span lies in the BED.
    prep() {  # prep IN OUT [extra bcftools view args]
        local in=$1 out=$2; shift 2
        bcftools norm -m-both -f "$REF" -Ou "$in" 2>/dev/null |
            bcftools view -i 'GT="alt"' "$@" -Ov 2>/dev/null |
            awk -v bed="$BED" 'BEGIN { FS = OFS = "\t"; while ((getline l < bed) > 0) { split(l, f, "\t"); n++; c[n] = f[1]; s[n] = f[2]; e[n] = f[3] } }
                /^#/ { print; next }
                { b = $2 - 1; x = b + length($4); for (i = 1; i <= n; i++) if ($1 == c[i] && s[i] <= b && x <= e[i]) { print; next } }' |
            bgzip >"$out" && tabix -f -p vcf "$out"
    }
    prep "$TRUTH" "$TMP/t.vcf.gz" || fail "normalising the truth"
    prep "$TMP/calls.vcf.gz" "$TMP/q.vcf.gz" -f PASS,. || fail "normalising the calls"
    rm -rf "$TMP/isec"
    bcftools isec -c none -p "$TMP/isec" "$TMP/t.vcf.gz" "$TMP/q.vcf.gz" 2>/dev/null || fail "bcftools isec"
    count() { bcftools view -H "$@" 2>/dev/null | grep -c .; }
    for type in SNP INDEL; do
        [[ $type == SNP ]] && sel=(-v snps) || sel=(-V snps)
        tp=$(count "${sel[@]}" "$TMP/isec/0002.vcf")
        fn=$(count "${sel[@]}" "$TMP/isec/0000.vcf")
        fp=$(count "${sel[@]}" "$TMP/isec/0001.vcf")
        got=$(awk -v t=$type '$1 == t && $2 == "allele" { print $3, $4, $5 }' "$TMP/$name.txt")
        [[ $got == "$tp $fp $fn" ]] || fail "$name $type allele: calla eval says TP FP FN = $got, bcftools isec $tp $fp $fn"
        echo "$type allele (bcftools isec): TP $tp FP $fp FN $fn"

        # Genotype level: het/hom per normalised record, joined on CHROM:POS:REF:ALT.
        zyg() { bcftools view "${sel[@]}" "$1" 2>/dev/null | bcftools query -f '%CHROM:%POS:%REF:%ALT\t[%GT]\n' |
            awk '{ n = split($2, a, /[\/|]/); h = 0; for (i = 1; i <= n; i++) h += (a[i] == "1"); print $1 "\t" (h == n ? "hom" : "het") }' | sort; }
        zyg "$TMP/t.vcf.gz" >"$TMP/tz.$type"
        zyg "$TMP/q.vcf.gz" >"$TMP/qz.$type"
        gtp=$(join "$TMP/tz.$type" "$TMP/qz.$type" | awk '$2 == $3' | grep -c .)
        gfn=$(( $(grep -c . "$TMP/tz.$type") - gtp )) gfp=$(( $(grep -c . "$TMP/qz.$type") - gtp ))
        got=$(awk -v t=$type '$1 == t && $2 == "genotype" { print $3, $4, $5 }' "$TMP/$name.txt")
        [[ $got == "$gtp $gfp $gfn" ]] || fail "$name $type genotype: calla eval says TP FP FN = $got, join $gtp $gfp $gfn"
        echo "$type genotype (join): TP $gtp FP $gfp FN $gfn"
    done
}

# 1. The confident regions. The truth inside eval.bed has 45 SNPs and 4 indels (data README).
crosscheck "$D/eval.bed" confident
[[ $(grep -c . "$TMP/tz.SNP") -eq 45 && $(grep -c . "$TMP/tz.INDEL") -eq 4 ]] || fail "expected 45 + 4 truth variants in eval.bed"
grep -q '"INDEL": {' "$TMP/confident.json" || fail "JSON lacks INDEL"
# 2. The whole 100 kbp window: an older truth release outside eval.bed, so not an accuracy figure,
#    but a harder test of the matching (FPs, FNs, multi-allelic and repeat indels).
printf 'chr20\t10000000\t10100000\n' >"$TMP/window.bed"
crosscheck "$TMP/window.bed" window
done_test
