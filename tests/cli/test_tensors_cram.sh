# CRAM input: the same reads as BAM and as CRAM (samtools view -C against the same reference)
# give identical tensors, in calling and in training mode; a CRAM whose reference is missing fails
# with one line.
source "$(dirname "$0")/lib.sh"
need samtools
need_shared hg001_illumina_grch37_chr20_10.0-10.1Mb
D=$CALLA_SHARED/data/hg001_illumina_grch37_chr20_10.0-10.1Mb
REF=$D/ucsc.hg19.chr20.unittest.fasta.gz
samtools view -C -T "$REF" -o "$TMP/reads.cram" "$D/NA12878_S1.chr20.10_10p1mb.bam" chr20:10000000-10040000 \
    && samtools index "$TMP/reads.cram" || fail "samtools view -C"
samtools view -b -o "$TMP/reads.bam" "$D/NA12878_S1.chr20.10_10p1mb.bam" chr20:10000000-10040000 \
    && samtools index "$TMP/reads.bam" || fail "samtools view -b"
for mode in call train; do
    extra=()
    [[ $mode == train ]] && extra=(--truth "$D/test_nist.b37_chr20_100kbp_at_10mb.vcf.gz"
        --confident "$D/test_nist.b37_chr20_100kbp_at_10mb.bed")
    for fmt in bam cram; do
        "$CALLA" tensors -b "$TMP/reads.$fmt" -f "$REF" -r chr20:10000001-10040000 --platform ilmn \
            "${extra[@]}" -o "$TMP/$mode.$fmt.ctf" 2>"$TMP/err" || fail "$mode $fmt: $(cat "$TMP/err")"
        "$CALLA" view "$TMP/$mode.$fmt.ctf" >"$TMP/$mode.$fmt.txt" || fail "view $mode $fmt"
    done
    n=$(wc -l <"$TMP/$mode.bam.txt")
    [[ $n -gt 20 ]] || fail "$mode: only $n records from the BAM"
    cmp -s "$TMP/$mode.bam.txt" "$TMP/$mode.cram.txt" || fail "$mode: CRAM records differ from BAM records"
done
# a CRAM needs its reference: with a different FASTA (right contig name, wrong length) it fails cleanly
printf '>chr20\nACGTACGTAC\n' >"$TMP/wrong.fa" && samtools faidx "$TMP/wrong.fa"
expect_fail nz 'chr20|wrong\.fa|reads\.cram' "$CALLA" tensors -b "$TMP/reads.cram" -f "$TMP/wrong.fa" \
    --platform ilmn -o "$TMP/x.ctf"
[[ -e $TMP/x.ctf ]] && fail "partial output left behind"
done_test
