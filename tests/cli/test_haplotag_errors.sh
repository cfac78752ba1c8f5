# `calla haplotag` on bad or unusual inputs: one-line errors with the right exit status and no
# output left behind, or the documented behaviour (docs/phasing.md "Inputs"): no VCF index
# needed, tagged input re-tagged with a warning, reads without SEQ and secondary/supplementary
# reads written untagged, CRAM in and out, standard output, the depth cap.
source "$(dirname "$0")/lib.sh"
need samtools; need bcftools; need minimap2
O=$TMP/s
"$CALLA" simulate -o "$O" --genome-size 120k --contigs 2 --platform hifi --depth 16 --seed 4 \
    2>"$TMP/log" || { fail "simulate failed: $(cat "$TMP/log")"; done_test; }
R=$O/ref.fa V=$O/truth.vcf.gz B=$O/reads.bam
ht() { "$CALLA" haplotag "$@"; }
tags() { samtools view "$1" | awk '{ t = ""; for (i = 12; i <= NF; i++) if ($i ~ /^(HP|PS):i:/) t = t " " $i; print $1, $2, t }'; }

# usage errors (exit 2)
expect_fail 2 'haplotag\].*-v/--vcf is required' ht -f "$R" -o "$TMP/x.bam" "$B"
expect_fail 2 'haplotag\].*an input BAM/CRAM is required' ht -f "$R" -v "$V"
expect_fail 2 'haplotag\].*--write-index needs a BAM or CRAM output file' ht -f "$R" -v "$V" --write-index "$B"
expect_fail 2 'haplotag\].*-O must be b, c or s' ht -f "$R" -v "$V" -O x -o "$TMP/x.bam" "$B"
expect_fail 2 'haplotag\].*--max-coverage needs an integer' ht -f "$R" -v "$V" --max-coverage 1 -o "$TMP/x.bam" "$B"
expect_fail 2 'haplotag\].*cannot tell the type of' ht -f "$R" -v "$V" --output-phased-vcf "$TMP/p.txt" -o "$TMP/x.bam" "$B"
expect_fail 2 'haplotag\].*' ht -f "$R" -v "$V" -r 'sim1:9-2' -o "$TMP/x.bam" "$B"
[[ ! -e $TMP/x.bam ]] || fail "output written after a usage error"

# runtime errors (exit 1), nothing written
cp "$B" "$TMP/noidx.bam"
expect_fail 1 'haplotag\].*failed to load the index of .*noidx.bam' ht -f "$R" -v "$V" -o "$TMP/x.bam" "$TMP/noidx.bam"
expect_fail 1 'haplotag\].*failed to open .*nope.vcf' ht -f "$R" -v "$TMP/nope.vcf" -o "$TMP/x.bam" "$B"
expect_fail 1 'haplotag\].*sample "NA1" is not in' ht -f "$R" -v "$V" --sample NA1 -o "$TMP/x.bam" "$B"
bcftools view "$V" | sed 's/^sim\([0-9]\)/chr\1/; s/ID=sim\([0-9]\)/ID=chr\1/' >"$TMP/chr.vcf"
expect_fail 1 'haplotag\].*no contig of .*chr.vcf.* is in .*reads.bam' ht -f "$R" -v "$TMP/chr.vcf" -o "$TMP/x.bam" "$B"
expect_fail 1 'haplotag\].*' ht -f "$R" -v "$V" -o "$TMP/nodir/x.bam" "$B"
printf '##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n' >"$TMP/nosample.vcf"
expect_fail 1 'haplotag\].*has no samples' ht -f "$R" -v "$TMP/nosample.vcf" -o "$TMP/x.bam" "$B"
[[ ! -e $TMP/x.bam ]] || fail "output written after a runtime error"
ls "$TMP" | grep -q '\.tmp\.' && fail "temporary file left behind"

# a plain VCF without index works, and gives the same tags as the indexed bgzipped one
ht -f "$R" -v "$V" -o "$TMP/a.bam" --output-phased-vcf "$TMP/a.vcf" "$B" 2>/dev/null || fail "run on the truth VCF failed"
bcftools view "$V" >"$TMP/plain.vcf"
ht -f "$R" -v "$TMP/plain.vcf" -o "$TMP/b.bam" "$B" 2>/dev/null || fail "plain VCF without index failed"
cmp -s <(tags "$TMP/a.bam") <(tags "$TMP/b.bam") || fail "plain VCF gives other tags"
[[ $(tags "$TMP/a.bam" | grep -c 'HP:i:') -gt 0 ]] || fail "no read tagged"

