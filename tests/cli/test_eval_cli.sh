# calla eval on hand-made truth/query pairs whose counts are worked out by hand below:
# exact matches, a genotype mismatch, a missed variant, false positives, a 1/2 query against two
# truth records, deletions spelt at other positions in a homopolymer and a dinucleotide repeat,
# an untrimmed insertion, an MNP against two SNPs, records outside the BED (one only by its span),
# filtered and 0/0 query records; then the one-line errors.
source "$(dirname "$0")/lib.sh"
need samtools
need bgzip

# chr1, 1-based:     1-10       11-20      21-30      31-40      41-50      51-60
printf '>chr1\nACGTACGTACGGATCCAAAAATGCACACACGTTGACCTGATCGATGCATGCATGCATGCA\n>chr2\nACGTTGCAACGTTGCA\n' >"$TMP/ref.fa"
samtools faidx "$TMP/ref.fa" || fail "samtools faidx"
# chr1:1-50 and all of chr2 (BED is 0-based, half-open).
printf 'chr1\t0\t50\nchr2\t0\t16\n' >"$TMP/conf.bed"

HDR='##fileformat=VCFv4.2
##contig=<ID=chr1,length=60>
##contig=<ID=chr2,length=16>
##FILTER=<ID=LowQual,Description="low quality">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">'
{
    printf '%s\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTRUTH\n' "$HDR"
    printf 'chr1\t%s\t.\t%s\t%s\t50\tPASS\t.\tGT\t%s\n' \
        3 G A 0/1 \
        8 T C 1/1 \
        12 G T 0/1 \
        16 CA C 1/1 \
        23 GCA G 0/1 \
        35 A G 0/1 \
        35 A T 0/1 \
        42 C CT 0/1 \
        49 TGC T 0/1 \
        55 C T 0/1
    printf 'chr2\t%s\t.\t%s\t%s\t50\tPASS\t.\tGT\t%s\n' \
        3 G A 0/1 \
        4 T C 0/1 \
        10 C CA 1/1
} >"$TMP/truth.vcf"
{
    printf '%s\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tOTHER\tCALLS\n' "$HDR"
    printf 'chr1\t%s\t.\t%s\t%s\t50\t%s\t.\tGT\t0/0\t%s\n' \
        3 G A PASS 0/1 \
        5 A C PASS 0/0 \
        6 C T PASS ./. \
        8 T C PASS 0/1 \
        20 AA A . 1/1 \
        27 ACA A PASS 0/1 \
        30 C T LowQual 0/1 \
        35 A G,T PASS 1/2 \
        38 T TA PASS 0/1 \
        42 CG CTG PASS 0/1 \
        46 G A PASS 0/1 \
        57 T A PASS 1/1
    printf 'chr2\t3\t.\tGT\tAC\t50\tPASS\t.\tGT\t0/0\t0/1\n'
} | bgzip >"$TMP/query.vcf.gz"

# Inside the BED (chr1:1-50, chr2), by hand:
#  SNP  truth: chr1 3 8 12 35G 35T, chr2 3 4 (7).   query: chr1 3 8(het) 35G 35T 46, chr2 MNP->3,4 (7)
#       allele   TP 6 (3 8 35G 35T c2:3 c2:4)  FP 1 (46)        FN 1 (12)
#       genotype TP 5 (8 is hom vs het)         FP 2 (8 46)      FN 2 (8 12)
#  INDEL truth: 16 CA>C, 23 GCA>G, 42 C>CT, c2:10 C>CA (49 TGC>T ends at 51, outside) (4)
#        query: 20 AA>A = 16 CA>C, 27 ACA>A = 23 GCA>G, 42 CG>CTG = C>CT, 38 T>TA (4)
#       allele and genotype: TP 3  FP 1 (38)  FN 1 (c2:10)
#  Ignored: query 5 (0/0), 6 (./.), 30 (LowQual), 57 and truth 55 (outside), sample OTHER (0/0).
run() { "$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/query.vcf.gz" -f "$TMP/ref.fa" --sample CALLS "$@"; }
row() { awk -v t="$1" -v l="$2" '$1 == t && $2 == l { print $3, $4, $5, $6, $7, $8 }' "$3"; }

