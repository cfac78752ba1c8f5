# `calla call` on the real Illumina slice with a model forced to "het A/G" at every candidate
# (tests/tools/mkmodel.c), so that every candidate becomes a record:
# - bcftools reads the VCF without a message; the tabix index answers region queries;
# - records are sorted; -@ 1 and -@ 2 give identical content (chunks smaller than the region);
# - DP and AD of every SNP record equal the counts parsed from `samtools mpileup` with the same
#   read filters (an independent pileup), and AF = AD/DP.
source "$(dirname "$0")/lib.sh"
need samtools
need bcftools
[[ -x $CALLA_TOOLS/mkmodel ]] || { fail "no $CALLA_TOOLS/mkmodel (make builds it)"; done_test; }
need_shared hg001_illumina_grch37_chr20_10.0-10.1Mb
D=$CALLA_SHARED/data/hg001_illumina_grch37_chr20_10.0-10.1Mb
BAM=$D/NA12878_S1.chr20.10_10p1mb.bam
REF=$D/ucsc.hg19.chr20.unittest.fasta.gz
REG=chr20:10000001-10030000
"$CALLA_TOOLS/mkmodel" "$TMP/m.st" clair3-pileup bias:gt21.bias:2=5 bias:zygosity.bias:2=5 || fail "model"
# same output name in two directories, so that the headers' command lines can be equal too
for t in 1 2; do
    mkdir "$TMP/t$t" && cd "$TMP/t$t" || fail "mkdir"
    "$CALLA" call -b "$BAM" -f "$REF" -m "$TMP/m.st" -r "$REG" -@ $t --chunk-size 7000 --batch 64 \
        -o calls.vcf.gz 2>"$TMP/log$t" || { cat "$TMP/log$t"; fail "call -@ $t"; }
done
cd "$TMP" || fail "cd"
cmp -s <(gzip -dc t1/calls.vcf.gz) <(gzip -dc t2/calls.vcf.gz) || fail "-@ 1 and -@ 2 differ"
V=$TMP/t1/calls.vcf.gz
bcftools view "$V" >/dev/null 2>"$TMP/err" || fail "bcftools view failed"
[[ -s $TMP/err ]] && fail "bcftools view printed: $(head -3 "$TMP/err")"
n=$(bcftools view -H "$V" | wc -l)
[[ $n -ge 50 ]] || fail "only $n records"
# sorted positions, one contig
bcftools query -f '%POS\n' "$V" | sort -n -c || fail "records not sorted"
# the index: a sub-region query returns exactly the records inside it
want=$(bcftools view -H "$V" | awk '$2 >= 10010001 && $2 <= 10020000' | wc -l)
got=$(bcftools view -H -r chr20:10010001-10020000 "$V" | wc -l)
[[ $want -gt 0 && $want -eq $got ]] || fail "index query: $got records, expected $want"
# header: sample from @RG SM, contigs from the reference, model description
bcftools query -l "$V" | grep -qx "$(samtools view -H "$BAM" | grep '^@RG' | head -1 | tr '\t' '\n' | sed -n 's/^SM://p')" \
    || fail "sample is not the BAM's SM"
[[ $(bcftools view -h "$V" | grep -c '^##contig') -eq $(wc -l <"$REF.fai") ]] || fail "contig lines"
bcftools view -h "$V" | grep -q '^##calla_model=.*architecture=clair3-pileup' || fail "model line"

# DP/AD/AF against samtools mpileup at every SNP record
bcftools query -f '%POS\t%REF\t%ALT\t[%DP]\t[%AD]\t[%AF]\n' "$V" >"$TMP/calls.tsv"
samtools mpileup -A -B -x -Q 0 -q 5 --ff UNMAP,SECONDARY,QCFAIL,DUP,SUPPLEMENTARY -d 0 \
    --reverse-del -f "$REF" -r "$REG" "$BAM" 2>/dev/null >"$TMP/mp" || fail "mpileup"
# Both files in one awk: calls.tsv first (the SNP positions to check), then the pileup, parsed
# only at those positions. Pileup string: ^X starts a read (X = mapping quality, skipped), $ ends
# one, +N/-N then N bases is an indel after the base before it; . and , are the reference (and
# count in AD's ref only when no indel follows), ACGT/acgt alternatives, * and # deletions.
awk -F'\t' '
function abs(x) { return x < 0 ? -x : x }
NR == FNR {
    nalt = split($3, alts, ",")
    if (length($2) != 1) next
    for (k = 1; k <= nalt; k++) if (length(alts[k]) != 1) next
    if ($1 in want) want[$1] = want[$1] "\n" $0; else want[$1] = $0
    n++; next
}
!($2 in want) { next }
{
    ref = toupper($3); s = $5; L = length(s)
    cnt["A"] = cnt["C"] = cnt["G"] = cnt["T"] = cnt["*"] = 0; refn = 0
    for (i = 1; i <= L; ) {
        ch = substr(s, i, 1)
        if (ch == "^") { i += 2; continue }
        if (ch == "$") { i++; continue }
        if (ch == "+" || ch == "-") {
            j = i + 1
            while (substr(s, j, 1) ~ /[0-9]/) j++
            i = j + substr(s, i + 1, j - i - 1); continue
        }
        nx = substr(s, i + 1, 1)
        if (ch == "." || ch == ",") { cnt[ref]++; if (nx != "+" && nx != "-") refn++ }
        else if (toupper(ch) ~ /^[ACGT]$/) cnt[toupper(ch)]++
        else if (ch == "*" || ch == "#") cnt["*"]++
        i++
    }
    dp = cnt["A"] + cnt["C"] + cnt["G"] + cnt["T"] + cnt["*"]
    seen[$2] = 1
    nrec = split(want[$2], recs, "\n")
    for (r = 1; r <= nrec; r++) {
        split(recs[r], c, "\t"); nalt = split(c[3], alts, ","); nad = split(c[5], ad, ",")
        split(c[6], af, ",")
        ok = (c[4] == dp && nad == nalt + 1 && ad[1] == refn)
        for (k = 1; k <= nalt; k++) {
            e = cnt[alts[k]]
            if (ad[k + 1] != e) ok = 0
            x = dp > 0 ? e / dp : 2; if (x > 1) x = 1
            if (dp == 0 || abs(af[k] - x) >= 1e-4) ok = 0
        }
        if (!ok && ++bad <= 5) print "pos", $2, "calla DP", c[4], "AD", c[5], "AF", c[6], "mpileup DP", dp, "ref", refn
    }
}
END {
    for (p in want) if (!(p in seen)) { bad++; print "pos", p, "not in the mpileup output" }
    print n + 0, "SNP records checked,", bad + 0, "differ"
    exit (bad || n < 50) ? 1 : 0
}' "$TMP/calls.tsv" "$TMP/mp" || fail "DP/AD differ from mpileup"
done_test
