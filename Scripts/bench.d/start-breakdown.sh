# The start-breakdown section of Scripts/bench (sourced): where one `skiff run -d --rm busybox true` spends
# its time (issue 15, item 2), with --network none and with the default bridge. Each start runs under
# `strace -f -ttt -T` (execve, clone, mkdir, mount and exits only) and its phases are cut at syscalls
# every start makes. A start without a terminal is adopted (SkiffKit's AdoptedStart): the CLI forks
# once, and that child launches the container, then execs the monitor. Otherwise the CLI spawns the
# monitor, which runs the start helper (`skiff container-internal start`); the columns cover both:
#
#   cli        the CLI's execve .. its hand-off: start-up, parse, image and config resolution, the
#              container's records and files
#   hand-off   adopted: the CLI's fork .. the child's first system call; helper: the monitor's
#              execve .. the helper's execve (exec, detach, fork)
#   launcher   that point .. the network's first step (its netns) or the runtime's first (its state
#              directory): adopted, reading the record; helper, its start-up (sealed re-exec included)
#              and reading the records
#   network    the netns .. the runtime's first step: netns, veth pair, addresses, routes, firewall
#   runtime    the runtime's state directory .. the clone of the container's init: cgroups, state
#   init       the clone .. the init's execve of the command: mounts (overlay included, also shown
#              alone), pivot_root, security set-up, and waiting for `start`
#   report     the command's execve .. the CLI's exit: record the start, (adopted) exec the monitor,
#              its report to the CLI
#
# strace slows every traced syscall, so the phases add up to more than an untraced start (the total
# of an untraced one is shown beside them); they say where the time goes, not how long it is.

SECTIONS+=(
    "start-breakdown:where one skiff run -d spends its time (strace phases), --network none and bridge"
)

