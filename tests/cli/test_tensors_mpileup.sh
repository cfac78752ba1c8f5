# Per-position, per-strand base and deletion counts of `calla tensors --dump-counts` must equal the
# counts parsed from `samtools mpileup` with the same read filters, on the real Illumina and ONT
# slices (>= 1000 positions each). -A: calla does not drop anomalous pairs; -x: no overlap tweaks.
source "$(dirname "$0")/lib.sh"
need samtools
need python3
cmp_slice() {  # dir bam ref region
    local d=$CALLA_SHARED/data/$1 bam=$2 ref=$3 reg=$4 tag=$1
    [[ -d $CALLA_SHARED/data/$1 ]] || { echo "no $1"; return; }
    "$CALLA" tensors --dump-counts -b "$d/$bam" -f "$d/$ref" -r "$reg" --platform ilmn \
        -o "$TMP/$tag.calla" || { fail "calla --dump-counts failed on $tag"; return; }
    samtools mpileup -A -B -x -Q 0 -q 5 --ff UNMAP,SECONDARY,QCFAIL,DUP,SUPPLEMENTARY -d 0 \
        --reverse-del -f "$d/$ref" -r "$reg" "$d/$bam" 2>/dev/null >"$TMP/$tag.mp" \
        || { fail "samtools mpileup failed on $tag"; return; }
    python3 - "$TMP/$tag.mp" "$TMP/$tag.calla" <<'PY' || fail "counts differ on $tag"
import sys
def parse(s):
    c = dict((k, 0) for k in "ACGTacgt*#")
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == '^': i += 2; continue
        if ch in '+-':
            j = i + 1
            while s[j].isdigit(): j += 1
            i = j + int(s[i+1:j]); continue
        if ch == '.': c['R'] = c.get('R', 0) + 1
        elif ch == ',': c['r'] = c.get('r', 0) + 1
        elif ch in c: c[ch] += 1
        i += 1
    return c
exp = {}
for line in open(sys.argv[1]):
    f = line.rstrip('\n').split('\t')
    ref = f[2].upper()
    c = parse(f[4])
    if ref in "ACGT":
        c[ref] += c.get('R', 0); c[ref.lower()] += c.get('r', 0)
    v = [c[k] for k in "ACGTacgt*#"]
    if sum(v): exp[(f[0], int(f[1]))] = v
got = {}
for line in open(sys.argv[2]):
    f = line.split('\t')
    v = [int(x) for x in f[3:13]]
    assert sum(v) == int(f[13]), line
    got[(f[0], int(f[1]))] = v
bad = [k for k in set(exp) | set(got) if exp.get(k) != got.get(k)]
print(len(exp), "positions from mpileup,", len(got), "from calla,", len(bad), "differ")
for k in sorted(bad)[:5]: print(k, "mpileup", exp.get(k), "calla", got.get(k))
sys.exit(1 if bad or len(exp) < 1000 else 0)
PY
}
found=0
[[ -d $CALLA_SHARED/data/hg001_illumina_grch37_chr20_10.0-10.1Mb ]] && found=1
[[ -d $CALLA_SHARED/data/hg002_ont_r1041_grch38_chr20_5.050-5.075Mb ]] && found=1
[[ $found -eq 1 ]] || skip "real data slices absent"
cmp_slice hg001_illumina_grch37_chr20_10.0-10.1Mb NA12878_S1.chr20.10_10p1mb.bam \
    ucsc.hg19.chr20.unittest.fasta.gz chr20:10000001-10020000
cmp_slice hg002_ont_r1041_grch38_chr20_5.050-5.075Mb HG002_R10_chr20_5050000_5075000.bam \
    grch38.chr20_5050000_5075000.masked.fa.gz chr20:5050001-5056000
done_test
