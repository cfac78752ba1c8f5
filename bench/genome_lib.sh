# shellcheck shell=bash
# bench/genome_lib.sh — helpers shared by bench/genome.sh and bench/soak.sh (source it).
# Needs /usr/bin/time (GNU time, Debian package `time`) and pgrep (procps).

# descendants PID: PID and all its descendants, one per line
descendants() {
    local p
    echo "$1"
    for p in $(pgrep -P "$1" 2>/dev/null); do descendants "$p"; done
}

# timed_sampled TIME_FILE SAMPLES_TSV LABEL INTERVAL ERR_FILE CMD...: runs CMD under
# `/usr/bin/time -v -o TIME_FILE` (stdout discarded, stderr to ERR_FILE) and, every INTERVAL
# seconds while it runs, appends "LABEL<TAB>seconds<TAB>rss_kib<TAB>open_fds<TAB>threads" to
# SAMPLES_TSV: VmRSS, /proc/PID/fd entries and Threads summed over CMD's process tree (not over
# /usr/bin/time itself). Returns CMD's exit status.
timed_sampled() {
    local tf=$1 tsv=$2 label=$3 iv=$4 ef=$5; shift 5
    local t0 tpid now rss fds thr p q r n f st=0
    t0=$(date +%s.%N)
    /usr/bin/time -v -o "$tf" "$@" >/dev/null 2>"$ef" &
    tpid=$!
    while kill -0 "$tpid" 2>/dev/null; do
        rss=0 fds=0 thr=0
        for p in $(pgrep -P "$tpid" 2>/dev/null); do
            for q in $(descendants "$p"); do
                r=$(awk '/^VmRSS:/{print $2}' "/proc/$q/status" 2>/dev/null) || r=
                n=$(awk '/^Threads:/{print $2}' "/proc/$q/status" 2>/dev/null) || n=
                f=$(find "/proc/$q/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l) || f=0
                rss=$((rss + ${r:-0})) thr=$((thr + ${n:-0})) fds=$((fds + f))
            done
        done
        now=$(date +%s.%N)
        if ((rss > 0)); then
            awk -v l="$label" -v a="$t0" -v b="$now" -v r="$rss" -v f="$fds" -v t="$thr" \
                'BEGIN{printf "%s\t%.2f\t%d\t%d\t%d\n", l, b - a, r, f, t}' >>"$tsv"
        fi
        sleep "$iv"
    done
    wait "$tpid" || st=$?
    return "$st"
}

# time_field TIME_FILE: prints "wall_s cpu_s max_rss_kib" from a `/usr/bin/time -v` report
# (cpu = user + system, children included)
time_field() {
    awk -F': ' '
        /Elapsed \(wall clock\)/ {n = split($2, a, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + a[i]}
        /User time \(seconds\)/ {u = $2}
        /System time \(seconds\)/ {s = $2}
        /Maximum resident set size/ {r = $2}
        END {printf "%.2f %.2f %d\n", w, u + s, r}' "$1"
}

# flatness SAMPLES_TSV LABEL: over LABEL's samples, prints "n max_first_half_kib
# max_second_half_kib max_fds_first max_fds_second" (halves by time). With fewer than 4 samples
# the halves mean little: n says how many there were.
flatness() {
    awk -F'\t' -v l="$2" '$1 == l {n++; t[n] = $2; r[n] = $3; f[n] = $4}
        END {
            if (n == 0) {print "0 0 0 0 0"; exit}
            mid = t[n] / 2; a = b = fa = fb = 0
            for (i = 1; i <= n; i++) {
                if (t[i] <= mid) {if (r[i] > a) a = r[i]; if (f[i] > fa) fa = f[i]}
                else {if (r[i] > b) b = r[i]; if (f[i] > fb) fb = f[i]}
            }
            print n, a, b, fa, fb
        }' "$1"
}

# is_flat FIRST SECOND: true when SECOND is at most FIRST + max(5%, 8 MiB) (values in KiB)
is_flat() {
    awk -v a="$1" -v b="$2" 'BEGIN{s = a * 0.05; if (s < 8192) s = 8192; exit !(b <= a + s)}'
}

# vcf_body VCF: the records and the header less the lines that carry a date or a command line
# (##fileDate, ##calla_command, ##bcftools_*Command), so two runs of the same call compare equal
vcf_body() {
    bcftools view --no-version "$1" | grep -Ev '^##(fileDate|calla_command|bcftools_[A-Za-z]*Command)='
}