run -R "$TMP/conf.bed" --json "$TMP/out.json" >"$TMP/table.txt" 2>"$TMP/err.txt" || fail "eval exits non-zero: $(cat "$TMP/err.txt")"
[[ $(row SNP allele "$TMP/table.txt") == "6 1 1 0.8571 0.8571 0.8571" ]] || fail "SNP allele row: $(row SNP allele "$TMP/table.txt")"
[[ $(row SNP genotype "$TMP/table.txt") == "5 2 2 0.7143 0.7143 0.7143" ]] || fail "SNP genotype row: $(row SNP genotype "$TMP/table.txt")"
[[ $(row INDEL allele "$TMP/table.txt") == "3 1 1 0.7500 0.7500 0.7500" ]] || fail "INDEL allele row: $(row INDEL allele "$TMP/table.txt")"
[[ $(row INDEL genotype "$TMP/table.txt") == "3 1 1 0.7500 0.7500 0.7500" ]] || fail "INDEL genotype row"
[[ $(sed '/^$/q' "$TMP/table.txt" | grep -c .) -eq 5 ]] || fail "table should have a header and 4 rows"

# Strata (docs/eval.md), by hand from chr1: no 7-base run, no low-complexity window; the only
# tandem repeat is (GCAT)n, chr1:44-60 (1-based; 4 copies, 17 bp), widened by 5: 39-65. In it: truth
# 42 C>CT (TP), query 46 (SNP FP) and 38 T>TA (footprint 38-39: INDEL FP). Everything else is
# non_repeat. Truth 35 A>G and 35 A>T (two het records) form a multi-allelic site: 2 SNP TPs.
# Indel lengths: 1 bp: 16 CA>C, 42 C>CT (TP), c2:10 (FN), 38 (FP); 2 bp: 23 GCA>G (TP).
srow() { awk -v s="$1" -v t="$2" -v l="$3" '$1 == s && $2 == t && $3 == l { print $4, $5, $6 }' "$4"; }
[[ $(srow tandem_repeat SNP allele "$TMP/table.txt") == "0 1 0" ]] || fail "tandem SNP: $(srow tandem_repeat SNP allele "$TMP/table.txt")"
[[ $(srow tandem_repeat INDEL allele "$TMP/table.txt") == "1 1 0" ]] || fail "tandem INDEL: $(srow tandem_repeat INDEL allele "$TMP/table.txt")"
[[ $(srow non_repeat SNP allele "$TMP/table.txt") == "6 0 1" ]] || fail "non_repeat SNP allele"
[[ $(srow non_repeat SNP genotype "$TMP/table.txt") == "5 1 2" ]] || fail "non_repeat SNP genotype"
[[ $(srow non_repeat INDEL allele "$TMP/table.txt") == "2 0 1" ]] || fail "non_repeat INDEL allele"
[[ $(srow multiallelic SNP allele "$TMP/table.txt") == "2 0 0" ]] || fail "multiallelic: $(srow multiallelic SNP allele "$TMP/table.txt")"
[[ $(srow indel_1 INDEL allele "$TMP/table.txt") == "2 1 1" ]] || fail "indel_1"
[[ $(srow indel_2-5 INDEL allele "$TMP/table.txt") == "1 0 0" ]] || fail "indel_2-5"
grep -qE '^(homopolymer|low_complexity|indel_6-15|indel_16\+) ' "$TMP/table.txt" && fail "empty strata are printed"
# --strat NAME=BED (bgzipped, with a track line): chr1:30-40 (1-based) holds truth 35G, 35T and
# query 38 T>TA; --no-strata drops the stratified rows.
printf 'track name=mine\nchr1\t29\t40\n' | bgzip >"$TMP/mine.bed.gz"
run -R "$TMP/conf.bed" --strat "mine=$TMP/mine.bed.gz" >"$TMP/ts.txt" 2>/dev/null || fail "--strat"
[[ $(srow mine SNP allele "$TMP/ts.txt") == "2 0 0" ]] || fail "--strat SNP: $(srow mine SNP allele "$TMP/ts.txt")"
[[ $(srow mine INDEL allele "$TMP/ts.txt") == "0 1 0" ]] || fail "--strat INDEL: $(srow mine INDEL allele "$TMP/ts.txt")"
run -R "$TMP/conf.bed" --no-strata >"$TMP/tn.txt" 2>/dev/null || fail "--no-strata"
[[ $(grep -c . "$TMP/tn.txt") -eq 5 ]] || fail "--no-strata should print the header and 4 rows"
expect_fail 2 'NAME=FILE' "$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/query.vcf.gz" -f "$TMP/ref.fa" --strat nope
# --strat reads BEDs as -R does: a malformed line is the same one-line error (file and line).
printf 'chr1\t0\t10\nchr1\t100\t50\n' >"$TMP/rev.bed"
expect_fail 1 'malformed BED ".*rev.bed" line 2' "$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/query.vcf.gz" -f "$TMP/ref.fa" --strat "x=$TMP/rev.bed"
expect_fail 1 'malformed BED ".*rev.bed" line 2' "$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/query.vcf.gz" -f "$TMP/ref.fa" -R "$TMP/rev.bed"
expect_fail 1 'stratification BED ".*absent.bed"' "$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/query.vcf.gz" -f "$TMP/ref.fa" --strat "x=$TMP/absent.bed"

