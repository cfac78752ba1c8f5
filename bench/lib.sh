# bench/lib.sh — shared helpers for the benchmark scripts; source it after setting $tmp and REPS.
# measure CMD...: prints "BEST_WALL_SECONDS MAX_PEAK_RSS_KIB" over REPS runs of CMD (stdout
# discarded; on failure its stderr is shown and the function fails).
measure() {
    local best="" rss=0 t r
    for _ in $(seq "$REPS"); do
        /usr/bin/time -f '%e %M' -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; return 1; }
        read -r t r <"$tmp/time"
        if [[ -z $best ]] || awk -v a="$t" -v b="$best" 'BEGIN{exit !(a<b)}'; then best=$t; fi
        (( r > rss )) && rss=$r
    done
    echo "$best $rss"
}
