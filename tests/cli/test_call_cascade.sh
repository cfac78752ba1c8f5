#!/usr/bin/env bash
# The pileup -> full-alignment cascade of `calla call` (calling/cascade.h, docs/calling.md "The
# cascade") on simulated HiFi reads (2 contigs, 200 kb, 6 chunks of 40 kb), with the shipped HiFi
# pileup model and an untrained clair3-fa model (the mechanics, not the accuracy):
# (a) --var-pct-full 0 --ref-pct-full 0 --no-phasing-for-fa --span-check 0 gives the records of
#     --pileup-only,
#     gVCF reference blocks included;
#     with phasing, the same records once GT phase and PS are removed;
# (b) the sites sent to the full-alignment model (--fa-sites) are those computed here in awk from
#     the pileup-only VCF (--ref-calls) by the documented rule: per 40-kb chunk, the QUAL of the
#     last of the lowest floor(0.3 n) variant calls (resp. reference calls), strictly below;
# (c) the model's outputs at those sites equal tests/tools/predict run on `calla tensors
#     --features clair3-fa --no-phasing` at the same sites (no phasing in both); (c2) with phasing,
#     the same from tensors of a BAM tagged chunk by chunk by `calla haplotag -r CHUNK`;
# (d) -@ 1 and -@ 2 give identical VCFs and site lists; 3 shards merged = the one-process records;
#     2 MPI ranks (when mpirun runs) = one process; --gvcf keeps the VCF and carries the same GT/PS; a shipped <platform>-fa model is picked up
#     (CALLA_MODELS) unless --pileup-only or -m names a file;
# (e) phased calls at true het sites agree with the simulated phase up to block orientation
#     (switch errors <= 1 over >= 40 compared pairs), and phased records carry PS;
# (f) bad inputs: a pileup model as --fa-model, an FA model as -m, an FA model of another platform,
#     --pileup-only with --fa-model; an FA model with other rows (warning) and far fewer rows than
#     the depth (4) runs; HP tags already in the BAM change nothing;
# (g) --device cuda through calla-cudaemu (the device code run on the host; docs/cuda.md): the
#     full-alignment model runs on the device too ("on the GPU" in the log), and the cascade with
#     the shipped hifi-fa model writes the CPU cascade's records (QUAL within 0.01, as
#     test_cuda_emu.sh's tolerance for the pileup model);
# (h) --fa-scope indel: SNP and reference decisions stay the pileup model's, so away from the
#     sites where either run wrote an indel the SNP records (unphased) are exactly --pileup-only's;
#     --fa-scope all (HiFi's default) changes some of them; a bad value is a usage error;
# (i) --fa-het-p: with 0 the untrained model promotes many pileup reference calls to het 1-2 bp
#     indels (>= 5 records); with 1 (any het below all-reads support goes) every one of them is
#     gone and the log's count equals that number of records; with the default 0.001 the records
#     it removes are a subset of those, each with P(X <= AD | Binomial(DP, 1/2)) < 0.001 (awk),
#     and no other record changes; a bad value is a usage error.
# (j) --join-gap: -R regions a few hundred bases apart on one contig are called as one span (one
#     chunk in the log, against one per region with --join-gap 0); with phasing only (pct 0) the
#     records are those of -r over the span restricted to the regions (bcftools -T), phase
#     included, and fewer phase sets than region by region; the gVCF covers the regions only: the
#     same blocks and records as --join-gap 0 once unphased; a bad value is a usage error.
# (k) --span-check (calling/spancheck.h): the simulated reads mixed with reads of the bare reference
#     (depth 6, names REFONLY_*), so that hom-alt indels show about one REF read in four. Against
#     --span-check 0, the records that change are 1/1 indel calls turned 0/1 with INFO/SPANCHK,
#     same ALT and QUAL, PL(0/1) 0 and GQ the lower other PL; at least 3 of them, each with at
#     least 5 REFONLY reads spanning 100 bases either side (samtools); every other record is the
#     same; the INFO header line only where the check runs; the check's count in the log; bad
#     values are usage errors; with --pileup-only a warning.
# (l) --span-check, second ALT: a 22.6-kb reference with eight tandem repeats (units of 2-4 bases,
#     six copies), reads of a genome hom-alt for one indel of two units at each (depth 30) mixed
#     with reads of one hom-alt for a one-unit indel of the same kind (depth 8): with the check,
#     each site is one record, 1/2 or 1/1, every ALT normalised (bcftools norm) a planted one;
#     at least 6 are 1/2, 2 more than without the check; each SPANCHK record was 1/1 with
#     --span-check 0 and has at least 5 reads (AD) for each ALT.
source "$(dirname "$0")/lib.sh"
usage_fail() {  # PATTERN cmd...: exit 2, the error line matches (then the --help pointer)
    local pat=$1 err; shift
    err=$("$@" 2>&1 >/dev/null); [[ $? -eq 2 ]] || fail "expected exit 2: $*"
    head -1 <<<"$err" | grep -Eq -- "$pat" || fail "error '$err' does not match /$pat/"
}
need bcftools
need samtools
need minimap2
[[ -x $CALLA_TOOLS/predict ]] || { fail "no $CALLA_TOOLS/predict (make builds it)"; done_test; }
cd "$TMP" || fail "cd"
"$CALLA" simulate -o sim --genome-size 200k --platform hifi --depth 20 --snp-rate 0.002 \
    --indel-rate 0.0003 --seed 11 2>log || { fail "simulate: $(tail -1 log)"; done_test; }
