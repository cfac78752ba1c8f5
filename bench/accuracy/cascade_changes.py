#!/usr/bin/env python3
"""bench/accuracy/cascade_changes.py: what the full-alignment stage of `calla call` changes.

Compares a cascade call set with the --pileup-only call set of the same reads, allele by allele.
Both are normalised with `bcftools norm -m- -f REF`, and only PASS records count. Each allele
whose call differs is classed by what the cascade did and whether that matches the truth:

  promotion     the pileup model did not call the allele, the cascade does
  demotion      the pileup model called it, the cascade does not
  re-genotyping both call it, with another zygosity (het / hom)

  fixed: the cascade matches the truth; broken: the pileup call did; both wrong: neither.

Usage: cascade_changes.py TRUTH REF BED PILEUP.vcf.gz CASCADE.vcf.gz [-v]
  -v also lists the changed alleles (position, REF, ALT, truth / pileup / cascade zygosity,
     the cascade's or else the pileup's AF and QUAL).
Needs bcftools on PATH. Used for docs/accuracy.md, "The het rule (round 8)".
"""
import collections
import subprocess
import sys


def load(vcf, ref, bed, calls):
    """{(chrom, pos, ref, alt): (zygosity, qual, af)} of the alleles with a non-reference GT."""
    view = ["bcftools", "view", "-R", bed] + (["-f", "PASS,."] if calls else []) + [vcf]
    fmt = "%CHROM\t%POS\t%REF\t%ALT\t[%GT]\t%QUAL\t[%AF]\n" if calls else \
        "%CHROM\t%POS\t%REF\t%ALT\t[%GT]\n"
    p1 = subprocess.Popen(view, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p2 = subprocess.Popen(["bcftools", "norm", "-m-", "-f", ref], stdin=p1.stdout,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p1.stdout.close()
    out = subprocess.run(["bcftools", "query", "-f", fmt], stdin=p2.stdout,
                         capture_output=True, text=True, check=True).stdout
    p2.wait()
    if p1.wait() or p2.returncode:
        sys.exit(f"cascade_changes: bcftools failed on {vcf}")
    alleles = {}
    for line in out.splitlines():
        f = line.split("\t") + [".", "."]
        chrom, pos, r, a, gt = f[:5]
        g = gt.replace("|", "/").split("/")
        if a == "." or "1" not in g:
            continue
        alleles[(chrom, int(pos), r, a)] = ("hom" if g.count("1") == 2 else "het", f[5], f[6])
    return alleles


def main():
    args = [a for a in sys.argv[1:] if a != "-v"]
    if len(args) != 5:
        sys.exit(__doc__.split("\n\n")[-1].split("\n")[0])
    truth, ref, bed, pile, casc = args
    T = load(truth, ref, bed, False)
    P = load(pile, ref, bed, True)
    C = load(casc, ref, bed, True)
    counts = collections.Counter()
    rows = []
    for k in sorted(set(P) | set(C)):
        t, p, c = (x.get(k, (None,))[0] for x in (T, P, C))
        if p == c:
            continue
        kind = "SNP" if len(k[2]) == len(k[3]) == 1 else "INDEL"
        what = "promotion" if p is None else "demotion" if c is None else "re-genotyping"
        res = "fixed" if c == t else "broken" if p == t else "both wrong"
        counts[(kind, what, res)] += 1
        _, qual, af = C.get(k) or P.get(k)
        rows.append(f"{kind}\t{what}\t{res}\t{k[0]}:{k[1]}\t{k[2]}\t{k[3]}\t"
                    f"{t or '-'}/{p or '-'}/{c or '-'}\tAF {af}\tQUAL {qual}")
    print("type\tchange\tfixed\tbroken\tboth wrong")
    for kind in ("SNP", "INDEL"):
        for what in ("promotion", "demotion", "re-genotyping"):
            n = [counts[(kind, what, r)] for r in ("fixed", "broken", "both wrong")]
            print(f"{kind}\t{what}\t{n[0]}\t{n[1]}\t{n[2]}")
    if "-v" in sys.argv[1:]:
        print("\n".join(rows))


if __name__ == "__main__":
    main()