# JSON: exact shape and values (6/7 = 0.857143, 5/7 = 0.714286), whitespace ignored.
json=$(tr -d ' \n' <"$TMP/out.json")
snp_a='{"tp":6,"fp":1,"fn":1,"precision":0.857143,"recall":0.857143,"f1":0.857143}'
snp_g='{"tp":5,"fp":2,"fn":2,"precision":0.714286,"recall":0.714286,"f1":0.714286}'
ind='{"tp":3,"fp":1,"fn":1,"precision":0.750000,"recall":0.750000,"f1":0.750000}'
want="{\"SNP\":{\"allele\":$snp_a,\"genotype\":$snp_g},\"INDEL\":{\"allele\":$ind,\"genotype\":$ind},\"strata\":{"
[[ $json == "$want"* ]] || fail "JSON differs: $json"
# The strata object: the tandem_repeat INDEL allele counts as in the table.
tr_ind='"tandem_repeat":{"SNP":{"allele":{"tp":0,"fp":1,"fn":0,"precision":0.000000,"recall":0.000000,"f1":0.000000}'
[[ $json == *"$tr_ind"* ]] || fail "JSON strata lack tandem_repeat: $json"
ls "$TMP"/out.json.tmp.* >/dev/null 2>&1 && fail "temporary JSON left behind"

# --calibration: without FORMAT/GQ the QUAL (50 everywhere) stands in. Called inside the BED:
# SNPs 3 8 35G 35T 46 c2:3 c2:4, INDELs 20(=16) 27(=23) 42 38: 11, of which 8 (genotype), 46
# and 38 are errors: observed -10 log10(3.5 / 12) = 5.35, expected 11 x 1e-5 = 0.00.
run -R "$TMP/conf.bed" --calibration "$TMP/cal.svg" --json "$TMP/cal.json" >"$TMP/tc.txt" 2>/dev/null || fail "--calibration"
[[ $(awk '$1 == "50-54"' "$TMP/tc.txt") == "50-54          11        3      0.00      5.35    50.00" ]] || fail "calibration row: $(awk '$1 == "50-54"' "$TMP/tc.txt")"
"$CALLA_TOOLS/xmlcheck" "$TMP/cal.svg" >"$TMP/cal.el" || fail "calibration SVG is not well-formed"
[[ $(grep -c '^circle$' "$TMP/cal.el") -eq 1 ]] || fail "one bin, one circle expected"
grep -q '"calibration": \[' "$TMP/cal.json" || fail "JSON lacks calibration"
tr -d ' \n' <"$TMP/cal.json" | grep -q '"gq_lo":50,"gq_hi":55,"n":11,"errors":3,' || fail "JSON calibration bin"
# FORMAT/GQ wins over QUAL: GQ 7 (TP) and 8 (hom called het) in 5-9: expected 10^-0.7 + 10^-0.8
# = 0.36, observed -10 log10(1.5 / 3) = 3.01, mean 7.5; GQ 65 (FP at 46) in 60+: -10 log10(1.5/2).
{ printf '%s\n##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="GQ">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n' "$HDR"
  printf 'chr1\t3\t.\tG\tA\t1\tPASS\t.\tGT:GQ\t0/1:7\nchr1\t8\t.\tT\tC\t1\tPASS\t.\tGT:GQ\t0/1:8\nchr1\t46\t.\tG\tA\t1\tPASS\t.\tGT:GQ\t0/1:65\n'; } >"$TMP/gq.vcf"