"$CALLA" model create --arch clair3-fa --platform hifi --seed 1 -o fa.st 2>/dev/null || fail "create"
CH=40000
IN=(-b sim/reads.bam -f sim/ref.fa --platform hifi --chunk-size $CH --quiet)
"$CALLA" call "${IN[@]}" --pileup-only -o po.vcf 2>log || { fail "pileup-only: $(cat log)"; done_test; }
"$CALLA" call "${IN[@]}" --pileup-only --ref-calls -o poref.vcf 2>log || fail "pileup-only --ref-calls"
# a models folder holding the HiFi pileup model only (no hifi-fa): no cascade
mkdir -p pmdl && cp "$CALLA_ROOT/models/hifi.safetensors" pmdl/
CALLA_MODELS=$TMP/pmdl "$CALLA" call "${IN[@]}" -o auto.vcf 2>log || fail "no FA model"
cmp -s <(grep -v '^##calla_command\|^##calla_model' po.vcf) \
    <(grep -v '^##calla_command\|^##calla_model' auto.vcf) ||
    fail "without an FA model the output is not the pileup-only output"
grep -q '^##calla_model=.*full-alignment' auto.vcf && fail "no FA model, but the header names one"
# with the shipped models folder (models/hifi-fa.safetensors exists) the cascade runs by default
if [[ -f $CALLA_ROOT/models/hifi-fa.safetensors ]]; then
    "$CALLA" call "${IN[@]}" -o def.vcf 2>log || fail "default models: $(cat log)"
    grep -q '^##calla_model=.*full-alignment model file=.*hifi-fa.safetensors' def.vcf ||
        fail "the shipped hifi-fa model is not used by default"
fi
grep -q 'ID=PS' po.vcf && fail "pileup-only header has PS"

# (a)
"$CALLA" call "${IN[@]}" --fa-model fa.st --var-pct-full 0 --ref-pct-full 0 --no-phasing-for-fa \
    --span-check 0 -o a0.vcf --gvcf a0.g.vcf.gz 2>log || fail "pct 0: $(cat log)"
cmp -s <(bcftools view -H po.vcf) <(bcftools view -H a0.vcf) || fail "(a) pct 0 records differ from --pileup-only"
# ... and so does its gVCF (reference blocks included: the cascade reads 32 more reference bases
# before each chunk, which the reference-confidence blocks once took as the chunk's own)
"$CALLA" call "${IN[@]}" --pileup-only -o po2.vcf --gvcf po.g.vcf.gz 2>log || fail "pileup-only --gvcf"
[[ $(bcftools view -H po.g.vcf.gz | grep -c '<\*>') -gt 100 ]] || fail "(a) few gVCF blocks"
cmp -s <(bcftools view -H po.g.vcf.gz) <(bcftools view -H a0.g.vcf.gz) ||
    fail "(a) pct 0 gVCF differs from --pileup-only's: $(diff <(bcftools view -H po.g.vcf.gz) <(bcftools view -H a0.g.vcf.gz) | head -3)"
"$CALLA" call "${IN[@]}" --fa-model fa.st --var-pct-full 0 --ref-pct-full 0 --span-check 0 -o a1.vcf \
    2>log || fail "pct 0 phased"
unphase() { bcftools annotate -x FORMAT/PS "$1" | bcftools view -H | sed 's/\([0-9]\)|\([0-9]\)/\1\/\2/' \
    | awk -F'\t' -v OFS='\t' '{ split($10, v, ":"); if (v[1] == "1/0") sub(/^1\/0/, "0/1", $10); print }'; }
cmp -s <(bcftools view -H po.vcf) <(unphase a1.vcf) || fail "(a) phased pct 0 records differ once unphased"
grep -q '^##FORMAT=<ID=PS' a1.vcf || fail "no PS header line"

