#!/usr/bin/env bash
# mkman.sh — man pages from the program's own help: calla.1 from `calla --help` and
# calla-<cmd>.1 from `calla <cmd> --help` for every command listed there, and
# calla-<cmd>-<sub>.1 for each subcommand that a command's usage lines point to with
# "(see its --help)" (calla model import-clair3). Plain troff (man
# macros), no help2man needed. The help text goes in as-is (no-fill), so the pages say exactly
# what --help says.
#
# usage: scripts/mkman.sh CALLA OUTDIR
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 CALLA OUTDIR" >&2; exit 2; }
calla=$1 out=$2
[[ -x $calla ]] || { echo "mkman.sh: \"$calla\" is not an executable" >&2; exit 1; }
mkdir -p "$out"
version=$("$calla" --version 2>/dev/null | head -n 1 | awk '{print $2}')
[[ -n $version ]] || version=unknown

# troff escaping: backslashes first, then '-' as \- (so that options copy and paste), and a
# zero-width \& before a leading '.' or "'" (control characters at the start of a line).
esc() { sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e "s/^\\([.']\\)/\\\\\\&\\1/"; }

# page NAME SECTION-TITLE SUMMARY HELP-TEXT > file
page() {
    local name=$1 summary=$2 help=$3 upper
    upper=$(tr '[:lower:]' '[:upper:]' <<<"$name")
    printf '.TH %s 1 "" "calla %s" "calla manual"\n' "$upper" "$version"
    printf '.SH NAME\n%s \\- %s\n' "$(esc <<<"$name")" "$(esc <<<"$summary")"
    # SYNOPSIS: the "Usage:" lines (continuation lines start with spaces and "calla")
    local syn
    syn=$(awk '/^Usage:/ { sub(/^Usage:[ \t]*/, ""); print; on = 1; next }
               on && /^[ \t]+calla / { sub(/^[ \t]+/, ""); print; next } { on = 0 }' <<<"$help")
    if [[ -n $syn ]]; then
        printf '.SH SYNOPSIS\n'
        while IFS= read -r l; do printf '%s\n.br\n' "$(esc <<<"$l")"; done <<<"$syn"
    fi
    printf '.SH DESCRIPTION\n.nf\n'
    # the rest of the help, Usage lines removed, leading and trailing blank lines dropped
    awk '/^Usage:/ { on = 1; next } on && /^[ \t]+calla / { next } { on = 0; print }' <<<"$help" |
        sed -e '/./,$!d' | sed -e ':a' -e '/^\n*$/{$d;N;ba' -e '}' | esc
    printf '.fi\n'
    if [[ $name == calla ]]; then
        printf '.SH SEE ALSO\n'
        local first=1
        for c in $cmds; do
            [[ $first -eq 1 ]] || printf ',\n'
            printf '.BR calla\\-%s (1)' "$c"
            first=0
        done
        printf '\n'
    else
        printf '.SH SEE ALSO\n.BR calla (1)\n'
    fi
}

main_help=$("$calla" --help)
# commands: the indented "name  summary" lines under "Commands:"
cmd_lines=$(awk '/^Commands:/ { on = 1; next } on && /^[ \t]*$/ { on = 0 } on { print }' <<<"$main_help")
cmds=$(awk '{print $1}' <<<"$cmd_lines")
[[ -n $cmds ]] || { echo "mkman.sh: no commands in \`$calla --help\`" >&2; exit 1; }
page calla "deep-learning germline variant caller" "$main_help" >"$out/calla.1"
n=1
for c in $cmds; do
    summary=$(awk -v c="$c" '$1 == c { $1 = ""; sub(/^ +/, ""); print }' <<<"$cmd_lines")
    help=$("$calla" "$c" --help) || { echo "mkman.sh: \`calla $c --help\` failed" >&2; exit 1; }
    page "calla-$c" "$summary" "$help" >"$out/calla-$c.1"
    n=$((n + 1))
    # subcommands with their own --help: Usage lines "calla CMD SUB ... (see its --help)"
    subs=$(awk -v c="$c" '/\(see its --help\)/ && match($0, "calla " c " [a-z][a-z0-9-]*") {
               w = substr($0, RSTART, RLENGTH); sub(".* ", "", w); print w }' <<<"$help")
    for s in $subs; do
        shelp=$("$calla" "$c" "$s" --help) || { echo "mkman.sh: \`calla $c $s --help\` failed" >&2; exit 1; }
        # summary: the first sentence of the description (the paragraph after the Usage lines)
        ssum=$(awk '/^Usage:/ { u = 1; next } u && NF == 0 && !d { next } u && NF { d = 1; printf "%s ", $0; next }
                    d && NF == 0 { exit }' <<<"$shelp" | sed -e 's/\. .*/./' -e 's/ *$//')
        [[ -n $ssum ]] || ssum="calla $c $s"
        page "calla-$c-$s" "$ssum" "$shelp" >"$out/calla-$c-$s.1"
        n=$((n + 1))
    done
done
echo "mkman.sh: $n pages in $out" >&2
