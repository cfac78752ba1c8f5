#!/usr/bin/env bash
# The haplotype check of `calla call` (--hap-p; docs/calling.md "The haplotype check") on simulated
# ONT reads with the shipped ONT model (no full-alignment model ships for ONT):
# (a) by default the reads are phased, het calls get phased GTs, and some het indels get FILTER
#     HapNoise; the log's count equals the HapNoise records; each is an unphased 0/1 with one
#     indel ALT;
# (b) --hap-p 1 is the pileup-only output, byte for byte (records); and the default output is that
#     output with FILTER HapNoise on those records and phase added, nothing else changed;
# (c) an independent computation: `calla haplotag` tags the reads from the default VCF's het SNPs
#     (one chunk per contig, so the phasing is the one the check used); awk counts, per het indel
#     call, the reads of each haplotype showing REF or the ALT (base at POS, then the indel or
#     none) in the phase set with the most such reads, and computes Fisher's exact test. The calls
#     it finds with >= 10 such reads, both haplotypes and both alleles among them, the ALT under
#     3/4 of them and p > 0.05 are exactly the HapNoise records;
# (d) other platforms and --pileup-only: no check; a bad value is a usage error;
# (e) -R regions of 800 bases every 3 kb are joined (--join-gap): the records are those of -r over
#     the span, restricted to the regions (bcftools -T), HapNoise and phased GTs included; PS
#     differs only where a block's first het SNP lies in a gap: there PS names the block's first
#     record instead, so every PS is the POS of a record; region by region (--join-gap 0) the
#     check finds fewer HapNoise calls; --join-gap with --hap-p 1 warns.
source "$(dirname "$0")/lib.sh"
need bcftools
need samtools
need minimap2
M=$CALLA_ROOT/models/ont.safetensors
[[ -f $M ]] || skip "no shipped ONT model"
cd "$TMP" || fail "cd"
"$CALLA" simulate -o sim --genome-size 200k --platform ont --depth 40 --snp-rate 0.003 \
    --indel-rate 0.0008 --seed 21 2>log || { fail "simulate: $(tail -1 log)"; done_test; }
export CALLA_MODELS=$CALLA_ROOT/models
IN=(-b sim/reads.bam -f sim/ref.fa --platform ont --chunk-size 200000)
"$CALLA" call "${IN[@]}" -o def.vcf 2>def.log || { fail "default: $(tail -1 def.log)"; done_test; }
"$CALLA" call "${IN[@]}" --hap-p 1 -o off.vcf 2>/dev/null || fail "--hap-p 1"
"$CALLA" call "${IN[@]}" --pileup-only -o po.vcf 2>/dev/null || fail "--pileup-only"

# (a)
n_log=$(sed -n 's/.*haplotype check: \([0-9]*\) het indel calls filtered HapNoise.*/\1/p' def.log)
n_rec=$(bcftools view -H -f HapNoise def.vcf | wc -l)
[[ -n $n_log && $n_log == "$n_rec" ]] || fail "(a) log count '$n_log', HapNoise records $n_rec"
[[ $n_rec -ge 3 ]] || fail "(a) only $n_rec HapNoise records: the test proves little"
grep -q '^##FILTER=<ID=HapNoise' def.vcf || fail "(a) no HapNoise header line"
bcftools query -f '[%GT]\t%REF\t%ALT\n' -i 'FILTER="HapNoise"' def.vcf |
    awk -F'\t' '$1 != "0/1" || $3 ~ /,/ || length($2) == length($3)' | grep -q . &&
    fail "(a) a HapNoise record that is not an unphased 0/1 indel"
[[ $(bcftools query -f '[%GT]\n' def.vcf | grep -c '|') -ge 20 ]] || fail "(a) few phased GTs"