"$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/gq.vcf" -f "$TMP/ref.fa" --calibration "$TMP/gq.svg" >"$TMP/tg.txt" 2>/dev/null || fail "--calibration with GQ"
[[ $(awk '$1 == "5-9" { print $2, $3, $4, $5, $6 }' "$TMP/tg.txt") == "2 1 0.36 3.01 7.50" ]] || fail "GQ 5-9 row: $(cat "$TMP/tg.txt")"
[[ $(awk '$1 == "60+" { print $2, $3, $4, $5, $6 }' "$TMP/tg.txt") == "1 1 0.00 1.25 65.00" ]] || fail "GQ 60+ row"
# --fit-calibration: raw GQ 7 (right), 8 (wrong), 65 (wrong): 0 then 1 rises, so 7 and 8 pool (1 in
# 2), then 65 pools too (2 in 3): one knot at mean 80/3 = 26.67, -10 log10(2.5 / 4) = 2.04.
"$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/gq.vcf" -f "$TMP/ref.fa" --fit-calibration "$TMP/map.txt" --fit-min-calls 1 >/dev/null 2>&1 || fail "--fit-calibration"
[[ $(cat "$TMP/map.txt") == "26.67:2.04" ]] || fail "fitted map: $(cat "$TMP/map.txt")"
# "-" is refused for both (stdout carries the table): exit 2, no file named "-" written.
here=$PWD; cd "$TMP" || fail "cd"
expect_fail 2 '--calibration needs a file name' "$CALLA" eval -t truth.vcf -q gq.vcf -f ref.fa --calibration -
expect_fail 2 '--fit-calibration needs a file name' "$CALLA" eval -t truth.vcf -q gq.vcf -f ref.fa --fit-calibration -
cd "$here" || fail "cd back"
[[ -e $TMP/- ]] && fail "a file named - was written"
expect_fail 2 'fit-min-calls' "$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/gq.vcf" -f "$TMP/ref.fa" --fit-calibration x --fit-min-calls 0
awk -F'\t' -v OFS='\t' '/^#/ || NF < 10 { print; next } { $6 = "."; $9 = "GT"; sub(/:.*/, "", $10); print }' "$TMP/gq.vcf" >"$TMP/nogq.vcf"
expect_fail 1 'no called variant with a GQ' "$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/nogq.vcf" -f "$TMP/ref.fa" --fit-calibration "$TMP/m2.txt"
[[ -e $TMP/m2.txt ]] && fail "a map written without GQs"
expect_fail 1 'calibration plot ".*no/such/dir/c.svg"|no/such/dir' "$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/gq.vcf" -f "$TMP/ref.fa" --calibration "$TMP/no/such/dir/c.svg"

# --include-filtered: the LowQual SNP at chr1:30 becomes one more FP (P = 6/8).
run -R "$TMP/conf.bed" --include-filtered >"$TMP/t2.txt" 2>/dev/null || fail "--include-filtered"
[[ $(row SNP allele "$TMP/t2.txt") == "6 2 1 0.7500 0.8571 0.8000" ]] || fail "--include-filtered SNP row: $(row SNP allele "$TMP/t2.txt")"
run -R "$TMP/conf.bed" --pass-only >"$TMP/t3.txt" 2>/dev/null || fail "--pass-only"
cmp -s "$TMP/table.txt" "$TMP/t3.txt" || fail "--pass-only is not the default"

# Without -R: + truth 55 (SNP FN), truth 49 TGC>T (INDEL FN), query 57 (SNP FP).
run >"$TMP/t4.txt" 2>/dev/null || fail "eval without -R"
[[ $(row SNP allele "$TMP/t4.txt" | cut -d' ' -f1-3) == "6 2 2" ]] || fail "no-BED SNP row: $(row SNP allele "$TMP/t4.txt")"
[[ $(row INDEL allele "$TMP/t4.txt" | cut -d' ' -f1-3) == "3 1 2" ]] || fail "no-BED INDEL row: $(row INDEL allele "$TMP/t4.txt")"

# The first sample (OTHER, all 0/0) is the default: no query variant at all, 0/0 precision = 0.
run_other() { "$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/query.vcf.gz" -f "$TMP/ref.fa" -R "$TMP/conf.bed" "$@"; }
run_other >"$TMP/t5.txt" 2>/dev/null || fail "default sample"
[[ $(row SNP allele "$TMP/t5.txt") == "0 0 7 0.0000 0.0000 0.0000" ]] || fail "default-sample SNP row: $(row SNP allele "$TMP/t5.txt")"

# Truth against itself: everything TP.
"$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/truth.vcf" -f "$TMP/ref.fa" >"$TMP/t6.txt" 2>/dev/null || fail "self"
[[ $(row SNP allele "$TMP/t6.txt") == "8 0 0 1.0000 1.0000 1.0000" ]] || fail "self SNP row"
[[ $(row INDEL genotype "$TMP/t6.txt") == "5 0 0 1.0000 1.0000 1.0000" ]] || fail "self INDEL row"

# Help and usage errors.
"$CALLA" eval --help | grep -q -- '--json' || fail "--help lacks --json"
"$CALLA" eval >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "no arguments should exit 2"
"$CALLA" eval -t a -q b >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "missing -f should exit 2"
"$CALLA" eval --frobnicate >/dev/null 2>&1; [[ $? -eq 2 ]] || fail "unknown option should exit 2"

