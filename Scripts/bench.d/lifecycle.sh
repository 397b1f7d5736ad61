# Lifecycle sections of Scripts/bench (sourced): detached-50 and exec. Issue 5's goals:
#   monitor RSS per container at or below conmon's; 50 detached starts faster than podman's;
#   `exec` latency vs `podman exec`.
# Skiff runs with SKIFF_ROOT under $WORK; podman with its own --root/--runroot (vfs) under $WORK and,
# on this host, --ulimit nofile=20000:20000 --ulimit nproc=1024:1024 (its defaults exceed the hard limits).

SECTIONS+=(
    "detached-50:start 50 detached busybox containers, then remove them: wall time and monitor RSS, skiff vs podman"
    "exec:latency of exec true in a running container: skiff exec vs podman exec"
)

lifecycle_busybox() {
    local archive; archive="$("$REPO/Scripts/make-images" --only busybox 2>/dev/null || true)"
    [[ -f "$archive" ]] && echo "$archive"
}

# The skiff and podman command lines of this section, state kept under $WORK.
lifecycle_skiff() { SKIFF_ROOT="$WORK/lifecycle-skiff" "$skiff" "$@"; }
lifecycle_podman() {
    podman --root "$WORK/lifecycle-podman/root" --runroot "$WORK/lifecycle-podman/run" --storage-driver vfs \
        --cgroup-manager cgroupfs --events-backend none "$@"
}
PODMAN_RUN_FLAGS=(--ulimit nofile=20000:20000 --ulimit nproc=1024:1024 --network none)

