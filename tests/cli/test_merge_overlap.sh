#!/usr/bin/env bash
# `calla merge-shards` applies FILTER Overlap (calling/overlap.h) across shard boundaries. Two
# hand-written shards; the FILTER each record must get in the merge is worked out by hand below
# from the rule (a PASS call starting on the deleted bases of an earlier PASS 1/1 deletion with a
# higher QUAL is Overlap; calls a shard filtered Overlap count as PASS again):
#   shard 1  chr1:101 GCCCA>G 1/1 QUAL 30      deletes 102-105                 -> PASS
#   shard 2  chr1:103 C>T     1/1 QUAL 10      inside, lower                    -> Overlap
#            chr1:104 CAAAAA>C 1/1 QUAL 20     inside, lower (its 105-109 gone) -> Overlap
#            chr1:106 A>T     1/1 QUAL 10 Overlap (the shard's, from 104)       -> PASS
#            chr1:110 A>G     0/1 QUAL 40                                       -> PASS
#            chr1:112 A>G     0/1 QUAL 1 LowQual                                -> LowQual
#            chr2:103 C>T     1/1 QUAL 10      another contig                   -> PASS
# and the same shards without the ##FILTER=<ID=Overlap> line (an older calla) merge unchanged.
source "$(dirname "$0")/lib.sh"
need bcftools
cd "$TMP" || fail "cd"
header() {  # $1: shard index; $2: 1 to declare FILTER Overlap
    printf '##fileformat=VCFv4.2\n##FILTER=<ID=PASS,Description="All filters passed">\n'
    printf '##FILTER=<ID=LowQual,Description="Low quality">\n'
    [[ $2 == 1 ]] && printf '##FILTER=<ID=Overlap,Description="Starts inside a deletion">\n'
    printf '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    printf '##contig=<ID=chr1,length=10000>\n##contig=<ID=chr2,length=10000>\n'
    printf '##calla_shard=%d/2 chunks=%s/4 run=0123456789abcdef\n' "$1" "$([[ $1 == 1 ]] && echo 0-2 || echo 2-4)"
    printf '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n'
}
row() { printf '%s\t%s\t.\t%s\t%s\t%s\t%s\t.\tGT\t%s\n' "$@"; }
for ov in 1 0; do
    { header 1 $ov; row chr1 101 GCCCA G 30 PASS 1/1; } >s1-$ov.vcf
    { header 2 $ov
      row chr1 103 C T 10 PASS 1/1
      row chr1 104 CAAAAA C 20 PASS 1/1
      row chr1 106 A T 10 "$([[ $ov == 1 ]] && echo Overlap || echo PASS)" 1/1
      row chr1 110 A G 40 PASS 0/1
      row chr1 112 A G 1 LowQual 0/1
      row chr2 103 C T 10 PASS 1/1; } >s2-$ov.vcf
done
"$CALLA" merge-shards -o m.vcf.gz s2-1.vcf s1-1.vcf 2>log || fail "merge: $(cat log)"
got=$(bcftools query -f '%CHROM:%POS:%FILTER\n' m.vcf.gz | tr '\n' ' ')
want="chr1:101:PASS chr1:103:Overlap chr1:104:Overlap chr1:106:PASS chr1:110:PASS chr1:112:LowQual chr2:103:PASS "
[[ $got == "$want" ]] || fail "merged FILTERs: got '$got', want '$want'"
[[ -s m.vcf.gz.tbi ]] || fail "no index"
grep -q '2 call(s) inside a homozygous deletion of the shard before now Overlap, 1 back to PASS' log ||
    fail "count line: $(cat log)"
# everything but FILTER is the shards' records
diff <(bcftools query -f '%CHROM %POS %REF %ALT %QUAL [%GT]\n' m.vcf.gz) \
    <(cat s1-1.vcf s2-1.vcf | grep -v '^#' | awk '{print $1, $2, $4, $5, $6, $10}') >/dev/null ||
    fail "merged records differ from the shards' beyond FILTER"
# without the Overlap header line: no re-check, FILTERs as in the shards, no count line
"$CALLA" merge-shards -o m0.vcf s1-0.vcf s2-0.vcf 2>log0 || fail "merge (no Overlap): $(cat log0)"
got=$(bcftools query -f '%FILTER ' m0.vcf)
[[ $got == "PASS PASS PASS PASS PASS LowQual PASS " ]] || fail "no-Overlap FILTERs: '$got'"
grep -q Overlap log0 && fail "count line without FILTER Overlap: $(cat log0)"
done_test
