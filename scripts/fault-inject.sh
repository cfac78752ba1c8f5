#!/usr/bin/env bash
# fault-inject.sh — the atomic-output promise under faults (docs/reliability.md). Run by hand
# (minutes; not part of `make test`):
#   1. kill -9 at random points of `calla train` (TRIALS runs): the model and checkpoint are each
#      absent or complete (`calla model` loads them), and --resume from what is left reproduces
#      the uninterrupted run's model byte for byte (checkpoint tensors equal, tests/tools/stdiff);
#   2. SIGTERM and SIGINT at random points of `calla simulate`, `tensors`, `call`: non-zero exit,
#      no temporary file (*.tmp.*) left, no output file, or a complete one;
#   3. a full disk (tmpfs; skipped when mount fails) and `ulimit -v` caps for every command that
#      writes: non-zero exit, one [calla CMD] error line, no output and no temporary file;
#   4. an MPI rank killed mid-epoch (mpirun -np 2): the job ends in bounded time with a message,
#      and the checkpoint resumes on 1 and 3 ranks.
# Usage: [BUILD=build] [TRIALS=20] scripts/fault-inject.sh [SECTION...]   (sections: train
# signals disk mpi; default all). Prints one line per check and a summary per section; exits 1
# when any check failed. Needs a built calla and its test tools (make), bwa, samtools.
set -u
root=${CALLA_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${BUILD:-build}
TRIALS=${TRIALS:-20}
CALLA=$root/$BUILD/calla
TOOLS=$root/$BUILD/tools
for t in "$CALLA" "$TOOLS/mksynth" "$TOOLS/mkmodel" "$TOOLS/stdiff"; do
    [[ -x $t ]] || { echo "fault-inject: $t missing (run make and make unit-tests)"; exit 2; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/calla-fault.XXXXXX")
MNT=
cleanup() {
    [[ -n $MNT ]] && umount "$MNT" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT
sections=("$@")
[[ ${#sections[@]} -eq 0 ]] && sections=(train signals disk mpi)
want() { local s; for s in "${sections[@]}"; do [[ $s == "$1" ]] && return 0; done; return 1; }
total_fail=0
declare -A P F
ok() { P[$1]=$((${P[$1]:-0} + 1)); }
bad() { F[$1]=$((${F[$1]:-0} + 1)); total_fail=$((total_fail + 1)); echo "FAIL [$1] $2"; }
summary() { echo "== $1: $((${P[$1]:-0} + ${F[$1]:-0})) checks, ${P[$1]:-0} passed, ${F[$1]:-0} failed${2:+; $2}"; }
# rand_ms LO HI: a random integer in [LO, HI]
rand_ms() { echo $(($1 + (RANDOM * 32768 + RANDOM) % ($2 - $1 + 1))); }
msleep() { sleep "$(awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }')"; }
now_ms() { date +%s%3N; }
# loadable FILE: `calla model` describes it (a model file), or, for a checkpoint (which
# `calla model` refuses by design), every tensor reads back equal to itself (st_open validates the
# container, st_read_f32 each tensor).
loadable() {
    if [[ $1 == *.ckpt ]]; then [[ $("$TOOLS/stdiff" "$1" "$1" 2>/dev/null) == max_abs=0\ * ]]
    else "$CALLA" model "$1" >/dev/null 2>&1; fi
}
# leftovers DIR: temporary files the commands name <out>.tmp.<pid>
leftovers() { find "$1" -name '*.tmp.*' 2>/dev/null; }
# one_error FILE CMD: stderr ends with exactly one "[calla CMD]" error line (progress lines before
# it are info; the last line must be the error)
one_error() {
    local n; n=$(grep -c "^\[calla $2\]" "$1")
    [[ $n -ge 1 ]] && tail -n 1 "$1" | grep -q "^\[calla $2\]"
}

# ---- inputs -------------------------------------------------------------------------------------
cd "$W" || exit 2
"$TOOLS/mksynth" c3.ctf clair3-pileup 400 7 || exit 2
TRAIN=(train -i "$W/c3.ctf" --model clair3-pileup --chunk 10 --batch 20 --epochs 8 -@ 1 --seed 3)

# ---- 1. kill -9 during train --------------------------------------------------------------------
if want train; then
    mkdir base && cd base || exit 2
    t0=$(now_ms)
    "$CALLA" "${TRAIN[@]}" -o m.safetensors 2>err || { echo "baseline train failed: $(tail -n 2 err)"; exit 1; }
    dur=$(($(now_ms) - t0))
    cd "$W" || exit 2
    echo "train: uninterrupted run ${dur} ms; $TRIALS kill -9 trials"
    nockpt=0 tmpleft=0 finished=0
    for i in $(seq 1 "$TRIALS"); do
        d=$W/k$i; mkdir "$d" && cd "$d" || exit 2
        "$CALLA" "${TRAIN[@]}" -o m.safetensors 2>err &
        pid=$!
        at=$(rand_ms 100 "$dur")
        msleep "$at"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=$?
        good=1
        for f in m.safetensors m.safetensors.ckpt; do
            if [[ -e $f ]] && ! loadable "$f"; then
                bad train "trial $i (kill at ${at} ms): $f present but not loadable"; good=0
            fi
        done
        n=$(leftovers . | wc -l); tmpleft=$((tmpleft + n))
        if [[ $rc -eq 0 ]]; then  # finished before the kill
            cmp -s m.safetensors ../base/m.safetensors || { bad train "trial $i: finished model differs"; good=0; }
        elif [[ -e m.safetensors.ckpt ]]; then
            # Resume from whatever checkpoint the kill left: the final model must equal the
            # uninterrupted run's byte for byte, the checkpoint's tensors must be equal.
            if "$CALLA" train -i "$W/c3.ctf" --resume m.safetensors.ckpt --checkpoint m.safetensors.ckpt \
                -@ 1 -o m.safetensors 2>resume.err; then
                cmp -s m.safetensors ../base/m.safetensors ||
                    { bad train "trial $i (kill at ${at} ms): resumed model differs from the uninterrupted one (tensors: $("$TOOLS/stdiff" m.safetensors ../base/m.safetensors 2>&1))"; good=0; }
                r=$("$TOOLS/stdiff" m.safetensors.ckpt ../base/m.safetensors.ckpt 2>&1)
                [[ $r == max_abs=0\ * ]] ||
                    { bad train "trial $i: resumed checkpoint tensors differ: $r"; good=0; }
            else
                bad train "trial $i (kill at ${at} ms): resume failed: $(tail -n 1 resume.err)"; good=0
            fi
        else
            nockpt=$((nockpt + 1))
            [[ -e m.safetensors ]] && { bad train "trial $i: model without checkpoint"; good=0; }
        fi
        [[ $good == 1 ]] && ok train
        [[ $rc -eq 0 ]] && finished=$((finished + 1))
        echo "  trial $i: kill -9 at ${at} ms (exit $rc): $( [[ $good == 1 ]] && echo ok || echo FAILED)$( [[ -e m.safetensors.ckpt ]] || echo ', before the first checkpoint')$( [[ $n -gt 0 ]] && echo ", $n stale .tmp file(s)")"
        cd "$W" && rm -rf "$d"
    done
    summary train "$finished finished before the kill, $nockpt killed before the first checkpoint (nothing to resume, nothing written), $tmpleft stale <out>.tmp.<pid> files left by kill -9 (never under the final names)"
fi

# ---- shared inputs for simulate/tensors/call ----------------------------------------------------
SIM=(simulate --genome-size 600k --platform ilmn --depth 25 --seed 5)
prepare_calls() {
    [[ -s $W/in/reads.bam ]] && return 0
    "$CALLA" "${SIM[@]}" -o "$W/in" 2>"$W/in.err" || { echo "simulate failed: $(tail -n 2 "$W/in.err")"; exit 1; }
    "$TOOLS/mkmodel" "$W/m.st" clair3-pileup bias:gt21.bias:2=5 bias:zygosity.bias:2=5 >/dev/null || exit 1
    "$CALLA" train -i "$W/c3.ctf" --model clair3-pileup --chunk 10 --batch 20 --epochs 1 -@ 1 \
        -o "$W/trained.st" 2>/dev/null || exit 1
}
# ext NAME: the output file name extension the command needs
ext() { case $1 in call) echo .vcf.gz ;; tensors) echo .ctf ;; train | model) echo .safetensors ;; eval) echo .json ;; esac; }
# cmd_args NAME OUT: the command line writing OUT
cmd_args() {
    case $1 in
        simulate) echo "${SIM[*]} -o $2" ;;
        tensors) echo "tensors -b $W/in/reads.bam -f $W/in/ref.fa --platform ilmn -@ 1 -o $2" ;;
        call) echo "call -b $W/in/reads.bam -f $W/in/ref.fa -m $W/m.st --ref-calls -@ 1 -o $2" ;;
        train) echo "train -i $W/c3.ctf --model clair3-pileup --chunk 10 --batch 20 --epochs 1 -@ 1 -o $2" ;;
        model) echo "model $W/trained.st -o $2 --store f16" ;;
        eval) echo "eval -t $W/in/truth.vcf.gz -q $W/in/truth.vcf.gz -f $W/in/ref.fa --json $2" ;;
    esac
}
# outputs_ok NAME OUT: OUT absent, or complete (it reads back whole); simulate: every file
# present in the directory is complete
outputs_ok() {
    case $1 in
        simulate)
            [[ ! -e $2/reads.bam ]] || samtools quickcheck "$2/reads.bam" 2>/dev/null || return 1
            [[ ! -e $2/truth.vcf.gz ]] || bcftools view "$2/truth.vcf.gz" >/dev/null 2>&1 ;;
        *) [[ ! -e $2 ]] || complete "$1" "$2" ;;
    esac
}
complete() {
    case $1 in
        tensors) "$CALLA" view "$2" >/dev/null 2>&1 ;;
        call) bcftools view "$2" >/dev/null 2>&1 && [[ -s $2.tbi ]] ;;
        train | model) loadable "$2" ;;
        eval) python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$2" 2>/dev/null ;;
    esac
}
# descendants PID: the process ids below PID
descendants() {
    local c
    for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$c"; descendants "$c"; done
}
# alive PIDS...: those still running (not zombies)
alive() {
    local p st
    for p in "$@"; do
        st=$(ps -o stat= -p "$p" 2>/dev/null) || continue
        [[ $st == Z* ]] || echo "$p($(ps -o comm= -p "$p"))"
    done
}