# rss_kb PID...: the sum of VmRSS, and of Pss (shared pages divided among their users), in kB.
rss_kb() {
    local pid rss=0 pss=0 v
    for pid in "$@"; do
        v="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null)"; rss=$((rss + ${v:-0}))
        v="$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null)"; pss=$((pss + ${v:-0}))
    done
    echo "$rss $pss"
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

section_detached-50() {
    local archive; archive="$(lifecycle_busybox)"
    [[ -n "$archive" ]] || { goal SKIP "detached-50" "no busybox.tar (Scripts/make-images)"; return 0; }
    local n=50 i t0 t1 ids
    local out="$results/detached-50.txt"
    : >"$out"
    if [[ -n "$skiff" ]]; then
        on_exit "SKIFF_ROOT='$WORK/lifecycle-skiff' '$skiff' rm -f \$(SKIFF_ROOT='$WORK/lifecycle-skiff' '$skiff' ps -aq) >/dev/null 2>&1"
        lifecycle_skiff load -i "$archive" >/dev/null
        t0="$(now_ms)"
        for ((i = 0; i < n; i++)); do lifecycle_skiff run -d busybox sleep 1000 >/dev/null || { FAILED[detached-50/skiff]=1; break; }; done
        t1="$(now_ms)"
        local pids; pids="$(pgrep -f "skiff-monitor .*$WORK/lifecycle-skiff" | tr '\n' ' ')"
        read -r rss pss <<<"$(rss_kb $pids)"
        local count; count="$(wc -w <<<"$pids")"
        local t2; t2="$(now_ms)"
        # shellcheck disable=SC2046
        lifecycle_skiff rm -f $(lifecycle_skiff ps -aq) >/dev/null
        local t3; t3="$(now_ms)"
        SKIFF_START=$((t1 - t0)); SKIFF_RM=$((t3 - t2))
        SKIFF_RSS=$((count ? rss / count : 0)); SKIFF_PSS=$((count ? pss / count : 0))
        printf 'skiff:  %d starts %6d ms (%d ms each), rm -f all %6d ms; %d monitors, RSS %d kB, PSS %d kB each\n' \
            "$n" "$SKIFF_START" $((SKIFF_START / n)) "$SKIFF_RM" "$count" "$SKIFF_RSS" "$SKIFF_PSS" | tee -a "$out"
    fi
    if command -v podman >/dev/null; then
        on_exit "podman --root '$WORK/lifecycle-podman/root' --runroot '$WORK/lifecycle-podman/run' --storage-driver vfs rm -af -t 0 >/dev/null 2>&1"
        lifecycle_podman load -i "$archive" >/dev/null 2>&1
        t0="$(now_ms)"
        for ((i = 0; i < n; i++)); do
            lifecycle_podman run -d "${PODMAN_RUN_FLAGS[@]}" busybox sleep 1000 >/dev/null 2>"$WORK/podman-run.err" ||
                { FAILED[detached-50/podman]=1; tail -3 "$WORK/podman-run.err" >&2; break; }
        done
        t1="$(now_ms)"
        local cpids; cpids="$(pgrep -f "conmon .*$WORK/lifecycle-podman" | tr '\n' ' ')"
        read -r rss pss <<<"$(rss_kb $cpids)"
        local ccount; ccount="$(wc -w <<<"$cpids")"
        local t2; t2="$(now_ms)"
        lifecycle_podman rm -af -t 0 >/dev/null 2>&1
        local t3; t3="$(now_ms)"
        PODMAN_START=$((t1 - t0)); PODMAN_RM=$((t3 - t2))
        PODMAN_RSS=$((ccount ? rss / ccount : 0)); PODMAN_PSS=$((ccount ? pss / ccount : 0))
        printf 'podman: %d starts %6d ms (%d ms each), rm -af  %6d ms; %d conmons,  RSS %d kB, PSS %d kB each\n' \
            "$n" "$PODMAN_START" $((PODMAN_START / n)) "$PODMAN_RM" "$ccount" "$PODMAN_RSS" "$PODMAN_PSS" | tee -a "$out"
    fi
    cat "$out" >>"$results/summary.txt"
    if [[ -z "${SKIFF_START:-}" || -z "${PODMAN_START:-}" ]] || ((${FAILED[detached-50/skiff]:-0} || ${FAILED[detached-50/podman]:-0})); then
        goal SKIP "detached-50: 50 starts faster than podman" "needs both results"
        goal SKIP "detached-50: monitor RSS <= conmon's" "needs both results"
        return 0
    fi
    if ((SKIFF_START < PODMAN_START)); then goal PASS "detached-50: 50 starts faster than podman" "$SKIFF_START ms vs $PODMAN_START ms"
    else goal FAIL "detached-50: 50 starts faster than podman" "$SKIFF_START ms vs $PODMAN_START ms"; fi
    if ((SKIFF_RSS <= PODMAN_RSS)); then goal PASS "detached-50: monitor RSS <= conmon's" "$SKIFF_RSS kB vs $PODMAN_RSS kB"
    else goal FAIL "detached-50: monitor RSS <= conmon's" "$SKIFF_RSS kB vs $PODMAN_RSS kB"; fi
}

section_exec() {
    local archive; archive="$(lifecycle_busybox)"
    [[ -n "$archive" ]] || { goal SKIP "exec" "no busybox.tar (Scripts/make-images)"; return 0; }
    local tools=()
    if [[ -n "$skiff" ]]; then
        on_exit "SKIFF_ROOT='$WORK/lifecycle-skiff' '$skiff' rm -f bench-exec >/dev/null 2>&1"
        lifecycle_skiff load -i "$archive" >/dev/null
        lifecycle_skiff run -d --name bench-exec busybox sleep 100000 >/dev/null
        # hyperfine -N runs without a shell: the state root goes through env(1).
        time_one exec skiff env "SKIFF_ROOT=$WORK/lifecycle-skiff" "$skiff" exec bench-exec true
        tools+=(skiff)
    fi
    if command -v podman >/dev/null; then
        on_exit "podman --root '$WORK/lifecycle-podman/root' --runroot '$WORK/lifecycle-podman/run' --storage-driver vfs rm -f -t 0 bench-exec >/dev/null 2>&1"
        lifecycle_podman load -i "$archive" >/dev/null 2>&1
        lifecycle_podman run -d --name bench-exec "${PODMAN_RUN_FLAGS[@]}" busybox sleep 100000 >/dev/null
        time_one exec podman podman --root "$WORK/lifecycle-podman/root" --runroot "$WORK/lifecycle-podman/run" \
            --storage-driver vfs --cgroup-manager cgroupfs --events-backend none exec bench-exec true
        tools+=(podman)
    fi
    table exec skiff "${tools[@]}"
    local s="${MEDIAN[exec/skiff]:-}" p="${MEDIAN[exec/podman]:-}"
    # Issue 15: exec at crun's pace (crun exec ~4 ms here); the seal's re-exec and skiff's start included.
    if [[ -z "$s" ]]; then goal SKIP "exec: skiff exec median <= 10 ms" "no skiff result"
    elif awk -v s="$s" 'BEGIN { exit !(s <= 10) }'; then goal PASS "exec: skiff exec median <= 10 ms" "$(printf '%.1f ms' "$s")"
    else goal FAIL "exec: skiff exec median <= 10 ms" "$(printf '%.1f ms' "$s")"; fi
    if [[ -n "$s" && -n "$p" ]]; then
        if awk -v s="$s" -v p="$p" 'BEGIN { exit !(s < p) }'; then goal PASS "exec: skiff exec faster than podman exec" "$(printf '%.1f ms vs %.1f ms' "$s" "$p")"
        else goal FAIL "exec: skiff exec faster than podman exec" "$(printf '%.1f ms vs %.1f ms' "$s" "$p")"; fi
    else
        goal SKIP "exec: skiff exec faster than podman exec" "needs both results"
    fi
}
