# `calla haplotag` on the real HG002 ONT R10.4.1 slice (../shared/data, 54x, chr20:5.050-5.075
# Mb) with the GIAB v4.2.1 het SNPs: the truth there is unphased, so the check is that the tags
# and the phased VCF agree as samtools sees them — at each phased SNP, the bases that
# `samtools mpileup --output-extra HP` reports for HP1/HP2 reads carry the allele the VCF puts on
# that haplotype (samtools' aligned base, not calla's edit-distance call). Also -@ 1 == -@ 2.
source "$(dirname "$0")/lib.sh"
need samtools; need bcftools
need_shared hg002_ont_r1041_grch38_chr20_5.050-5.075Mb
D=$CALLA_SHARED/data/hg002_ont_r1041_grch38_chr20_5.050-5.075Mb
REF=$D/grch38.chr20_5050000_5075000.masked.fa.gz
mkdir -p "$TMP/a" "$TMP/b"
for t in 1 2; do
    d=$TMP/$( [[ $t == 1 ]] && echo a || echo b )
    (cd "$d" && "$CALLA" haplotag -f "$REF" -v "$D/HG002_GRCh38_1_22_v4.2.1_benchmark.chr20.vcf.gz" \
        -r chr20:5050001-5080000 -@ $t --write-index -o t.bam --output-phased-vcf p.vcf.gz \
        "$D/HG002_R10_chr20_5050000_5075000.bam") 2>"$TMP/log$t" || fail "-@ $t failed: $(cat "$TMP/log$t")"
done
cmp -s "$TMP/a/t.bam" "$TMP/b/t.bam" && cmp -s "$TMP/a/p.vcf.gz" "$TMP/b/p.vcf.gz" || fail "-@ 1 and -@ 2 differ"
bcftools query -f '%CHROM\t%POS\t%REF\t%ALT\t[%GT]\t[%PS]\n' -i 'GT~"|"' "$TMP/a/p.vcf.gz" >"$TMP/ph.tsv"
nph=$(wc -l <"$TMP/ph.tsv")
nhet=$(bcftools view -H -g het -r chr20:5050001-5080000 "$D/HG002_GRCh38_1_22_v4.2.1_benchmark.chr20.vcf.gz" |
    awk 'length($4) == 1 && length($5) == 1 && $10 ~ /^(0[\/|]1|1[\/|]0)/' | wc -l)
nps=$(cut -f6 "$TMP/ph.tsv" | sort -u | wc -l)
awk -v OFS='\t' '{ print $1, $2 - 1, $2 }' "$TMP/ph.tsv" >"$TMP/ph.bed"
# (no -f: samtools then prints the read bases themselves; with this masked 64 Mb bgzipped FASTA
# -f costs ~45 s)
samtools mpileup -Q 0 -q 20 --output-extra HP -r chr20:5050001-5080000 -l "$TMP/ph.bed" "$TMP/a/t.bam" 2>/dev/null >"$TMP/pile"
# agree / informative over (phased SNP, tagged read) pairs
read -r agree total <<<"$(awk 'NR == FNR { split($5, g, "|"); h1[$2] = g[1]; ref[$2] = $3; alt[$2] = $4; next }
    { if (!($2 in h1)) next
      s = $5; gsub(/\^./, "", s); gsub(/\$/, "", s)
      # drop indel notations (+n bases / -n bases) so one character remains per read
      while (match(s, /[+-][0-9]+/)) { n = substr(s, RSTART + 1, RLENGTH - 1); s = substr(s, 1, RSTART - 1) substr(s, RSTART + RLENGTH + n) }
      split($7, hp, ",")
      for (i = 1; i <= length(s); i++) {
          c = toupper(substr(s, i, 1)); a = c == ref[$2] ? 0 : (c == alt[$2] ? 1 : -1)
          if (a < 0 || hp[i] == "*") continue
          want = hp[i] == 1 ? h1[$2] : 1 - h1[$2]
          tot++; if (a == want) ok++ }
    } END { printf "%d %d\n", ok, tot }' "$TMP/ph.tsv" "$TMP/pile")"
tagged=$(samtools view -c -F 0x904 -d HP "$TMP/a/t.bam"); prim=$(samtools view -c -F 0x904 -q 20 "$TMP/a/t.bam")
echo "ONT HG002: $nph/$nhet het SNPs phased in $nps block(s); tagged reads' bases agree $agree/$total; tagged $tagged/$prim primary MAPQ>=20 reads"
[[ $nph -ge $((nhet * 9 / 10)) && $nph -ge 10 ]] || fail "only $nph of $nhet het SNPs phased"
[[ $nps -eq 1 ]] || fail "$nps blocks over 30 kb of 30 kb ONT reads"
awk -v a="$agree" -v t="$total" 'BEGIN { exit !(t > 300 && a / t >= 0.9) }' || fail "tagged reads' bases agree $agree/$total"
[[ $((tagged * 10)) -ge $((prim * 8)) ]] || fail "only $tagged of $prim reads tagged"
samtools quickcheck "$TMP/a/t.bam" || fail "quickcheck"
done_test