# ---- 2. SIGTERM / SIGINT during simulate, tensors, call -----------------------------------------
if want signals; then
    prepare_calls
    per=$(( (TRIALS + 1) / 2 ))
    for cmd in simulate tensors call; do
        mkdir -p "$W/s" && cd "$W/s" || exit 2
        t0=$(now_ms)
        # shellcheck disable=SC2046
        "$CALLA" $(cmd_args "$cmd" "$W/s/full$(ext "$cmd")") 2>/dev/null || { echo "$cmd baseline failed"; exit 1; }
        dur=$(($(now_ms) - t0))
        rm -rf "$W/s"
        early=0 after=0
        for sig in TERM INT; do
            for i in $(seq 1 "$per"); do
                mkdir -p "$W/s" && cd "$W/s" || exit 2
                # shellcheck disable=SC2046
                "$CALLA" $(cmd_args "$cmd" "$W/s/out$(ext "$cmd")") 2>err &
                pid=$!
                at=$(rand_ms 50 $((dur * 9 / 10)))
                msleep "$at"
                kids=$(descendants "$pid")
                kill -s "$sig" "$pid" 2>/dev/null
                wait "$pid"
                rc=$?
                sleep 1  # children (bwa, samtools) finishing after calla
                orphans=$(alive $kids)
                left=$(leftovers "$W/s" | tr '\n' ' ')
                if [[ $rc -eq 0 ]]; then
                    early=$((early + 1))  # finished before the signal: nothing to check
                elif [[ -n $orphans ]]; then
                    bad signals "$cmd SIG$sig at ${at} ms (exit $rc): children still running 1 s later: $orphans"
                    for o in $orphans; do kill -9 "${o%%(*}" 2>/dev/null; done
                elif [[ -n $left ]]; then
                    bad signals "$cmd SIG$sig at ${at} ms (exit $rc): left $left"
                elif ! outputs_ok "$cmd" "$W/s/out$(ext "$cmd")"; then
                    bad signals "$cmd SIG$sig at ${at} ms (exit $rc): partial output $(ls "$W/s/out" 2>/dev/null | tr '\n' ' ')"
                else
                    ok signals
                    o=$W/s/out$(ext "$cmd"); [[ $cmd == simulate ]] && o=$o/reads.bam
                    [[ -e $o ]] && after=$((after + 1))
                fi
                cd "$W" && rm -rf "$W/s"
            done
        done
        echo "  $cmd: uninterrupted ${dur} ms; $((2 * per)) signals, $early finished before the signal, $after interrupted after the output was complete"
    done
    summary signals
