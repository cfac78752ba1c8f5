#!/usr/bin/env bash
# Clair3 labels of real GIAB truth (HG001 chr20 10.0-10.1 Mb): every truth record whose POS is in
# the confident BED (selected by bcftools -T) must be labelled, with gt21/zygosity/lengths computed
# here by awk from clair3.md §4.1 independently of src/tensors/labels.c.
source "$(dirname "$0")/lib.sh"
need bcftools
need_shared hg001_illumina_grch37_chr20_10.0-10.1Mb
D=$CALLA_SHARED/data/hg001_illumina_grch37_chr20_10.0-10.1Mb
W="$(dirname "$CALLA")/tests/test_labels"
[[ -x $W ]] || skip "$W not built"
VCF=$D/test_nist.b37_chr20_100kbp_at_10mb.vcf.gz BED=$D/test_nist.b37_chr20_100kbp_at_10mb.bed

"$W" --dump "$VCF" "$BED" chr20 9990000 10110000 > "$TMP/got" || fail "dump failed"
bcftools view -H -T "$BED" "$VCF" | cut -f2,4,5,10 | awk -F'\t' '
BEGIN { n = split("AA AC AG AT CC CG CT GG GT TT DelDel ADel CDel GDel TDel InsIns AIns CIns GIns TIns InsDel", names, " ")
        for (i = 1; i <= n; i++) idx[names[i]] = i - 1 }
function part(x) { return length(x) < length(ref) ? "Del" : length(x) > length(ref) ? "Ins" : substr(x, 1, 1) }
function clip(v) { return v < -16 ? -16 : v > 16 ? 16 : v }
{
    ref = $2; na = split($3, alt, ","); al[0] = ref; for (i = 1; i <= na; i++) al[i] = alt[i]
    split($4, f, ":"); gt = f[1]; gsub(/\./, "0", gt); split(gt, g, /[\/|]/)
    g1 = g[1] + 0; g2 = g[2] + 0; if (g1 > g2) { t = g1; g1 = g2; g2 = t }
    if (g2 == 0) next
    p1 = part(al[g1]); p2 = part(al[g2])
    if (length(p1) == 1 && length(p2) == 1) name = (p1 < p2) ? p1 p2 : p2 p1
    else if (length(p1) == 1) name = p1 p2
    else if (length(p2) == 1) name = p2 p1
    else if (p1 == p2) name = p1 p2
    else name = "InsDel"
    l1 = clip(length(al[g1]) - length(ref)); l2 = clip(length(al[g2]) - length(ref))
    if (l1 > l2) { t = l1; l1 = l2; l2 = t }
    printf "%d\t%d,%d,%d,%d\n", $1, idx[name], (g1 == g2 ? 1 : 2), l1 + 16, l2 + 16
}' > "$TMP/want"
[[ $(wc -l < "$TMP/want") -ge 40 ]] || fail "expected the ~49 confident truth records, got $(wc -l < "$TMP/want")"
cmp -s "$TMP/got" "$TMP/want" || fail "labels differ: $(diff "$TMP/got" "$TMP/want" | head -5 | tr '\n' ' ')"
done_test
