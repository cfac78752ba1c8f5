#!/usr/bin/env bash
# test_truth_inputs.sh — issue #16: unusual truth/index inputs give one clear error line or a
# documented behaviour (docs/formats.md "Which positions get which label"), never a crash or
# undefined behaviour (run under `make SAN=1 test`). Fixtures are generated here from a simulated
# genome: a BAM rewritten after its .bai was made; truth VCFs without sample column, without GT,
# with missing GTs (".", "./."), with several samples, haploid GTs, symbolic ALTs (<DEL>, '*')
# and malformed GTs; a confident BED naming a contig the BAM lacks. Expected counts are computed
# here with awk from the fixtures.
source "$(dirname "$0")/lib.sh"
need samtools
need bgzip
need tabix
command -v bwa >/dev/null 2>&1 || skip "bwa not installed (calla simulate)"
[[ -x $CALLA_TOOLS/mkmodel ]] || { fail "no $CALLA_TOOLS/mkmodel"; done_test; }
S=$TMP/sim
"$CALLA" simulate -o "$S" --genome-size 16k --contigs 2 --platform ilmn --depth 12 2>/dev/null ||
    { fail "simulate"; done_test; }
"$CALLA_TOOLS/mkmodel" "$TMP/m.st" clair3-pileup platform=ilmn >/dev/null 2>&1 || fail mkmodel
IN=(-b "$S/reads.bam" -f "$S/ref.fa" --platform ilmn)

# 1. Stale index: the BAM recompressed after indexing; the old .bai (older mtime) stays.
samtools view -1 -o "$TMP/stale.bam" "$S/reads.bam" || fail "recompress"
cp "$S/reads.bam.bai" "$TMP/stale.bam.bai" && touch -d '-1 hour' "$TMP/stale.bam.bai"
expect_fail 1 'failed to read ".*stale\.bam" near sim1:.*index is older than the file' \
    "$CALLA" tensors -b "$TMP/stale.bam" -f "$S/ref.fa" --platform ilmn -o "$TMP/x.ctf"
# (call prints its plan line first, then the one error line)
err=$("$CALLA" call -b "$TMP/stale.bam" -f "$S/ref.fa" -m "$TMP/m.st" -o "$TMP/x.vcf.gz" 2>&1 >/dev/null)
[[ $? -eq 1 ]] || fail "call with a stale index: exit status"
[[ $(grep -c 'failed to read ".*stale\.bam" near .*index is older than the file' <<<"$err") -eq 1 &&
    $(grep -vc '^\[calla call\] clair3-pileup model' <<<"$err") -eq 1 ]] || fail "call stale index: $err"
ls "$TMP" | grep -q '\.tmp\.' && fail "temporary left behind: $(ls "$TMP")"

# 2. Truth VCF variants, from the simulated truth (bi-allelic SNPs/indels, GT x|y).
{ zcat "$S/truth.vcf.gz" | grep '^##'; echo '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Depth">'; } >"$TMP/hdr"
H10=$'#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tSIM'
mk() {  # NAME HEADER-LINE AWK-PROGRAM
    { cat "$TMP/hdr"; echo "$2"; zcat "$S/truth.vcf.gz" | grep -v '^#' | awk 'BEGIN{FS=OFS="\t"} '"$3"; } >"$TMP/$1.vcf"
    bgzip -f "$TMP/$1.vcf" && tabix -f -p vcf "$TMP/$1.vcf.gz" || fail "fixture $1"
}
mk sites $'#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO' '{print $1,$2,$3,$4,$5,$6,$7,$8}'
mk nogtfmt "$H10" '{$9="DP"; $10="5"; print}'
mk missing "$H10" '{if(NR%3==0)$10="./."; else if(NR%3==1)$10="."; print}'
mk multi "$H10"$'\tS2\tS3' '{print $0, "0/1", "./."}'
mk haploid "$H10" '{$10=(NR%2 ? "1" : "0"); print}'
mk haploid_as_diploid "$H10" '{$10=(NR%2 ? "1/1" : "0/0"); print}'
mk symbolic "$H10" '{if(NR%3==0)$5="<DEL>"; else if(NR%3==1){$5=$5",*"; $10="1/2"}; print}'
mk star_as_ref "$H10" '{if(NR%3==0)$10="0/0"; else if(NR%3==1)$10="0/1"; print}'
mk weird "$H10" '{if(NR==1)$10="1/2"; if(NR==2)$10="0/5"; if(NR==3)$10="1/1/1"; if(NR==4)$10="-1/1"; if(NR==5)$10="99999999999999999999/1"; print}'
n=$(zcat "$S/truth.vcf.gz" | grep -vc '^#')
[[ $n -ge 9 ]] || { fail "simulated truth too small ($n records)"; done_test; }

