# Sections of Scripts/bench (sourced) for what detached containers cost once they run: rm-50 and
# monitor-memory. Issue 15's goals:
#   `rm -f` of 50 running containers (default network) <= 0.5 s in all;
#   the monitor's memory per detached container (PSS, /proc/PID/smaps_rollup) <= conmon's.
# Skiff runs with SKIFF_ROOT under $WORK; podman with its own --root/--runroot (vfs) under $WORK and, on
# this host, --ulimit nofile=20000:20000 --ulimit nproc=1024:1024 (its defaults exceed the hard limits).

SECTIONS+=(
    "rm-50:rm -f of 50 running detached busybox containers in one command (median of 3 rounds; goal <= 0.5 s)"
    "monitor-memory:PSS per detached container of skiff-monitor vs podman's conmon, 20 containers each (goal <= conmon)"
)

teardown_busybox() {
    local archive; archive="$("$REPO/Scripts/make-images" --only busybox 2>/dev/null || true)"
    [[ -f "$archive" ]] && echo "$archive"
}
teardown_skiff() { SKIFF_ROOT="$WORK/teardown-skiff" "$skiff" "$@"; }
teardown_podman() {
    podman --root "$WORK/teardown-podman/root" --runroot "$WORK/teardown-podman/run" --storage-driver vfs \
        --cgroup-manager cgroupfs --events-backend none "$@"
}
teardown_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# pss_each PID...: the mean Pss (kB) of the processes, from /proc/PID/smaps_rollup (shared pages
# divided among the processes that map them: what each one really costs).
pss_each() {
    local pid total=0 n=0 v
    for pid in "$@"; do
        v="$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null)"
        [[ -n "$v" ]] || continue
        total=$((total + v)); n=$((n + 1))
    done
    ((n)) && echo $((total / n))
}

section_rm-50() {
    local what="rm-50: rm -f of 50 running containers <= 500 ms"
    [[ -n "$skiff" ]] || { goal SKIP "$what" "no skiff binary"; return 0; }
    local archive; archive="$(teardown_busybox)"
    [[ -n "$archive" ]] || { goal SKIP "$what" "no busybox.tar (Scripts/make-images)"; return 0; }
    on_exit "SKIFF_ROOT='$WORK/teardown-skiff' '$skiff' rm -f \$(SKIFF_ROOT='$WORK/teardown-skiff' '$skiff' ps -aq) >/dev/null 2>&1"
    teardown_skiff load -i "$archive" >/dev/null
    local round i t0 t1 ids times=()
    for round in 1 2 3; do
        for ((i = 0; i < 50; i++)); do
            teardown_skiff run -d busybox sleep 100000 >/dev/null || { goal FAIL "$what" "run -d failed"; return 0; }
        done
        ids="$(teardown_skiff ps -q)"
        [[ "$(wc -w <<<"$ids")" == 50 ]] || { goal FAIL "$what" "$(wc -w <<<"$ids") of 50 containers running"; return 0; }
        t0="$(teardown_ms)"
        # shellcheck disable=SC2086
        teardown_skiff rm -f $ids >/dev/null || { goal FAIL "$what" "rm -f failed"; return 0; }
        t1="$(teardown_ms)"
        times+=($((t1 - t0)))
        [[ -z "$(teardown_skiff ps -aq)" ]] || { goal FAIL "$what" "containers left after rm -f"; return 0; }
    done
    local median; median="$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)"
    {
        echo
        echo "== rm-50: skiff rm -f of 50 running containers, 3 rounds: ${times[*]} ms (median $median ms)"
    } | tee -a "$results/summary.txt"
    if ((median <= 500)); then goal PASS "$what" "median $median ms"; else goal FAIL "$what" "median $median ms"; fi
}

section_monitor-memory() {
    local what="monitor-memory: skiff-monitor PSS <= conmon's"
    local archive; archive="$(teardown_busybox)"
    [[ -n "$archive" ]] || { goal SKIP "$what" "no busybox.tar (Scripts/make-images)"; return 0; }
    local n=20 i skiff_pss="" conmon_pss=""
    if [[ -n "$skiff" ]]; then
        on_exit "SKIFF_ROOT='$WORK/teardown-skiff' '$skiff' rm -f \$(SKIFF_ROOT='$WORK/teardown-skiff' '$skiff' ps -aq) >/dev/null 2>&1"
        teardown_skiff load -i "$archive" >/dev/null
        for ((i = 0; i < n; i++)); do teardown_skiff run -d --network none busybox sleep 100000 >/dev/null; done
        # shellcheck disable=SC2046
        skiff_pss="$(pss_each $(pgrep -f "skiff-monitor .*$WORK/teardown-skiff"))"
        # shellcheck disable=SC2046
        teardown_skiff rm -f $(teardown_skiff ps -aq) >/dev/null
    fi
    if command -v podman >/dev/null; then
        on_exit "podman --root '$WORK/teardown-podman/root' --runroot '$WORK/teardown-podman/run' --storage-driver vfs rm -af -t 0 >/dev/null 2>&1"
        teardown_podman load -i "$archive" >/dev/null 2>&1
        for ((i = 0; i < n; i++)); do
            teardown_podman run -d --ulimit nofile=20000:20000 --ulimit nproc=1024:1024 --network none \
                busybox sleep 100000 >/dev/null 2>&1 || break
        done
        # shellcheck disable=SC2046
        conmon_pss="$(pss_each $(pgrep -f "conmon .*$WORK/teardown-podman"))"
        teardown_podman rm -af -t 0 >/dev/null 2>&1
    fi
    {
        echo
        echo "== monitor-memory: PSS per detached container, $n containers each (/proc/PID/smaps_rollup)"
        echo "skiff-monitor: ${skiff_pss:--} kB; conmon: ${conmon_pss:--} kB"
    } | tee -a "$results/summary.txt"
    if [[ -z "$skiff_pss" || -z "$conmon_pss" ]]; then goal SKIP "$what" "needs both skiff-monitor and conmon figures"
    elif ((skiff_pss <= conmon_pss)); then goal PASS "$what" "$skiff_pss kB vs $conmon_pss kB"
    else goal FAIL "$what" "$skiff_pss kB vs $conmon_pss kB"; fi
}