# (b)
"$CALLA" call "${IN[@]}" --fa-model fa.st --fa-sites sites.txt -o fa.vcf 2>log || { fail "cascade: $(cat log)"; done_test; }
bcftools query -f '%CHROM\t%POS\t%QUAL\t%FILTER\n' poref.vcf | awk -F'\t' -v c=$CH '
    { k = $1 ":" int(($2 - 1) / c); t = ($4 == "RefCall") ? "r" : "v"; n[k t]++; q[k t, n[k t]] = $3 + 0
      key[NR] = k; typ[NR] = t; line[NR] = $1 "\t" $2; qual[NR] = $3 + 0; keys[k] = 1 }
    END { for (k in keys) for (ti = 0; ti < 2; ti++) { t = ti ? "r" : "v"; m = n[k t] + 0
              for (i = 1; i <= m; i++) a[i] = q[k t, i]
              for (i = 2; i <= m; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
              kk = int(0.3 * m + 1e-9); cut[k t] = kk > 0 ? a[kk] : 0 }
          for (i = 1; i <= NR; i++) if (qual[i] < cut[key[i] typ[i]]) print line[i] }' | sort >want.sites
grep -v '^#' sites.txt | cut -f1,2 | sort >got.sites
n_sites=$(wc -l <want.sites)
[[ $n_sites -ge 30 ]] || fail "(b) only $n_sites sites expected"
cmp -s want.sites got.sites || fail "(b) FA sites differ from the rule: $(diff want.sites got.sites | head -5)"
# every site's record (when one is written) is the full-alignment model's (INFO/F)
bcftools query -i 'INFO/F=1' -f '%CHROM\t%POS\n' fa.vcf | sort >f.pos
[[ -z $(comm -23 f.pos got.sites) ]] || fail "(b) records marked F outside the FA sites"
[[ -s f.pos ]] || fail "(b) no record from the full-alignment model"

# (c) the model's outputs at the sites: the caller's batched inference vs tensors + predict
"$CALLA" call "${IN[@]}" --fa-model fa.st --no-phasing-for-fa --fa-sites sites0.txt -o c.vcf 2>log || fail "(c) call"
grep -v '^#' sites0.txt | awk -F'\t' '{ print $1 "\t" $2 - 1 "\t" $2 }' >sites0.bed
"$CALLA" tensors -b sim/reads.bam -f sim/ref.fa --platform hifi --features clair3-fa --no-phasing \
    --chunk-size $CH -R sites0.bed -o t.ctf 2>log || fail "(c) tensors: $(cat log)"
"$CALLA_TOOLS/predict" fa.st t.ctf >pred.txt || fail "(c) predict"
join -t $'\t' <(grep -v '^#' sites0.txt | awk -F'\t' '{ print $1 ":" $2 "\t" $11 }' | sort) \
    <(awk -F'\t' '{ print $1 ":" $2 "\t" $3 }' pred.txt | sort) | awk -F'\t' '
    { n++; split($2, a, ","); split($3, b, ","); if (length(a) != 90 || length(b) != 90) bad++
      for (i = 1; i <= 90; i++) { d = a[i] - b[i]; if (d < 0) d = -d; if (d > 1e-4 + 1e-4 * b[i]) { bad++; break } } }
    END { print n + 0, bad + 0 }' >cmp.txt
read -r n_c bad_c <cmp.txt
[[ $n_c -eq $(grep -vc '^#' sites0.txt) && $n_c -ge 30 ]] || fail "(c) compared $n_c of $(grep -vc '^#' sites0.txt) sites"
[[ $bad_c -eq 0 ]] || fail "(c) $bad_c sites whose outputs differ from tensors + predict"

# (c2) with phasing: the cascade phases each chunk from the chunk's pileup het SNPs, so tagging each
# chunk alone with `calla haplotag -r CHUNK -v pileup.vcf` (same library, same defaults) and making
# the tensors from those HP tags must give the same model outputs
awk -v c=$CH '{ for (b = 0; b < $2; b += c) { e = b + c; if (e > $2) e = $2; print $1 "\t" b "\t" e } }' \
    sim/ref.fa.fai >chunks.bed
grep -v '^#' sites.txt | awk -F'\t' '{ print $1 "\t" $2 - 1 "\t" $2 }' >sites.bed
: >predp.txt
while read -r ctg b e; do
    awk -v c="$ctg" -v b="$b" -v e="$e" '$1 == c && $2 >= b && $2 < e' sites.bed >k.bed
    [[ -s k.bed ]] || continue
    "$CALLA" haplotag -f sim/ref.fa -v po.vcf -r "$ctg:$((b + 1))-$e" -o hk.bam --write-index \
        --quiet sim/reads.bam 2>log || fail "(c2) haplotag $ctg:$b: $(cat log)"
    "$CALLA" tensors -b hk.bam -f sim/ref.fa --platform hifi --features clair3-fa --chunk-size $CH \
        -R k.bed -o tk.ctf 2>log || fail "(c2) tensors $ctg:$b: $(cat log)"
    "$CALLA_TOOLS/predict" fa.st tk.ctf >>predp.txt || fail "(c2) predict"
done <chunks.bed
join -t $'\t' <(grep -v '^#' sites.txt | awk -F'\t' '{ print $1 ":" $2 "\t" $11 }' | sort) \
    <(awk -F'\t' '{ print $1 ":" $2 "\t" $3 }' predp.txt | sort) | awk -F'\t' '
    { n++; split($2, a, ","); split($3, b, ",")
      for (i = 1; i <= 90; i++) { d = a[i] - b[i]; if (d < 0) d = -d; if (d > 1e-4 + 1e-4 * b[i]) { bad++; break } } }
    END { print n + 0, bad + 0 }' >cmp2.txt
read -r n_c2 bad_c2 <cmp2.txt
[[ $n_c2 -eq $(grep -vc '^#' sites.txt) ]] || fail "(c2) compared $n_c2 of $(grep -vc '^#' sites.txt) sites"
[[ $bad_c2 -eq 0 ]] || fail "(c2) $bad_c2 phased sites whose outputs differ from haplotag + tensors + predict"

# (d) threads and shards
"$CALLA" call "${IN[@]}" --fa-model fa.st --fa-sites sites2.txt -@ 2 -o fa2.vcf 2>log || fail "-@ 2"
cmp -s <(grep -v '^##calla_command' fa.vcf) <(grep -v '^##calla_command' fa2.vcf) || fail "(d) -@ 2 VCF differs"
cmp -s sites.txt sites2.txt || fail "(d) -@ 2 site list differs"
for i in 1 2 3; do
    "$CALLA" call "${IN[@]}" --fa-model fa.st --shard $i/3 -o s$i.vcf.gz 2>log || fail "shard $i: $(cat log)"
done
"$CALLA" merge-shards -o merged.vcf.gz s1.vcf.gz s2.vcf.gz s3.vcf.gz 2>log || fail "merge: $(cat log)"
cmp -s <(bcftools view -H fa.vcf) <(bcftools view -H merged.vcf.gz) || fail "(d) 3 shards merged differ"

# MPI ranks (when mpirun works here): the same records
if command -v mpirun >/dev/null 2>&1 && mpirun --oversubscribe --allow-run-as-root -np 2 true >/dev/null 2>&1; then
    mpirun --oversubscribe --allow-run-as-root -np 2 "$CALLA" call "${IN[@]}" --fa-model fa.st \
        -o mpi.vcf 2>log || fail "mpirun -np 2: $(tail -2 log)"
    cmp -s <(bcftools view -H fa.vcf) <(bcftools view -H mpi.vcf) || fail "(d) 2 MPI ranks differ"
fi

# gVCF: its variant records carry the same phase as the VCF's
"$CALLA" call "${IN[@]}" --fa-model fa.st --gvcf g.g.vcf.gz -o gv.vcf 2>log || fail "gvcf: $(cat log)"
cmp -s <(bcftools view -H fa.vcf) <(bcftools view -H gv.vcf) || fail "--gvcf changed the VCF"
cmp -s <(bcftools query -i 'FMT/PS!="."' -f '%CHROM %POS [%GT %PS]\n' fa.vcf) \
    <(bcftools query -i 'FMT/PS!="."' -f '%CHROM %POS [%GT %PS]\n' g.g.vcf.gz) || fail "gVCF phase differs"

# the shipped full-alignment model of the platform is used when the pileup model is shipped
mkdir -p mdl && cp "$CALLA_ROOT/models/hifi.safetensors" mdl/ && cp fa.st mdl/hifi-fa.safetensors
CALLA_MODELS=$TMP/mdl "$CALLA" call "${IN[@]}" -o ship.vcf 2>log || fail "shipped FA: $(cat log)"
cmp -s <(bcftools view -H fa.vcf) <(bcftools view -H ship.vcf) || fail "shipped FA model not used"
grep -q '^##calla_model=.*full-alignment model file=.*hifi-fa.safetensors' ship.vcf || fail "header: no FA model"
CALLA_MODELS=$TMP/mdl "$CALLA" call "${IN[@]}" --pileup-only -o ship0.vcf 2>log || fail "shipped --pileup-only"
cmp -s <(bcftools view -H po.vcf) <(bcftools view -H ship0.vcf) || fail "--pileup-only used the shipped FA model"
CALLA_MODELS=$TMP/mdl "$CALLA" call -b sim/reads.bam -f sim/ref.fa -m mdl/hifi.safetensors \
    --chunk-size $CH --quiet -o path.vcf 2>log || fail "-m path"
cmp -s <(bcftools view -H po.vcf) <(bcftools view -H path.vcf) || fail "-m FILE picked up a shipped FA model"

# (e) phase against the simulated truth (phased), at het SNPs and indels called with the truth alleles
bcftools query -i 'GT="het"' -f '%CHROM\t%POS\t%REF\t%ALT\t[%GT]\n' sim/truth.vcf.gz | sort >truth.het
bcftools query -i 'FMT/PS!="."' -f '%CHROM\t%POS\t%REF\t%ALT\t[%GT\t%PS]\n' a1.vcf | sort >called.ph
[[ -s called.ph ]] || fail "(e) no phased record"
join -t $'\t' <(awk -F'\t' -v OFS='\t' '{ print $1 ":" $2 ":" $3 ":" $4, $5 }' truth.het) \
    <(awk -F'\t' -v OFS='\t' '{ print $1 ":" $2 ":" $3 ":" $4, $5, $6 }' called.ph) \
    | sort -t: -k1,1 -k2,2n | awk -F'\t' '
    { split($1, k, ":"); o = ($2 == $3) ? 1 : 0; b = k[1] ":" $4
      if (b == pb) { n++; if (o != po) sw++ }; pb = b; po = o; m++ }
    END { print m + 0, n + 0, sw + 0 }' >phase.txt
read -r n_ph n_pairs n_sw <phase.txt
[[ $n_ph -ge 60 && $n_pairs -ge 40 ]] || fail "(e) only $n_ph phased truth hets ($n_pairs pairs)"
[[ $n_sw -le 1 ]] || fail "(e) $n_sw switch errors over $n_pairs pairs"
echo "phased truth hets $n_ph, pairs $n_pairs, switch errors $n_sw"

# (f) bad inputs
expect_fail 1 'fa-model .* is a clair3-pileup model, not a full-alignment' \
    "$CALLA" call "${IN[@]}" --fa-model "$CALLA_ROOT/models/hifi.safetensors" -o x.vcf
expect_fail 1 'is a clair3-fa \(full-alignment\) model: give it with --fa-model' \
    "$CALLA" call "${IN[@]}" -m fa.st -o x.vcf
"$CALLA" model create --arch clair3-fa --platform ont --rows 89 -o fa_ont.st 2>/dev/null || fail "create ont"
expect_fail 1 'full-alignment model .* is for platform "ont"' "$CALLA" call "${IN[@]}" --fa-model fa_ont.st -o x.vcf
usage_fail 'pileup-only and --fa-model' "$CALLA" call "${IN[@]}" --pileup-only --fa-model fa.st -o x.vcf
expect_fail 2 'fa-sites needs the cascade' "$CALLA" call "${IN[@]}" --pileup-only --fa-sites s.txt -o x.vcf
usage_fail 'bad value "1.5" for --var-pct-full' "$CALLA" call "${IN[@]}" --fa-model fa.st --var-pct-full 1.5 -o x.vcf
[[ ! -e x.vcf && ! -e s.txt ]] || fail "a refused call left output"
"$CALLA" model create --arch clair3-fa --platform hifi --rows 4 -o fa4.st 2>/dev/null || fail "create rows 4"
"$CALLA" call -b sim/reads.bam -f sim/ref.fa --platform hifi --chunk-size $CH --fa-model fa4.st \
    -o r4.vcf 2>log || fail "rows 4: $(cat log)"
grep -q 'takes 4 read rows, Clair3.s hifi depth is 55' log || fail "no rows warning: $(cat log)"
bcftools view -H r4.vcf >/dev/null || fail "rows 4 VCF unreadable"
# reads already tagged HP/PS (by calla haplotag from the truth): the cascade recomputes them
"$CALLA" haplotag -f sim/ref.fa -v sim/truth.vcf.gz -o tagged.bam --write-index sim/reads.bam 2>log \
    || fail "haplotag: $(cat log)"
[[ $(samtools view tagged.bam | grep -c 'HP:i:') -gt 100 ]] || fail "haplotag tagged few reads"
"$CALLA" call -b tagged.bam -f sim/ref.fa --platform hifi --chunk-size $CH --quiet --fa-model fa.st \
    -o tag.vcf 2>log || fail "tagged: $(cat log)"
cmp -s <(bcftools view -H fa.vcf) <(bcftools view -H tag.vcf) || fail "(f) HP tags in the BAM changed the calls"
# (h)
"$CALLA" call "${IN[@]}" --fa-model fa.st --fa-scope indel -o sc.vcf 2>log || fail "(h) --fa-scope indel: $(cat log)"
indel_pos() { bcftools view -H "$1" | awk -F'\t' '{ n = split($5, a, ","); for (i = 1; i <= n; i++)
    if (length(a[i]) != length($4)) { print $1 ":" $2; next } }'; }
snps() {  # SNP records of $1, unphased, away from the indel sites of $1 and $2
    unphase "$1" | awk -F'\t' -v OFS='\t' 'NR == FNR { x[$1]; next } !(($1 ":" $2) in x) &&
        length($4) == 1 && length($5) == 1 { split($10, g, ":"); print $1, $2, $4, $5, $7, g[1] }' \
        <(indel_pos "$1"; indel_pos "$2") -
}
[[ $(snps po.vcf sc.vcf | wc -l) -ge 100 ]] || fail "(h) too few SNP records: $(snps po.vcf sc.vcf | wc -l)"
cmp -s <(snps po.vcf sc.vcf) <(snps sc.vcf po.vcf) ||
    fail "(h) --fa-scope indel changed SNP records: $(diff <(snps po.vcf sc.vcf) <(snps sc.vcf po.vcf) | head -3)"
cmp -s <(snps po.vcf fa.vcf) <(snps fa.vcf po.vcf) &&
    fail "(h) the untrained model changed no SNP record with scope all: (h) proves nothing"
[[ $(unphase sc.vcf | wc -l) -gt 0 ]] || fail "(h) empty"
usage_fail 'bad value "snp" for --fa-scope' "$CALLA" call "${IN[@]}" --fa-model fa.st --fa-scope snp -o x.vcf
# (i)
het_count() { sed -n 's/.* \([0-9]*\) het indel calls over reference calls turned down.*/\1/p' "$1"; }
# F-flagged het records REF/ALT with a 1-2 bp indel ALT at a pileup reference call (poref.vcf)
promoted() {  # keyed by CHROM:POS (the simulation has two contigs)
    bcftools query -f '%CHROM:%POS\n' -i 'FILTER="RefCall"' poref.vcf | sort -u >ref.pos
    bcftools query -i 'INFO/F=1 && GT="het"' -f '%CHROM:%POS\t%REF\t%ALT\t[%AD]\t[%DP]\n' "$1" |
        awk -F'\t' 'NR == FNR { r[$1] = 1; next }
            { d = length($3) - length($2); if (d < 0) d = -d }
            ($1 in r) && $3 !~ /,/ && d >= 1 && d <= 2' ref.pos -
}
INL=(-b sim/reads.bam -f sim/ref.fa --platform hifi --chunk-size $CH)  # not --quiet: the counts
for p in 0 1; do
    "$CALLA" call "${INL[@]}" --fa-model fa.st --fa-het-p $p -o het$p.vcf 2>het$p.log ||
        fail "(i) --fa-het-p $p: $(tail -1 het$p.log)"
done
promoted het0.vcf >prom0.txt; promoted het1.vcf >prom1.txt; promoted fa.vcf >promd.txt
[[ $(wc -l <prom0.txt) -ge 5 ]] || fail "(i) too few promotions to test: $(wc -l <prom0.txt)"
[[ $(het_count het0.log) == 0 ]] || fail "(i) --fa-het-p 0 turned calls down: $(grep cascade: het0.log)"
[[ -s prom1.txt ]] && fail "(i) --fa-het-p 1 left promotions: $(head -2 prom1.txt)"
[[ $(het_count het1.log) == $(wc -l <prom0.txt) ]] ||
    fail "(i) --fa-het-p 1: log count $(het_count het1.log), records gone $(wc -l <prom0.txt)"
gone=$(comm -23 <(bcftools view -H het0.vcf | sort) <(bcftools view -H fa.vcf | sort) |
    awk -F'\t' '{ print $1 ":" $2 }' | sort)
[[ -n $gone ]] || fail "(i) the default rule removed nothing: (i) proves little"
"$CALLA" call "${INL[@]}" --fa-model fa.st --fa-het-p 0.001 -o hetd.vcf 2>hetd.log || fail "(i) 0.001"
cmp -s <(bcftools view -H fa.vcf) <(bcftools view -H hetd.vcf) || fail "(i) the default is not 0.001"
[[ $(het_count hetd.log) == $(wc -l <<<"$gone") ]] ||
    fail "(i) 0.001: log count $(het_count hetd.log), records gone $(wc -l <<<"$gone")"
comm -13 <(bcftools view -H het0.vcf | sort) <(bcftools view -H fa.vcf | sort) | grep -q . &&
    fail "(i) the default rule added or changed records"
comm -23 <(echo "$gone") <(cut -f1 prom0.txt | sort) | grep -q . &&
    fail "(i) the default rule removed records that are not promotions"
awk -F'\t' 'NR == FNR { g[$1] = 1; next } ($1 in g) { split($4, a, ","); k = a[2]; n = $5
        lt = -n * log(2); s = 0
        for (i = 0; i <= k; i++) { s += exp(lt); lt += log((n - i) / (i + 1)) }
        if (s >= 0.001) { print; bad = 1 } } END { exit bad }' <(echo "$gone") prom0.txt >bad.txt ||
    fail "(i) removed although AD fits a het: $(head -2 bad.txt)"
