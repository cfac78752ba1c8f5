# `calla call` on the real Illumina slice with a model forced to "het A/G" at every candidate
# (tests/cli/call_forced_model.py), so that every candidate becomes a record:
# - bcftools reads the VCF without a message; the tabix index answers region queries;
# - records are sorted; -@ 1 and -@ 2 give identical content (chunks smaller than the region);
# - DP and AD of every SNP record equal the counts parsed from `samtools mpileup` with the same
#   read filters (an independent pileup), and AF = AD/DP.
source "$(dirname "$0")/lib.sh"
need samtools
need bcftools
need python3
need_shared hg001_illumina_grch37_chr20_10.0-10.1Mb
D=$CALLA_SHARED/data/hg001_illumina_grch37_chr20_10.0-10.1Mb
BAM=$D/NA12878_S1.chr20.10_10p1mb.bam
REF=$D/ucsc.hg19.chr20.unittest.fasta.gz
REG=chr20:10000001-10030000
python3 "$CALLA_ROOT/tests/cli/call_forced_model.py" "$TMP/m.st" clair3-pileup \
    bias:gt21.bias:2=5 bias:zygosity.bias:2=5 || fail "model"
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
python3 - "$TMP/mp" "$TMP/calls.tsv" <<'PY' || fail "DP/AD differ from mpileup"
import sys
def parse(ref, s):
    c = {k: 0 for k in "ACGT*"}; refn = 0; i = 0
    while i < len(s):
        ch = s[i]
        if ch == '^': i += 2; continue
        if ch == '$': i += 1; continue
        if ch in '+-':
            j = i + 1
            while s[j].isdigit(): j += 1
            i = j + int(s[i+1:j]); continue
        nxt_indel = i + 1 < len(s) and s[i+1] in '+-'
        if ch in '.,':
            c[ref] += 1
            if not nxt_indel: refn += 1   # reference reads not starting an indel here
        elif ch.upper() in "ACGT": c[ch.upper()] += 1
        elif ch in '*#': c['*'] += 1
        i += 1
    return c, refn
mp = {}
for line in open(sys.argv[1]):
    f = line.rstrip('\n').split('\t')
    mp[int(f[1])] = parse(f[2].upper(), f[4])
n = bad = 0
for line in open(sys.argv[2]):
    pos, ref, alt, dp, ad, af = line.rstrip('\n').split('\t')
    alts = alt.split(','); ad = [int(x) for x in ad.split(',')]
    if len(ref) != 1 or any(len(a) != 1 for a in alts): continue
    c, refn = mp[int(pos)]
    exp_dp = sum(c.values())
    exp_ad = [refn] + [c[a] for a in alts]
    afs = [float(x) for x in af.split(',')]
    ok = int(dp) == exp_dp and ad == exp_ad and all(abs(a - min(1, x / exp_dp)) < 1e-4 for a, x in zip(afs, exp_ad[1:]))
    n += 1
    if not ok:
        bad += 1
        if bad <= 5: print("pos", pos, "calla DP", dp, "AD", ad, "AF", af, "mpileup DP", exp_dp, "AD", exp_ad)
print(n, "SNP records checked,", bad, "differ")
sys.exit(1 if bad or n < 50 else 0)
PY
done_test