# (b)
cmp -s <(bcftools view -H off.vcf) <(bcftools view -H po.vcf) || fail "(b) --hap-p 1 differs from --pileup-only"
grep -q 'HapNoise\|ID=PS' off.vcf && fail "(b) --hap-p 1 header has HapNoise or PS"
norm() { bcftools query -f '%CHROM\t%POS\t%REF\t%ALT\t%QUAL\t%FILTER\t[%GT]\t[%GQ]\t[%AD]\n' "$1" |
    awk -F'\t' -v OFS='\t' '{ sub(/HapNoise/, "PASS", $6); gsub(/\|/, "/", $7)
        if ($7 == "1/0") $7 = "0/1"; if ($7 == "2/1") $7 = "1/2"; print }'; }
cmp -s <(norm def.vcf) <(norm off.vcf) ||
    fail "(b) the check changed more than FILTER and phase: $(diff <(norm def.vcf) <(norm off.vcf) | head -3)"

# (c)
"$CALLA" haplotag -f sim/ref.fa -v def.vcf -o tagged.bam sim/reads.bam 2>log || fail "(c) haplotag: $(tail -1 log)"
samtools index tagged.bam || fail "(c) index"
bcftools query -f '%CHROM\t%POS\t%REF\t%ALT\t[%GT]\t%FILTER\n' def.vcf |
    awk -F'\t' '($5 == "0/1" || $5 == "0|1" || $5 == "1|0") && ($6 == "PASS" || $6 == "HapNoise") &&
        $4 !~ /,/ && length($3) != length($4)' >hets.txt
