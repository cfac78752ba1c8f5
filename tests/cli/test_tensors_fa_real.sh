#!/usr/bin/env bash
# clair3-fa tensors on the real HG001 Illumina slice: the same candidates (and, in training mode,
# the same labelled records) as clair3-pileup with the same non-variant ratio; at each candidate
# the rows holding a read number min(55, reads overlapping the 33-bp window that samtools keeps
# with -F 2316 -q 5, one per name); byte-identical output for -@ 1 and -@ 2 and the same records
# for any chunk size.
source "$(dirname "$0")/lib.sh"
need_shared hg001_illumina_grch37_chr20_10.0-10.1Mb
need samtools
D=$CALLA_SHARED/data/hg001_illumina_grch37_chr20_10.0-10.1Mb
B=$D/NA12878_S1.chr20.10_10p1mb.bam F=$D/ucsc.hg19.chr20.unittest.fasta.gz
V=$D/test_nist.b37_chr20_100kbp_at_10mb.vcf.gz C=$D/test_nist.b37_chr20_100kbp_at_10mb.bed
common=(-b "$B" -f "$F" -r chr20:10000001-10100000 --platform ilmn --chunk-size 7000)

"$CALLA" tensors "${common[@]}" -o "$TMP/pu.ctf" 2>/dev/null || fail "pileup"
"$CALLA" tensors "${common[@]}" --features clair3-fa -o "$TMP/fa.ctf" 2>/dev/null || fail "clair3-fa"
"$CALLA" view "$TMP/pu.ctf" | cut -f1-4 > "$TMP/pu.txt"
"$CALLA" view "$TMP/fa.ctf" | cut -f1-4 > "$TMP/fa.txt"
[[ $(wc -l < "$TMP/fa.txt") -gt 100 ]] || fail "expected > 100 candidates"
cmp -s "$TMP/pu.txt" "$TMP/fa.txt" || fail "candidates differ from clair3-pileup's"

# Rows with a read (any non-zero strand cell) against samtools, at the first 40 candidates.
"$CALLA" view -c 2 "$TMP/fa.ctf" | awk '
    /^#/ { if (pos) print pos, n; pos = $3; n = 0; next }
    { for (i = 2; i <= NF; i++) if ($i != 0) { n++; break } }
    END { print pos, n }' | head -40 > "$TMP/rows.txt"
bad=0 capped=0
while read -r pos n; do
    s=$(samtools view -F 2316 -q 5 "$B" "chr20:$((pos - 16))-$((pos + 16))" | cut -f1 | sort -u | wc -l)
    [[ $s -gt 55 ]] && { s=55; capped=$((capped + 1)); }
    [[ $n == "$s" ]] || { bad=$((bad + 1)); echo "chr20:$pos rows $n, samtools $s" >&2; }
done < "$TMP/rows.txt"
[[ $bad == 0 ]] || fail "$bad candidate(s) with a row count other than samtools'"
[[ $capped -gt 0 ]] || fail "expected some candidates deeper than 55 reads (subsampled)"

# Calling tensors do not depend on the chunking: one 102-kb chunk (two 100-kb scan blocks, whose
# reads reach the FA buffer once each) gives the records of 7-kb chunks.
wide=(-b "$B" -f "$F" -r chr20:9999001-10101000 --platform ilmn --features clair3-fa)
"$CALLA" tensors "${wide[@]}" --chunk-size 200000 -o "$TMP/w1.ctf" 2>/dev/null || fail "chunk 200000"
"$CALLA" tensors "${wide[@]}" --chunk-size 7000 -@ 2 -o "$TMP/w2.ctf" 2>/dev/null || fail "chunk 7000"
cmp -s <("$CALLA" view "$TMP/w1.ctf") <("$CALLA" view "$TMP/w2.ctf") || fail "records depend on the chunk size"

# Training mode: the labelled records equal clair3-pileup's at --nonvariant-ratio 1 (the clair3-fa
# default); -@ 1 and -@ 2 give the same file.
for t in 1 2; do
    mkdir "$TMP/t$t"
    (cd "$TMP/t$t" && "$CALLA" tensors "${common[@]}" --features clair3-fa --truth "$V" --confident "$C" \
        --seed 3 -@ $t -o train.ctf 2>/dev/null) || fail "training -@ $t"
done
cmp -s "$TMP/t1/train.ctf" "$TMP/t2/train.ctf" || fail "training tensors differ between -@ 1 and -@ 2"
"$CALLA" tensors "${common[@]}" --truth "$V" --confident "$C" --seed 3 --nonvariant-ratio 1 \
    -o "$TMP/putrain.ctf" 2>/dev/null || fail "pileup training"
[[ "$("$CALLA" view "$TMP/putrain.ctf" | cut -f1-4)" == "$("$CALLA" view "$TMP/t1/train.ctf" | cut -f1-4)" ]] ||
    fail "labelled records differ from clair3-pileup's"
# With --unify as well.
"$CALLA" tensors "${common[@]}" --features clair3-fa --truth "$V" --confident "$C" --unify --seed 3 \
    -o "$TMP/fau.ctf" 2>/dev/null || fail "clair3-fa --unify"
"$CALLA" tensors "${common[@]}" --truth "$V" --confident "$C" --unify --seed 3 --nonvariant-ratio 1 \
    -o "$TMP/puu.ctf" 2>/dev/null || fail "pileup --unify"
[[ "$("$CALLA" view "$TMP/puu.ctf" | cut -f1-4)" == "$("$CALLA" view "$TMP/fau.ctf" | cut -f1-4)" ]] ||
    fail "--unify: labelled records differ from clair3-pileup's"
n_lab=$("$CALLA" view "$TMP/t1/train.ctf" | cut -f4 | grep -vc '^\.$')
[[ $n_lab -ge 45 ]] || fail "expected >= 45 labelled records, got $n_lab"
done_test