fi

# ---- 3. full disk and ulimit -v -----------------------------------------------------------------
# expect_clean NAME LABEL OUTDIR: runs the command writing into OUTDIR/out under the current
# limits; it must fail with one [calla NAME] line last, leave no output and no temporary file
# (or succeed, which is reported as fitting).
fits=()
expect_clean() {
    local name=$1 label=$2 dir=$3 cap=${4:-unlimited} rc
    # shellcheck disable=SC2046
    ( ulimit -v "$cap" && exec timeout -s KILL 60 "$CALLA" $(cmd_args "$name" "$dir/out$(ext "$name")") ) \
        >/dev/null 2>"$W/err.txt"
    rc=$?
    if [[ $rc -eq 137 ]]; then
        bad disk "$name, $label: no exit after 60 s (killed); stderr: $(tail -n 1 "$W/err.txt")"
        rm -rf "${dir:?}"/out* "${dir:?}"/.*.tmp.* 2>/dev/null; return
    fi
    local left; left=$(leftovers "$dir" | tr '\n' ' ')
    if [[ $rc -eq 0 ]]; then
        fits+=("$name@$label"); rm -rf "${dir:?}"/out*; return
    fi
    local msg; msg=$(tail -n 1 "$W/err.txt")
    if [[ -n $left ]]; then bad disk "$name, $label (exit $rc): left $left"
    elif ! outputs_ok "$name" "$dir/out$(ext "$name")"; then bad disk "$name, $label (exit $rc): partial output $dir/out$(ext "$name")"
    elif [[ $rc -ge 128 ]]; then bad disk "$name, $label: killed by signal $((rc - 128)): $msg"
    elif ! one_error "$W/err.txt" "$name"; then bad disk "$name, $label (exit $rc): no one-line error: $(tail -n 3 "$W/err.txt" | tr '\n' '|')"
    else ok disk; echo "  $name, $label: exit $rc: $msg"
    fi
    rm -rf "${dir:?}"/out*
}
if want disk; then
    prepare_calls
    CMDS=(simulate tensors call train model eval)
    MNT=$W/full; mkdir -p "$MNT"
    if mount -t tmpfs -o size=1m tmpfs "$MNT" 2>/dev/null; then
        # Fill the disk completely, then with 48 KiB free.
        dd if=/dev/zero of="$MNT/fill" bs=4k 2>/dev/null
        for c in "${CMDS[@]}"; do expect_clean "$c" "disk full" "$MNT"; done
        rm -f "$MNT/fill"; dd if=/dev/zero of="$MNT/fill" bs=4k count=$((1024 / 4 - 12)) 2>/dev/null
        for c in "${CMDS[@]}"; do expect_clean "$c" "48 KiB free" "$MNT"; done
        umount "$MNT"; MNT=
    else
        echo "  disk: mount -t tmpfs failed (not root, or no CAP_SYS_ADMIN): full-disk checks skipped"
    fi
    mkdir -p "$W/v"
    for cap in 150000 400000; do
        for c in "${CMDS[@]}"; do
            expect_clean "$c" "ulimit -v $cap" "$W/v" "$cap"
        done
    done
    summary disk "fitted (succeeded, nothing to check): ${fits[*]:-none}"