# an already tagged BAM: tags replaced (one warning), the result equals the first run's
samtools index "$TMP/a.bam"
ht -f "$R" -v "$V" -o "$TMP/c.bam" "$TMP/a.bam" 2>"$TMP/log" || fail "re-tagging failed"
grep -q 'warning.*already carried HP/PS tags: replaced' "$TMP/log" || grep -q 'already carried HP/PS tags: replaced' "$TMP/log" || fail "no warning for a tagged input: $(cat "$TMP/log")"
cmp -s <(tags "$TMP/a.bam") <(tags "$TMP/c.bam") || fail "re-tagged BAM differs"
# stale tags on reads that this run does not tag are removed: tag everything HP:i:1 first
samtools view -h "$B" | awk -v OFS='\t' '/^@/ { print; next } { print $0, "HP:i:1", "PS:i:7" }' |
    samtools view -b -o "$TMP/stale.bam" - && samtools index "$TMP/stale.bam"
ht -f "$R" -v "$V" -o "$TMP/d.bam" "$TMP/stale.bam" 2>/dev/null || fail "stale-tag run failed"
cmp -s <(tags "$TMP/a.bam") <(tags "$TMP/d.bam") || fail "stale HP/PS tags not replaced"

# reads without SEQ: written unchanged and untagged; the others still tagged
samtools view -h "$B" | awk -v OFS='\t' '/^@/ { print; next } NR % 3 == 0 { $10 = "*"; $11 = "*" } { print }' |
    samtools view -b -o "$TMP/noseq.bam" - && samtools index "$TMP/noseq.bam"
ht -f "$R" -v "$V" -o "$TMP/e.bam" "$TMP/noseq.bam" 2>"$TMP/log" || fail "reads without SEQ: failed: $(cat "$TMP/log")"
[[ $(samtools view -c "$TMP/e.bam") -eq $(samtools view -c "$B") ]] || fail "reads without SEQ: reads lost"
samtools view "$TMP/e.bam" | awk '$10 == "*" && /HP:i:/ { bad++ } END { exit bad > 0 }' || fail "a read without SEQ was tagged"
samtools view "$TMP/e.bam" | grep -q 'HP:i:' || fail "reads without SEQ: nothing tagged"

# secondary/supplementary only: every read written untagged, one warning, exit 0
samtools view -h "$B" | awk -v OFS='\t' '/^@/ { print; next } { $2 = $2 + 256; print }' |
    samtools view -b -o "$TMP/sec.bam" - && samtools index "$TMP/sec.bam"
ht -f "$R" -v "$V" -o "$TMP/f.bam" "$TMP/sec.bam" 2>"$TMP/log" || fail "secondary-only BAM failed"
grep -q 'no read was tagged' "$TMP/log" || fail "no warning for a secondary-only BAM"
[[ $(samtools view -c "$TMP/f.bam") -eq $(samtools view -c "$B") ]] || fail "secondary-only: reads lost"
samtools view "$TMP/f.bam" | grep -q 'HP:i:' && fail "secondary-only: a read was tagged"

# a reference whose bases differ: sites skipped with a warning
sed '/^>/!y/ACGT/CATG/' "$R" >"$TMP/wrong.fa" && samtools faidx "$TMP/wrong.fa"
ht -f "$TMP/wrong.fa" -v "$V" -o "$TMP/g.bam" "$B" 2>"$TMP/log" || fail "wrong reference: failed"
grep -q 'REF differs from reference' "$TMP/log" || fail "no warning for a wrong reference"

# CRAM out (indexed) and in, SAM and BAM on standard output: the same tags
ht -f "$R" -v "$V" -o "$TMP/h.cram" --write-index "$B" 2>/dev/null || fail "CRAM output failed"
samtools quickcheck "$TMP/h.cram" && [[ -s $TMP/h.cram.crai ]] || fail "CRAM output or its index broken"
cmp -s <(tags "$TMP/a.bam") <(samtools view -T "$R" "$TMP/h.cram" | awk '{ t = ""; for (i = 12; i <= NF; i++) if ($i ~ /^(HP|PS):i:/) t = t " " $i; print $1, $2, t }') ||
    fail "CRAM output has other tags"