# --fa-sites names the call kept: pileup:het-p at exactly the sites the rule emptied (fa.vcf was
# called with --fa-sites sites.txt and the default rule)
[[ $(awk -F'\t' '!/^#/ && $12 == "pileup:het-p"' sites.txt | wc -l) == $(wc -l <<<"$gone") ]] ||
    fail "(i) --fa-sites: $(awk -F'\t' '!/^#/ && $12 == "pileup:het-p"' sites.txt | wc -l) pileup:het-p rows, $(wc -l <<<"$gone") records gone"
cmp -s <(awk -F'\t' '!/^#/ && $12 == "pileup:het-p" { print $1 ":" $2 }' sites.txt | sort) <(echo "$gone") ||
    fail "(i) --fa-sites pileup:het-p rows are not the records the rule removed"
awk -F'\t' '!/^#/ && $12 !~ /^(fa|pileup:het-p|pileup:scope)$/ { bad = 1 } END { exit bad }' sites.txt ||
    fail "(i) --fa-sites: a row without a kept column"
usage_fail 'bad value "2" for --fa-het-p' "$CALLA" call "${IN[@]}" --fa-model fa.st --fa-het-p 2 -o x.vcf
usage_fail 'bad value "nan" for --fa-het-p' "$CALLA" call "${IN[@]}" --fa-model fa.st --fa-het-p nan -o x.vcf
# (j) joined regions
c1=$(head -1 sim/ref.fa.fai | cut -f1)
printf '%s\t0\t9000\n%s\t9300\t21000\n%s\t21150\t40000\n' "$c1" "$c1" "$c1" >iv.bed
J=(-b sim/reads.bam -f sim/ref.fa --platform hifi --chunk-size $CH --fa-model fa.st --var-pct-full 0 --ref-pct-full 0)
"$CALLA" call "${J[@]}" -R iv.bed -o j.vcf --gvcf j.g.vcf.gz 2>log || fail "(j) -R: $(tail -1 log)"
grep -q ' 1 chunk(s) over 39550 positions' log || fail "(j) not one span: $(grep chunk log)"
"$CALLA" call "${J[@]}" -R iv.bed --join-gap 0 -o j0.vcf --gvcf j0.g.vcf.gz 2>log || fail "(j) --join-gap 0"
grep -q ' 3 chunk(s) over 39550 positions' log || fail "(j) --join-gap 0: $(grep chunk log)"
"$CALLA" call "${J[@]}" -r "$c1:1-40000" -o jr.vcf 2>log || fail "(j) -r: $(tail -1 log)"
[[ $(bcftools view -H j.vcf | wc -l) -ge 40 ]] || fail "(j) few records"
cmp -s <(bcftools view -H j.vcf) <(bcftools view -H -T iv.bed jr.vcf) ||
    fail "(j) -R joined differs from -r restricted: $(diff <(bcftools view -H j.vcf) <(bcftools view -H -T iv.bed jr.vcf) | head -3)"
