#!/usr/bin/env python3
"""Error profile of aligned reads against their reference (helper of bench/read_profile.sh).

Reads `samtools view` SAM lines on stdin (the caller already filtered primary, MAPQ >= 5),
fetches the reference span the reads cover with `samtools faidx`, and prints one markdown
table row (or the header with --header). Everything is computed by comparing read bases to
the reference along the CIGAR; MD/NM tags are not used.

Positions of truth variants (optional VCF, via `bcftools view`) are masked: mismatches and
indels touching them are not counted and homopolymer runs overlapping them are skipped.
Aligned-base denominators are not reduced (the mask is ~0.1 % of bases).
"""
import math
import os
import subprocess
import sys



def die(msg):
    sys.stderr.write("[read_profile] %s\n" % msg)
    sys.exit(1)


def fetch_ref(ref, chrom, beg, end):
    """1-based inclusive beg..end; returns upper-case string."""
    r = subprocess.run(["samtools", "faidx", ref, "%s:%d-%d" % (chrom, beg, end)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        die("samtools faidx \"%s\" failed: %s" % (ref, r.stderr.strip()))
    return "".join(r.stdout.split("\n")[1:]).upper()


def truth_mask(vcf, chrom, beg, end):
    mask = set()
    if not vcf:
        return mask
    r = subprocess.run(["bcftools", "view", "-H", "-r", "%s:%d-%d" % (chrom, beg, end), vcf],
                       capture_output=True, text=True)
    if r.returncode != 0:
        die("bcftools view \"%s\" failed: %s" % (vcf, r.stderr.strip()))
    for line in r.stdout.splitlines():
        f = line.split("\t")
        pos = int(f[1])
        span = max([len(f[3])] + [len(a) for a in f[4].split(",")])
        for p in range(pos - 1, pos + span + 1):  # pad one base each side
            mask.add(p)
    return mask


def parse_cigar(c):
    ops, n = [], 0
    for ch in c:
        if ch.isdigit():
            n = n * 10 + ord(ch) - 48
        else:
            ops.append((n, ch))
            n = 0
    return ops


def median(v):
    if not v:
        return float("nan")
    s = sorted(v)
    m = len(s) // 2
    return s[m] if len(s) % 2 else 0.5 * (s[m - 1] + s[m])


def hp_runs(ref, off, lo, hi):
    """Homopolymer runs of length >= 4 (ACGT) in ref; yields (start, end_excl, base) 1-based."""
    i, n = 0, len(ref)
    while i < n:
        j = i
        while j < n and ref[j] == ref[i]:
            j += 1
        if j - i >= 4 and ref[i] in "ACGT" and off + i >= lo and off + j - 1 <= hi:
            yield off + i, off + j, ref[i]
        i = j


def main():
    args = sys.argv[1:]
    if args and args[0] == "--header":
        print("| data | reads | mean len | N50 | mean BQ | BQ at mismatches | mismatch % mean / median | "
              "ins % mean / median | del % mean / median | indel len 1 / 2 / 3 / 4+ (%) | "
              "HP err % 4-5 / 6-8 / 9+ (runs) | HP errs shorter % |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        return
    if len(args) < 2:
        die("usage: samtools view ... | read_profile.py LABEL REF.fa [REGION] [TRUTH.vcf.gz]")
    label, ref = args[0], args[1]
    region = args[2] if len(args) > 2 and args[2] else None
    vcf = args[3] if len(args) > 3 and args[3] else None

    reads = []
    for line in sys.stdin:
        f = line.split("\t", 11)
        if f[5] == "*" or f[9] == "*":
            continue
        reads.append((f[2], int(f[3]), parse_cigar(f[5]), f[9], f[10]))
    if not reads:
        die("no aligned reads for %s" % label)
    chroms = {r[0] for r in reads}
    if len(chroms) != 1:
        die("reads on several contigs (%s): give a region" % ",".join(sorted(chroms)))
    chrom = reads[0][0]
    beg = min(r[1] for r in reads)
    end = max(r[1] + sum(n for n, op in r[2] if op in "MDN=X") for r in reads)
    refseq = fetch_ref(ref, chrom, beg, end)
    mask = truth_mask(vcf, chrom, beg, end)
    # homopolymer runs counted only inside the region (if given), so real slices are not biased
    lo, hi = beg, end
    if region and ":" in region:
        a, b = region.split(":")[1].replace(",", "").split("-")
        lo, hi = max(lo, int(a)), min(hi, int(b))
    runs = [r for r in hp_runs(refseq, beg, lo, hi)
            if not any(p in mask for p in range(r[0] - 1, r[1] + 1))]
    runs_by_start = {}
    for s, e, b in runs:
        runs_by_start.setdefault(s - 1, []).append((s, e, b))

    mm_r, ins_r, del_r, lens, quals_sum, quals_n = [], [], [], [], 0, 0
    mmq_sum = mmq_n = 0
    cal_n, cal_err = [0] * 5, [0] * 5
    indel_len = [0, 0, 0, 0]
    hp_tot = [0, 0, 0]
    hp_bad = [0, 0, 0]
    hp_short = 0
    for chrom_, pos, cig, seq, qual in reads:
        lens.append(len(seq))
        if qual != "*":
            quals_sum += sum(ord(c) for c in qual) - 33 * len(qual)
            quals_n += len(qual)
        rp, qp = pos, 0
        aligned = mm = ins = dele = 0
        ref2q = {}  # ref pos -> query pos, only for aligned (M/=/X) bases
        for n, op in cig:
            if op in "M=X":
                for k in range(n):
                    rb = refseq[rp + k - beg]
                    qb = seq[qp + k].upper()
                    ref2q[rp + k] = qp + k
                    if rb == "N" or qb == "N":
                        continue
                    aligned += 1
                    if rb != qb and (rp + k) not in mask:
                        mm += 1
                        if qual != "*":
                            mmq_sum += ord(qual[qp + k]) - 33
                            mmq_n += 1
                            cal_err[min((ord(qual[qp + k]) - 33) // 10, 4)] += 1
                    if qual != "*" and (rp + k) not in mask:
                        cal_n[min((ord(qual[qp + k]) - 33) // 10, 4)] += 1
                rp += n
                qp += n
            elif op == "I":
                if rp not in mask and (rp - 1) not in mask:
                    ins += n
                    indel_len[min(n, 4) - 1] += 1
                qp += n
            elif op == "D":
                if not any(p in mask for p in range(rp, rp + n)):
                    dele += n
                    indel_len[min(n, 4) - 1] += 1
                rp += n
            elif op == "N":
                rp += n
            elif op == "S":
                qp += n
        if aligned == 0:
            continue
        mm_r.append(mm / aligned)
        ins_r.append(ins / aligned)
        del_r.append(dele / aligned)
        # homopolymers: read segment between the query bases aligned to the two flanking
        # reference bases; run fully spanned iff both flanks are aligned (not deleted).
        for flank in range(pos, rp):
            for s, e, b in runs_by_start.get(flank, ()):
                if flank not in ref2q or e not in ref2q:
                    continue
                seg = seq[ref2q[flank] + 1:ref2q[e]].upper()
                L = e - s
                k = 0 if L <= 5 else (1 if L <= 8 else 2)
                hp_tot[k] += 1
                if len(seg) != L:
                    hp_bad[k] += 1
                    hp_short += len(seg) < L

    lens_s = sorted(lens, reverse=True)
    half, acc, n50 = sum(lens_s) / 2.0, 0, 0
    for x in lens_s:
        acc += x
        if acc >= half:
            n50 = x
            break
    ni = sum(indel_len) or 1
    mean = lambda v: sum(v) / len(v)
    hp = " / ".join("%.2f (%d)" % (100.0 * hp_bad[i] / hp_tot[i], hp_tot[i]) if hp_tot[i]
                    else "- (0)" for i in range(3))
    bq = "%.1f" % (quals_sum / quals_n) if quals_n else "-"
    mbq = "%.1f" % (mmq_sum / mmq_n) if mmq_n else "-"
    print("| %s | %d | %.0f | %d | %s | %s | %.3f / %.3f | %.3f / %.3f | %.3f / %.3f | %s | %s | %s |" % (
        label, len(reads), mean(lens), n50, bq, mbq,
        100 * mean(mm_r), 100 * median(mm_r), 100 * mean(ins_r), 100 * median(ins_r),
        100 * mean(del_r), 100 * median(del_r),
        " / ".join("%.0f" % (100.0 * c / ni) for c in indel_len), hp,
        "%.0f" % (100.0 * hp_short / sum(hp_bad)) if sum(hp_bad) else "-"))
    if os.environ.get("READ_PROFILE_CALIB"):
        # substitution-only calibration: share of aligned bases and empirical Phred per BQ bin
        cells = []
        for i, name in enumerate(("0-9", "10-19", "20-29", "30-39", "40+")):
            if cal_n[i]:
                q = -10 * math.log10(max(cal_err[i], 0.5) / cal_n[i])
                cells.append("%.1f%% / Q%.0f" % (100.0 * cal_n[i] / sum(cal_n), q))
            else:
                cells.append("-")
        print("| %s | %s |" % (label, " | ".join(cells)))


if __name__ == "__main__":
    main()