ht -f "$R" -v "$V" -o "$TMP/i.bam" "$TMP/h.cram" 2>/dev/null || fail "CRAM input failed"
cmp -s <(tags "$TMP/a.bam") <(tags "$TMP/i.bam") || fail "CRAM input gives other tags"
ht -f "$R" -v "$V" "$B" 2>/dev/null | samtools view -c - >"$TMP/n" || fail "BAM on stdout failed"
[[ $(cat "$TMP/n") -eq $(samtools view -c "$B") ]] || fail "stdout BAM has $(cat "$TMP/n") reads"
ht -f "$R" -v "$V" -O s -o "$TMP/j.sam" "$B" 2>/dev/null && head -c 3 "$TMP/j.sam" | grep -q '^@' || fail "SAM output failed"

# a region: reads outside it are written but untagged; the phased VCF is phased inside it only
ht -f "$R" -v "$V" -r sim1:20001-60000 -o "$TMP/k.bam" --output-phased-vcf "$TMP/k.vcf.gz" "$B" 2>/dev/null || fail "-r failed"
[[ $(samtools view -c "$TMP/k.bam") -eq $(samtools view -c "$B") ]] || fail "-r: reads lost"
samtools view "$TMP/k.bam" | awk '/HP:i:/ && ($3 != "sim1" || $4 > 60000) { bad++ } END { exit bad > 0 }' || fail "-r: read tagged outside the region"
bcftools query -f '%CHROM\t%POS\t[%PS]\n' "$TMP/k.vcf.gz" | awk '$3 != "." && ($1 != "sim1" || $2 < 20001 || $2 > 60000) { bad++ } END { exit bad > 0 }' ||
    fail "-r: SNP phased outside the region"

# --min-qual and --var-pct: the het SNPs dropped, counted independently (QUAL = POS mod 97)
bcftools view "$V" | awk -v OFS='\t' '/^#/ { print; next } { $6 = $2 % 97; print }' >"$TMP/q.vcf"
awk '!/^#/ && length($4) == 1 && length($5) == 1 && ($10 == "0|1" || $10 == "1|0") { print $6 }' "$TMP/q.vcf" | sort -n >"$TMP/quals"
below=$(awk '$1 < 50' "$TMP/quals" | wc -l)
awk '$1 >= 50' "$TMP/quals" >"$TMP/q50"
n50=$(wc -l <"$TMP/q50")
cut=$(awk -v k="$(( n50 * 3 / 10 ))" 'NR == k + 1' "$TMP/q50")   # rank floor((1 - 0.7) n)
pct=$(awk -v c="$cut" '$1 < c' "$TMP/q50" | wc -l)
ht -f "$R" -v "$TMP/q.vcf" --min-qual 50 --var-pct 0.7 -o "$TMP/m.bam" "$B" 2>"$TMP/log" || fail "--var-pct run failed"
grep -q "($(grep -vc '^#' "$TMP/q.vcf") records; $below het SNPs below --min-qual or not PASS, $pct below the --var-pct cut)" "$TMP/log" ||
    fail "--min-qual 50 --var-pct 0.7: expected $below and $pct dropped: $(head -n 1 "$TMP/log")"
expect_fail 2 'haplotag\].*--var-pct needs a number' ht -f "$R" -v "$V" --var-pct 0 -o "$TMP/x.bam" "$B"

# depth far above the cap: --max-coverage 3 leaves reads out (counted) and still phases
ht -f "$R" -v "$V" --max-coverage 3 -o "$TMP/l.bam" "$B" 2>"$TMP/log" || fail "--max-coverage 3 failed"
grep -Eq '\(([1-9][0-9]*) more left out by --max-coverage\)' "$TMP/log" || fail "--max-coverage 3 left no read out: $(cat "$TMP/log")"
samtools view "$TMP/l.bam" | grep -q 'HP:i:' || fail "--max-coverage 3: nothing tagged"
done_test