nps() { bcftools query -i 'FMT/PS!="."' -f '[%PS]\n' "$1" | sort -u | wc -l; }
[[ $(nps j.vcf) -ge 1 && $(nps j.vcf) -lt $(nps j0.vcf) ]] ||
    fail "(j) phase sets joined $(nps j.vcf), region by region $(nps j0.vcf)"
cmp -s <(unphase j.vcf) <(unphase j0.vcf) || fail "(j) the records differ beyond phase"
[[ $(bcftools view -H j.g.vcf.gz | grep -c '<\*>') -gt 10 ]] || fail "(j) few gVCF blocks"
cmp -s <(unphase j.g.vcf.gz) <(unphase j0.g.vcf.gz) ||
    fail "(j) gVCF differs from --join-gap 0's: $(diff <(unphase j.g.vcf.gz) <(unphase j0.g.vcf.gz) | head -3)"
bcftools query -f '%POS\n' j.g.vcf.gz | awk '($1 > 9000 && $1 <= 9300) || ($1 > 21000 && $1 <= 21150) || $1 > 40000' |
    grep -q . && fail "(j) gVCF records in the gaps"
usage_fail 'bad integer "-5"' "$CALLA" call "${J[@]}" --join-gap -5 -o x.vcf
# (k) the span check
"$CALLA" simulate -o bare -f sim/ref.fa --platform hifi --depth 6 --snp-rate 0 --indel-rate 0 \
    --seed 12 2>log || fail "(k) simulate: $(tail -1 log)"