tens() {  # NAME [extra args]: labelled tensors with truth NAME.vcf.gz; prints stderr
    local v=$1; shift
    "$CALLA" tensors "${IN[@]}" --truth "$TMP/$v.vcf.gz" --confident "$S/confident.bed" "$@" \
        -o "$TMP/$v.ctf" 2>&1 >/dev/null
}
view() { "$CALLA" view "$TMP/$1.ctf"; }
expect_fail 1 'truth VCF ".*sites\.vcf\.gz" is unusable: it has no sample column' \
    "$CALLA" tensors "${IN[@]}" --truth "$TMP/sites.vcf.gz" -o "$TMP/x.ctf"
err=$(tens nogtfmt) || fail "nogtfmt: $err"
grep -q "$n record(s) without a genotype skipped, 0 unrepresentable" <<<"$err" || fail "nogtfmt: $err"
nmiss=$(awk -v n="$n" 'BEGIN{print int(n/3) + int((n+2)/3)}')  # NR%3==0 and NR%3==1
err=$(tens missing) || fail "missing: $err"
grep -q "$nmiss record(s) without a genotype skipped" <<<"$err" || fail "missing ($nmiss): $err"
cp "$S/truth.vcf.gz" "$TMP/truth.vcf.gz" && cp "$S/truth.vcf.gz.tbi" "$TMP/truth.vcf.gz.tbi"
err=$(tens truth) || fail "truth: $err"
err=$(tens multi) || fail "multi: $err"
grep -q 'has 3 samples; labels use the first, "SIM"' <<<"$err" || fail "multi warning: $err"
cmp -s <(view multi) <(view truth) || fail "multi-sample truth labels differ from the first sample's"
err=$(tens haploid) || fail "haploid: $err"
tens haploid_as_diploid >/dev/null || fail "haploid_as_diploid"
cmp -s <(view haploid) <(view haploid_as_diploid) || fail "haploid 1 / 0 do not label as 1/1 / 0/0"
# symbolic: <DEL> rows (NR%3==0) excluded; "X,*" with 1/2 is X 0/1 (star_as_ref) except that the
# excluded rows become -1 positions instead of 0/0 skips: compare the counts, and the labels of
# every position that is not a <DEL> row
nsym=$(awk -v n="$n" 'BEGIN{print int(n/3)}')
err=$(tens symbolic) || fail "symbolic: $err"
grep -q "0 record(s) without a genotype skipped, $nsym unrepresentable" <<<"$err" || fail "symbolic ($nsym): $err"
err=$(tens star_as_ref) || fail "star_as_ref: $err"
# (non-variant sampling depends on the number of truth variants: compare the truth positions)
keep=$(zcat "$TMP/symbolic.vcf.gz" | awk '!/^#/ && $5!="<DEL>"{printf "%s:%s|", $1, $2}')
[[ -n $keep ]] || fail "no kept truth positions"
flt() { awk -v d="|$keep" 'index(d, "|" $1 ":" $2 "|") > 0'; }
[[ $(view star_as_ref | flt | wc -l) -gt 0 ]] || fail "no truth positions among the records"
cmp -s <(view symbolic | flt) <(view star_as_ref | flt) || fail "'X,*' 1/2 does not label as X 0/1"
err=$(tens weird) || fail "weird: $err"
grep -q "0 record(s) without a genotype skipped, 5 unrepresentable" <<<"$err" || fail "weird: $err"

# 3. A confident BED naming a contig the BAM lacks: one warning, same output as without it.
{ cat "$S/confident.bed"; printf 'chrZ\t0\t1000\n'; } >"$TMP/absent.bed"
err=$("$CALLA" tensors "${IN[@]}" --truth "$TMP/truth.vcf.gz" --confident "$TMP/absent.bed" \
    -o "$TMP/absent.ctf" 2>&1 >/dev/null) || fail "absent-contig BED: $err"
grep -q '1 contig(s) of the confident BED ".*absent\.bed" are not in .* (e.g. "chrZ")' <<<"$err" ||
    fail "absent-contig warning: $err"
cmp -s <(view absent) <(view truth) || fail "absent-contig BED changed the output"

# 4. The same truth files through calla eval (truth against itself)
ev() { "$CALLA" eval -t "$TMP/$1.vcf.gz" -q "$TMP/$1.vcf.gz" -f "$S/ref.fa" 2>&1; }
expect_fail 1 'VCF ".*sites\.vcf\.gz" has no sample column' \
    "$CALLA" eval -t "$TMP/sites.vcf.gz" -q "$S/truth.vcf.gz" -f "$S/ref.fa"
for v in nogtfmt missing multi haploid symbolic; do
    out=$(ev $v) || fail "eval $v: $out"
done
# eval skips symbolic ALTs: the <DEL> rows and the '*' of each "X,*" row
nskip=$(zcat "$TMP/symbolic.vcf.gz" | awk '!/^#/ && ($5=="<DEL>" || $5 ~ /,\*$/)' | wc -l)
grep -q "$nskip symbolic ALTs skipped" <<<"$(ev symbolic)" || fail "eval symbolic count ($nskip)"
# eval refuses a GT allele beyond the ALT list (labels exclude the row instead)
expect_fail 1 'GT allele 2 out of range at sim1:' \
    "$CALLA" eval -t "$TMP/weird.vcf.gz" -q "$TMP/weird.vcf.gz" -f "$S/ref.fa"
done_test