# Runtime errors: one line naming the culprit, exit 1.
expect_fail 1 'failed to open truth VCF ".*nope.vcf"' "$CALLA" eval -t "$TMP/nope.vcf" -q "$TMP/query.vcf.gz" -f "$TMP/ref.fa"
expect_fail 1 'failed to open reference ".*nofai.fa".*samtools faidx' \
    bash -c "cp '$TMP/ref.fa' '$TMP/nofai.fa' && '$CALLA' eval -t '$TMP/truth.vcf' -q '$TMP/truth.vcf' -f '$TMP/nofai.fa'"
{ printf '%s\n##contig=<ID=chr3>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n' "$HDR"
  printf 'chr1\t3\t.\tG\tA\t50\tPASS\t.\tGT\t0/1\nchr3\t5\t.\tA\tC\t50\tPASS\t.\tGT\t0/1\n'; } >"$TMP/chr3.vcf"
expect_fail 1 'chr3.vcf".*contig "chr3" is not in the reference' "$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/chr3.vcf" -f "$TMP/ref.fa"
# A BED reaching past the reference (issue #14: a truth set's BED for a whole chromosome, a
# reference holding a slice of it): conf.bed plus chr2:11-30 (clipped to 11-16, inside chr2
# anyway), chr1:71-80 (wholly past chr1's 60 bases: dropped) and chrZ (not in the reference:
# dropped) gives conf.bed's hand-worked counts, with one warning counting 1 clipped, 1 + 1 dropped.
printf 'chr1\t0\t50\nchr2\t10\t30\nchrZ\t0\t10\nchr2\t0\t16\nchr1\t70\t80\n' >"$TMP/long.bed"
run -R "$TMP/long.bed" >"$TMP/tl.txt" 2>"$TMP/el.txt" || fail "eval with a BED past the reference: $(cat "$TMP/el.txt")"
[[ $(row SNP allele "$TMP/tl.txt") == "6 1 1 0.8571 0.8571 0.8571" ]] || fail "clipped BED SNP row: $(row SNP allele "$TMP/tl.txt")"
[[ $(row INDEL genotype "$TMP/tl.txt") == "3 1 1 0.7500 0.7500 0.7500" ]] || fail "clipped BED INDEL row"
[[ $(grep -c warning "$TMP/el.txt") -eq 1 ]] || fail "want one warning line: $(cat "$TMP/el.txt")"
grep -q 'long.bed": 1 interval(s) clipped to the contig length, 1 past the contig end and 1 on contigs not in the reference' "$TMP/el.txt" \
    || fail "clip warning: $(cat "$TMP/el.txt")"
# chr1:1-61 clipped to chr1:1-60 counts as chr1:1-60 does: truth 49 TGC>T and 55 C>T come in.
printf 'chr1\t0\t61\n' >"$TMP/c61.bed"
printf 'chr1\t0\t60\n' >"$TMP/c60.bed"
run -R "$TMP/c61.bed" >"$TMP/t61.txt" 2>"$TMP/e61.txt" || fail "eval -R c61.bed"
run -R "$TMP/c60.bed" >"$TMP/t60.txt" 2>"$TMP/e60.txt" || fail "eval -R c60.bed"
cmp -s "$TMP/t61.txt" "$TMP/t60.txt" || fail "chr1:1-61 clipped differs from chr1:1-60"
grep -q '1 interval(s) clipped' "$TMP/e61.txt" || fail "no clip warning for c61.bed"
grep -q warning "$TMP/e60.txt" && fail "warning for a BED inside the reference: $(cat "$TMP/e60.txt")"
expect_fail 1 'no sample "NOBODY"' "$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/query.vcf.gz" -f "$TMP/ref.fa" --sample NOBODY
{ printf '%s\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n' "$HDR"
  printf 'chr1\t4\t.\tG\tA\t50\tPASS\t.\tGT\t0/1\n'; } >"$TMP/badref.vcf"
expect_fail 1 'badref.vcf": REF G at chr1:4 differs from the reference' "$CALLA" eval -t "$TMP/badref.vcf" -q "$TMP/truth.vcf" -f "$TMP/ref.fa"
expect_fail 1 'JSON|cannot write' "$CALLA" eval -t "$TMP/truth.vcf" -q "$TMP/truth.vcf" -f "$TMP/ref.fa" --json "$TMP/no/such/dir/x.json"
done_test