fi

# ---- 4. an MPI rank killed mid-epoch ------------------------------------------------------------
if want mpi; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
    MPIRUN=(mpirun --oversubscribe --allow-run-as-root)
    if ! "$CALLA" --version | grep -q '^mpi: yes' || ! "${MPIRUN[@]}" -np 2 true >/dev/null 2>&1; then
        echo "  mpi: calla without MPI or mpirun cannot start here: skipped"
    else
        for i in 1 2 3; do
            d=$W/mpi$i; mkdir -p "$d" && cd "$d" || exit 2
            # Epoch 1 writes the checkpoint; the kill lands in a later epoch.
            "${MPIRUN[@]}" -np 2 "$CALLA" train -i "$W/c3.ctf" --model clair3-pileup --chunk 10 --batch 20 \
                --epochs 4 -@ 1 --mpi-timeout 10 -o m.safetensors 2>err &
            mp=$!
            for _ in $(seq 1 600); do [[ -s m.safetensors.ckpt ]] && break; sleep 0.1; done
            msleep "$(rand_ms 100 1500)"
            # The ranks are mpirun's children; kill the second one (rank order is not needed).
            victim=$(ps -o pid= --ppid "$mp" | tail -n 1 | tr -d ' ')
            t0=$(now_ms)
            [[ -n $victim ]] && kill -9 "$victim"
            ( sleep 120; kill -9 "$mp" 2>/dev/null ) &
            guard=$!
            wait "$mp"; rc=$?
            kill "$guard" 2>/dev/null; wait "$guard" 2>/dev/null
            took=$(($(now_ms) - t0))
            msg=$(grep -vE '^\[calla train rank [0-9]+/[0-9]+\] (clair3|clairvoyante|[0-9]+ ranks|epoch)' err | tail -n 2 | tr '\n' '|')
            if [[ -z $victim ]]; then bad mpi "trial $i: no rank process found under mpirun $mp"
            elif [[ $rc -eq 0 ]]; then bad mpi "trial $i: job exited 0 after a rank was killed"
            elif [[ $took -gt 60000 ]]; then bad mpi "trial $i: job took ${took} ms to end"
            elif ! loadable m.safetensors.ckpt; then bad mpi "trial $i: checkpoint not loadable after the kill"
            else
                ok mpi; echo "  trial $i: rank pid $victim killed, job ended in ${took} ms (exit $rc): $msg"
                for np in 1 3; do
                    cp m.safetensors.ckpt r$np.ckpt
                    launch=("${MPIRUN[@]}" -np "$np"); [[ $np == 1 ]] && launch=()
                    if "${launch[@]}" "$CALLA" train -i "$W/c3.ctf" --resume r$np.ckpt --checkpoint r$np.ckpt \
                        -@ 1 -o r$np.safetensors 2>r$np.err && loadable r$np.safetensors; then
                        ok mpi
                    else
                        bad mpi "trial $i: resume on $np rank(s) failed: $(tail -n 1 r$np.err)"
                    fi
                done
            fi
            cd "$W" && rm -rf "$d"
        done
    fi
    summary mpi
fi
echo "fault-inject: $total_fail failed check(s)"
[[ $total_fail -eq 0 ]]