# The phases of one strace log, as "cli hand-off launcher network runtime init overlay report total" (ms).
breakdown_phases() {
    awk '
    function ms(a, b) { return (b > 0 && a > 0) ? (b - a) * 1000 : -1 }
    {
        pid = $1; ts = $2 + 0
        if (!cli) { cli = pid; t_cli = ts }
        if ($0 ~ /execve\("[^"]*skiff-monitor"/ && !t_mon) t_mon = ts
        if ($0 ~ /"container-internal", "start"/ && !t_helper) { t_helper = ts; helper = pid }
        # Adopted: the CLI forks the launcher, which launches the container and becomes the monitor.
        if (pid == cli && !t_mon && $0 ~ /clone\(child_stack=NULL, flags=[A-Z_|]*SIGCHLD/ && match($0, /= [0-9]+/)) {
            t_mon = ts; launcher = substr($0, RSTART + 2, RLENGTH - 2)
        }
        if (launcher && pid == launcher && !t_helper) t_helper = ts
        if ($0 ~ /execve\("[^"]*\/(ip|nft|iptables-save|iptables-restore|iptables)"/) tool[pid] = 1
        if ($0 ~ /mount\("\/proc\/(self|thread-self)\/task\/[0-9]+\/ns\/net"|mount\("\/proc\/[0-9]+\/task\/[0-9]+\/ns\/net"/ && !t_net) t_net = ts
        if ($0 ~ /mkdir\("[^"]*\/run\/[0-9a-f]+", / && t_helper && !t_runtime) t_runtime = ts
        if ($0 ~ /clone3?\(.*CLONE_NEWNS/ && t_helper && !t_clone) t_clone = ts
        # The overlay mount'"'"'s duration ends its line, or the line of its "resumed" half when another
        # process'"'"'s system call came between.
        if ($0 ~ /mount\("overlay"/ && !init) {
            init = pid
            if (match($0, /<[0-9.]+>$/)) overlay = substr($0, RSTART + 1, RLENGTH - 2) * 1000
            else overlay_pending = 1
        } else if (overlay_pending && pid == init && $0 ~ /<\.\.\. mount resumed>/ && match($0, /<[0-9.]+>$/)) {
            overlay = substr($0, RSTART + 1, RLENGTH - 2) * 1000; overlay_pending = 0
        }
        if (init && pid == init && $0 ~ /execve\(/) t_exec = ts
        if ($0 ~ /\+\+\+ exited/ && pid == cli) t_end = ts
    }
    END {
        net_start = t_net ? t_net : t_runtime
        printf "%.2f %.2f %.2f %.2f %.2f %.2f %.2f %.2f %.2f\n", ms(t_cli, t_mon), ms(t_mon, t_helper),
            ms(t_helper, net_start), (t_net ? ms(t_net, t_runtime) : 0), ms(t_runtime, t_clone), ms(t_clone, t_exec),
            overlay, ms(t_exec, t_end), ms(t_cli, t_end)
    }' "$1"
}

# breakdown_run LOG ARGS...: one traced `skiff run -d --rm ARGS`. The command exits at once, so its
# monitor ends too and strace returns by itself (a traced monitor would keep strace waiting).
breakdown_run() {
    local log="$1"; shift
    strace -f -ttt -T -q -o "$log" -e trace=execve,execveat,clone,clone3,vfork,mkdir,mount -e signal=none \
        env SKIFF_ROOT="$WORK/breakdown" "$skiff" run -d --rm "$@" >/dev/null 2>"$WORK/breakdown.err"
}

section_start-breakdown() {
    [[ -n "$skiff" ]] || { goal SKIP "start-breakdown" "no skiff binary"; return 0; }
    command -v strace >/dev/null || { note "installing strace"; DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends strace >&2; }
    local archive; archive="$("$REPO/Scripts/make-images" --only busybox 2>/dev/null || true)"
    [[ -f "$archive" ]] || { goal SKIP "start-breakdown" "no busybox.tar (Scripts/make-images)"; return 0; }
    on_exit "SKIFF_ROOT='$WORK/breakdown' '$skiff' rm -f \$(SKIFF_ROOT='$WORK/breakdown' '$skiff' ps -aq) >/dev/null 2>&1"
    SKIFF_ROOT="$WORK/breakdown" "$skiff" load -i "$archive" >/dev/null
    local n=10 net i out="$results/start-breakdown.txt"
    : >"$out"
    {
        echo
        echo "== start-breakdown: one skiff run -d --rm busybox true, phases under strace (median of $n, ms)"
        printf '%-8s %7s %8s %8s %7s %7s %7s %7s %7s %8s %10s\n' network cli hand-off launcher network runtime init \
            "(overlay)" report "traced" "untraced"
    } | tee -a "$out" "$results/summary.txt"
    for net in none bridge; do
        local flags=(); [[ "$net" == none ]] && flags=(--network none)
        local phases="$WORK/breakdown-$net.txt"
        : >"$phases"
        breakdown_run "$WORK/breakdown-warm.log" "${flags[@]}" busybox true || true
        for ((i = 0; i < n; i++)); do
            if breakdown_run "$WORK/breakdown-$net-$i.log" "${flags[@]}" busybox true; then
                breakdown_phases "$WORK/breakdown-$net-$i.log" >>"$phases"
            else
                note "traced skiff run -d failed: $(tail -n 3 "$WORK/breakdown.err")"
            fi
        done
        # The same start untraced: its total, to set the traced phases against.
        local t0 t1 totals=()
        for ((i = 0; i < n; i++)); do
            t0="$(date +%s%N)"
            SKIFF_ROOT="$WORK/breakdown" "$skiff" run -d --rm "${flags[@]}" busybox true >/dev/null || break
            t1="$(date +%s%N)"
            totals+=("$(( (t1 - t0) / 1000 ))")
        done
        local untraced; untraced="$(printf '%s\n' "${totals[@]}" | sort -n | awk '{v[NR] = $1} END { if (NR) printf "%.2f", v[int((NR + 1) / 2)] / 1000 }')"
        awk -v net="$net" -v untraced="${untraced:--}" '
            { for (c = 1; c <= NF; c++) col[c, NR] = $c; cols = NF }
            END {
                printf "%-8s", net
                for (c = 1; c <= cols; c++) {
                    m = 0; for (r = 1; r <= NR; r++) v[r] = col[c, r]
                    for (r = 1; r <= NR; r++) for (s = r + 1; s <= NR; s++) if (v[s] < v[r]) { t = v[r]; v[r] = v[s]; v[s] = t }
                    printf (c == 7 ? " %9.2f" : (c == 2 || c == 3) ? " %8.2f" : " %7.2f"), (NR ? v[int((NR + 1) / 2)] : -1)
                }
                printf " %10s\n", untraced
            }' "$phases" | tee -a "$out" "$results/summary.txt"
        SKIFF_ROOT="$WORK/breakdown" "$skiff" rm -f $(SKIFF_ROOT="$WORK/breakdown" "$skiff" ps -aq) >/dev/null 2>&1 || true
    done
}