samtools view -h bare/reads.bam | awk -F'\t' -v OFS='\t' '!/^@/ { $1 = "REFONLY_" $1 } { print }' |
    samtools view -b -o bare2.bam - && samtools merge -f -o mix.bam sim/reads.bam bare2.bam &&
    samtools index mix.bam || fail "(k) mix"
K=(-b mix.bam -f sim/ref.fa --platform hifi --chunk-size $CH --fa-model fa.st --var-pct-full 0 --ref-pct-full 0)
"$CALLA" call "${K[@]}" -o k1.vcf 2>log || fail "(k) default: $(tail -1 log)"
nk=$(grep -o 'span check: [0-9]* indel' log | grep -o '[0-9]*')
"$CALLA" call "${K[@]}" --span-check 0 -o k0.vcf 2>log || fail "(k) off: $(tail -1 log)"
grep -q 'span check' log && fail "(k) --span-check 0 still reports the check"
grep -q '^##INFO=<ID=SPANCHK' k1.vcf || fail "(k) no SPANCHK header line"
grep -q '^##INFO=<ID=SPANCHK' k0.vcf && fail "(k) SPANCHK header line with --span-check 0"
grep -q '^##INFO=<ID=SPANCHK' po.vcf && fail "(k) SPANCHK header line with --pileup-only"
kq='%CHROM\t%POS\t%REF\t%ALT\t%QUAL\t%FILTER\t[%GT]\t[%GQ]\t[%PL]\t%INFO/SPANCHK\n'
bcftools query -f "$kq" k1.vcf | sed 's/|/\//' | sed 's/\t1\/0\t/\t0\/1\t/' >k1.txt
bcftools query -f "${kq%%\\t%INFO/SPANCHK*}\n" k0.vcf >k0.txt  # no SPANCHK header line there
awk -F'\t' '$10 == 1' k1.txt >flip.txt
[[ $(wc -l <flip.txt) -ge 3 && $(wc -l <flip.txt) -eq ${nk:--1} ]] ||
    fail "(k) $(wc -l <flip.txt) SPANCHK records, the log says ${nk:-nothing}"