[[ $(wc -l <hets.txt) -ge 20 ]] || fail "(c) few het indel calls: $(wc -l <hets.txt)"
: >want.txt
while IFS=$'\t' read -r chr pos ref alt gt filt; do
    samtools view -q 1 -F 0xF04 tagged.bam "$chr:$pos-$pos" | awk -F'\t' -v pos="$pos" \
        -v rb="${ref:0:1}" -v d=$(( ${#alt} - ${#ref} )) '
    function lf(k,  s, i) { s = 0; for (i = 2; i <= k; i++) s += log(i); return s }
    function lh(x, r1, c1, n) { return lf(r1) - lf(x) - lf(r1 - x) + lf(n - r1) - lf(c1 - x) - lf(n - r1 - c1 + x) - lf(n) + lf(c1) + lf(n - c1) }
    {
        hp = 0; ps = 0
        for (i = 12; i <= NF; i++) { if ($i ~ /^HP:i:/) hp = substr($i, 6); if ($i ~ /^PS:i:/) ps = substr($i, 6) }
        if (hp != 1 && hp != 2) next
        rp = $4; qp = 1; c = $6; a = -1
        while (c != "") {
            match(c, /^[0-9]+/); len = substr(c, 1, RLENGTH) + 0; op = substr(c, RLENGTH + 1, 1)
            c = substr(c, RLENGTH + 2)
            if (op == "M" || op == "=" || op == "X") {
                if (pos >= rp && pos < rp + len) {
                    base = substr($10, qp + pos - rp, 1); ind = 0
                    if (pos == rp + len - 1 && c != "") {
                        match(c, /^[0-9]+/); l2 = substr(c, 1, RLENGTH) + 0; o2 = substr(c, RLENGTH + 1, 1)
                        if (o2 == "I") ind = l2; else if (o2 == "D") ind = -l2
                    }
                    if (base == rb && ind == 0) a = 0; else if (base == rb && ind == d) a = 1
                    break
                }
                rp += len; qp += len
            } else if (op == "D" || op == "N") { if (pos >= rp && pos < rp + len) break; rp += len }
            else if (op == "I" || op == "S") qp += len
            if (rp > pos) break
        }
        if (a < 0) next
        t[ps, hp, a]++; tot[ps]++; if (!(ps in seen)) { seen[ps] = 1; order[++nps] = ps }
    }
    END {
        best = ""; bn = -1
        for (j = 1; j <= nps; j++) { p = order[j]; if (tot[p] > bn || (tot[p] == bn && p + 0 < best + 0)) { bn = tot[p]; best = p } }
        if (bn < 10) exit
        A = t[best, 1, 0] + 0; B = t[best, 1, 1] + 0; C = t[best, 2, 0] + 0; D = t[best, 2, 1] + 0
        n = A + B + C + D; r1 = A + B; c1 = A + C
        if (r1 == 0 || r1 == n || c1 == 0 || c1 == n) exit   # one haplotype or one allele
        if (B + D >= 0.75 * n) exit                          # ALT >= 3/4: looks hom-alt
        {
            l0 = lh(A, r1, c1, n); pv = 0
            lo = c1 - (n - r1); if (lo < 0) lo = 0; hi = r1 < c1 ? r1 : c1
            for (x = lo; x <= hi; x++) { l = lh(x, r1, c1, n); if (l <= l0 + 1e-7) pv += exp(l) }
        }
        if (pv > 0.05) print "'"$chr"'\t" pos
    }' >>want.txt
done <hets.txt
sort -u want.txt >want.s
bcftools query -f '%CHROM\t%POS\n' -i 'FILTER="HapNoise"' def.vcf | sort -u >got.s
cmp -s want.s got.s || fail "(c) HapNoise records differ from the independent count: $(diff want.s got.s | head -4)"

# (d)
"$CALLA" call "${IN[@]}" --hap-p 2 -o x.vcf 2>err; [[ $? -eq 2 ]] && grep -q 'bad value "2" for --hap-p' err ||
    fail "(d) --hap-p 2: $(head -1 err)"
grep -q 'HapNoise' po.vcf && fail "(d) --pileup-only has HapNoise"
"$CALLA" call "${IN[@]}" --hap-p nan -o x.vcf 2>err; [[ $? -eq 2 ]] && grep -q 'bad value "nan" for --hap-p' err ||
    fail "(d) --hap-p nan: $(head -1 err)"

# (e)
c1=$(head -1 sim/ref.fa.fai | cut -f1)
awk -v c="$c1" 'BEGIN { for (b = 0; b + 800 <= 130000; b += 3000) print c "\t" b "\t" b + 800 }' >iv.bed
"$CALLA" call "${IN[@]}" -R iv.bed -o j.vcf 2>log || fail "(e) -R: $(tail -1 log)"
grep -q ' 1 chunk(s) over ' log || fail "(e) the regions are not one span: $(grep chunk log)"
"$CALLA" call "${IN[@]}" -r "$c1:1-$(tail -1 iv.bed | cut -f3)" -o jr.vcf 2>/dev/null || fail "(e) -r"
nops() { bcftools view -T iv.bed "$1" | bcftools annotate -x FORMAT/PS | bcftools view -H; }
[[ $(bcftools view -H j.vcf | wc -l) -ge 50 ]] || fail "(e) few records"
cmp -s <(nops j.vcf) <(nops jr.vcf) || fail "(e) -R joined differs from -r restricted: $(diff <(nops j.vcf) <(nops jr.vcf) | head -3)"
bcftools query -i 'FMT/PS!="."' -f '[%PS]\n' j.vcf | sort -u >ps.txt
bcftools query -f '%POS\n' j.vcf | sort -u >pos.txt
[[ -s ps.txt && -z $(comm -23 ps.txt pos.txt) ]] || fail "(e) PS values that are no record's POS: $(comm -23 ps.txt pos.txt | head -3)"
"$CALLA" call "${IN[@]}" -R iv.bed --join-gap 0 -o j0.vcf 2>/dev/null || fail "(e) --join-gap 0"
nj=$(bcftools view -H -f HapNoise j.vcf | wc -l); n0=$(bcftools view -H -f HapNoise j0.vcf | wc -l)
[[ $nj -ge 3 && $n0 -lt $nj ]] || fail "(e) HapNoise joined $nj, region by region $n0"
"$CALLA" call "${IN[@]}" -R iv.bed --hap-p 1 --join-gap 500 -o x.vcf 2>err || fail "(e) --hap-p 1 --join-gap"
grep -q 'join-gap has no effect here' err || fail "(e) no warning for --join-gap without phasing"
done_test