while IFS=$'\t' read -r c p r a q f g gq pl h; do
    was=$(awk -F'\t' -v c="$c" -v p="$p" '$1 == c && $2 == p' k0.txt)
    [[ $(cut -f3-7 <<<"$was") == "$r"$'\t'"$a"$'\t'"$q"$'\t'"$f"$'\t1/1' ]] ||
        fail "(k) $c:$p was not the same 1/1 call: '$was'"
    [[ $g == 0/1 && ${#r} != "${#a}" ]] || fail "(k) $c:$p: GT $g, $r>$a"
    IFS=, read -r p0 p1 p2 <<<"$pl"
    lo=$((p0 < p2 ? p0 : p2)); [[ $lo -gt 99 ]] && lo=99
    [[ $p1 == 0 && $gq == "$lo" ]] || fail "(k) $c:$p: PL $pl GQ $gq"
    n=$(samtools view -c -e "qname =~ \"^REFONLY_\" && pos <= $((p - 100)) && endpos >= $((p + 100))" \
        mix.bam "$c:$p-$p")
    [[ $n -ge 5 ]] || fail "(k) $c:$p: only $n REF-only reads span it"
done <flip.txt
cmp -s <(awk -F'\t' '$10 != 1' k1.txt | cut -f1-9) <(awk -F'\t' 'NR == FNR { f[$1 FS $2] = 1; next }
    !f[$1 FS $2]' flip.txt k0.txt | cut -f1-9 | sed 's/|/\//' | sed 's/\t1\/0\t/\t0\/1\t/') ||
    fail "(k) records other than the SPANCHK ones differ"
usage_fail 'bad value "1.5" for --span-check' "$CALLA" call "${K[@]}" --span-check 1.5 -o x.vcf
usage_fail 'bad value "0" for --span-check-min' "$CALLA" call "${K[@]}" --span-check-min 0 -o x.vcf
"$CALLA" call "${IN[@]}" --pileup-only --span-check 0.3 -r "$c1:1-2000" -o x.vcf 2>log ||
    fail "(k) --pileup-only --span-check"
grep -q 'span-check has no effect' log || fail "(k) no warning with --pileup-only"
# (l) a second ALT
awk 'BEGIN { srand(7); b = "ACGT"; s = ""; split("TG AAC TTAG CA GAT ACTG TC AGG", u, " ")
    for (k = 1; k <= 8; k++) {
        for (i = 0; i < 2500; i++) s = s substr(b, int(rand() * 4) + 1, 1)
        at[k] = length(s)
        for (i = 0; i < 6; i++) s = s u[k]
    }
    for (i = 0; i < 2500; i++) s = s substr(b, int(rand() * 4) + 1, 1)
    print ">t"; for (i = 1; i <= length(s); i += 60) print substr(s, i, 60)
    for (k = 1; k <= 8; k++) printf "%d\t%s\t%s\n", at[k], substr(s, at[k], 1), u[k] > "sites.txt" }' >rr.fa &&
    samtools faidx rr.fa || fail "(l) reference"
for n in 2 1; do  # odd sites: n units inserted; even sites: n units deleted
    { printf '##fileformat=VCFv4.2\n##contig=<ID=t,length=%s>\n' "$(cut -f2 rr.fa.fai)"
      printf '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
      printf '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS\n'
      awk -v n=$n '{ d = ""; for (i = 0; i < n; i++) d = d $3
          if (NR % 2) printf "t\t%d\t.\t%s\t%s\t.\tPASS\t.\tGT\t1|1\n", $1, $2, $2 d
          else printf "t\t%d\t.\t%s\t%s\t.\tPASS\t.\tGT\t1|1\n", $1, $2 d, $2 }' sites.txt
    } | bgzip >u$n.vcf.gz && tabix -f u$n.vcf.gz || fail "(l) truth $n"
done
"$CALLA" simulate -o su2 -f rr.fa --truth u2.vcf.gz --platform hifi --depth 30 --seed 3 2>log &&
    "$CALLA" simulate -o su1 -f rr.fa --truth u1.vcf.gz --platform hifi --depth 8 --seed 4 2>log &&
    samtools merge -f -o mu.bam su2/reads.bam su1/reads.bam && samtools index mu.bam ||
    fail "(l) simulate: $(tail -1 log)"
L=(-b mu.bam -f rr.fa --platform hifi --fa-model fa.st --var-pct-full 0 --ref-pct-full 0)
"$CALLA" call "${L[@]}" -o l1.vcf 2>log || fail "(l) call: $(tail -1 log)"
"$CALLA" call "${L[@]}" --span-check 0 -o l0.vcf 2>log || fail "(l) call --span-check 0"
n12() { bcftools view -H -i 'GT="1/2"' "$1" | wc -l; }
[[ $(bcftools view -H l1.vcf | wc -l) -eq 8 && $(bcftools view -H -i 'GT="1/2" || GT="1/1"' l1.vcf | wc -l) -eq 8 ]] ||
    fail "(l) not eight 1/2 or 1/1 records: $(bcftools query -f '%POS %REF %ALT [%GT]\n' l1.vcf | tr '\n' ';')"
[[ $(n12 l1.vcf) -ge 6 && $(n12 l1.vcf) -ge $(($(n12 l0.vcf) + 2)) ]] ||
    fail "(l) 1/2 records: $(n12 l1.vcf) with the check, $(n12 l0.vcf) without"
norm() { bcftools norm -f rr.fa -m- "$1" 2>/dev/null | bcftools query -f '%POS %REF %ALT\n' | sort; }
[[ -z $(comm -23 <(norm l1.vcf) <(sort <(norm u1.vcf.gz) <(norm u2.vcf.gz))) ]] ||
    fail "(l) ALTs not planted: $(comm -23 <(norm l1.vcf) <(sort <(norm u1.vcf.gz) <(norm u2.vcf.gz)) | tr '\n' ';')"
nl=0
while read -r p ad; do
    nl=$((nl + 1))
    [[ $(bcftools query -f '%POS [%GT]\n' l0.vcf | awk -v p="$p" '$1 == p { print $2 }') == 1/1 ]] ||
        fail "(l) t:$p was not 1/1 without the check"
    IFS=, read -r a0 a1 a2 <<<"$ad"
    [[ $a1 -ge 5 && $a2 -ge 5 ]] || fail "(l) t:$p: AD $ad"
done < <(bcftools query -i 'INFO/SPANCHK=1' -f '%POS [%AD]\n' l1.vcf)
[[ $nl -ge 2 ]] || fail "(l) only $nl SPANCHK records"
# (g)
EMU=$CALLA_TOOLS/calla-cudaemu
if [[ -x $EMU && -f $CALLA_ROOT/models/hifi-fa.safetensors && -s def.vcf ]]; then
    CALLA_MODELS=$CALLA_ROOT/models "$EMU" call -b sim/reads.bam -f sim/ref.fa --platform hifi \
        --chunk-size $CH --device cuda -o dev.vcf 2>log || fail "(g) --device cuda: $(tail -n 2 log)"
    grep -q 'cascade: full-alignment model .*on the GPU' log || fail "(g) the FA model not on the device: $(cat log)"
    q='%CHROM\t%POS\t%REF\t%ALT\t%FILTER\t[%GT]\t[%PS]\t%INFO/F\t%QUAL\n'
    bcftools query -f "$q" def.vcf >def.txt && bcftools query -f "$q" dev.vcf >dev.txt || fail "(g) query"
    [[ $(wc -l <def.txt) -ge 100 && $(grep -c $'\t1\t[0-9.]*$' def.txt) -ge 10 ]] ||
        fail "(g) too few records or FA calls to compare: $(wc -l <def.txt)"
    cmp -s <(cut -f1-8 def.txt) <(cut -f1-8 dev.txt) ||
        fail "(g) device cascade records differ: $(diff <(cut -f1-8 def.txt) <(cut -f1-8 dev.txt) | head -3)"
    paste def.txt dev.txt | awk -F'\t' '{ d = $9 - $18; if (d < 0) d = -d; if (d > 0.01) bad++ }
        END { exit bad > 0 }' || fail "(g) device cascade QUAL differs by more than 0.01"
fi
done_test
