# Lifecycle sections of Scripts/bench (sourced): detached-50 and exec. Goals (issues 5 and 15):
#   50 detached starts in <= 1 s and faster than podman's, with --network none and with the default
#   (bridge) network, the same for both, timed in turns with crun's bare `run -d` (the floor; on the
#   bridge, into a namespace that netfloor.c made on a bridge) because this VM's speed moves between
#   minutes; monitor PSS per container at or below conmon's;
#   `exec` latency vs `podman exec`, with `crun exec` (no seccomp profile) as the floor.
# Skiff runs with SKIFF_ROOT under $WORK; podman with its own --root/--runroot (vfs) under $WORK and,
# on this host, --ulimit nofile=20000:20000 --ulimit nproc=1024:1024 (its defaults exceed the hard limits).

# exec runs first: after detached-50 removes its 100 containers the kernel goes on freeing their v1
# cgroups in the background for seconds, and an exec timed then took 15.1 ms against 9.5 ms alone.
SECTIONS+=(
    "exec:latency of exec true in a running container: skiff exec vs podman exec (and crun exec, as a floor)"
    "detached-50:start 50 detached busybox containers (--network none, then the bridge), then remove them: skiff (in turns with crun's bare run -d, the floor, on each network) vs podman"
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
PODMAN_LIMITS=(--ulimit nofile=20000:20000 --ulimit nproc=1024:1024)
PODMAN_RUN_FLAGS=("${PODMAN_LIMITS[@]}" --network none)

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

# detached_starts TOOL NETWORK: start 50 detached busybox containers with TOOL (skiff|podman) on NETWORK
# ("none", or "default": skiff's bridge, podman's default network), then remove them. Sets START_MS,
# RM_MS, RSS_KB, PSS_KB (per monitor/conmon); prints a line into detached-50.txt. Returns 1 on failure.
DETACHED_N=50
detached_starts() {
    local tool="$1" net="$2" n=$DETACHED_N i t0 t1 t2 t3 pids count rss pss
    local netflags=(); [[ "$net" == none ]] && netflags=(--network none)
    settle_inodes
    if [[ "$tool" == skiff ]]; then
        t0="$(now_ms)"
        for ((i = 0; i < n; i++)); do lifecycle_skiff run -d "${netflags[@]}" busybox sleep 1000 >/dev/null || return 1; done
        t1="$(now_ms)"
        pids="$(pgrep -f "skiff-monitor .*$WORK/lifecycle-skiff" | tr '\n' ' ')"
    else
        t0="$(now_ms)"
        for ((i = 0; i < n; i++)); do
            lifecycle_podman run -d "${PODMAN_LIMITS[@]}" "${netflags[@]}" busybox sleep 1000 >/dev/null 2>"$WORK/podman-run.err" ||
                { tail -3 "$WORK/podman-run.err" >&2; return 1; }
        done
        t1="$(now_ms)"
        pids="$(pgrep -f "conmon .*$WORK/lifecycle-podman" | tr '\n' ' ')"
    fi
    read -r rss pss <<<"$(rss_kb $pids)"
    count="$(wc -w <<<"$pids")"
    t2="$(now_ms)"
    if [[ "$tool" == skiff ]]; then
        # shellcheck disable=SC2046
        lifecycle_skiff rm -f $(lifecycle_skiff ps -aq) >/dev/null
    else
        lifecycle_podman rm -af -t 0 >/dev/null 2>&1
    fi
    t3="$(now_ms)"
    START_MS=$((t1 - t0)); RM_MS=$((t3 - t2))
    RSS_KB=$((count ? rss / count : 0)); PSS_KB=$((count ? pss / count : 0))
    printf '%-6s network %-7s: %d starts %6d ms (%5.1f ms each), rm -f all %6d ms; %d monitors, RSS %d kB, PSS %d kB each\n' \
        "$tool" "$net" "$n" "$START_MS" "$(awk -v t="$START_MS" -v n="$n" 'BEGIN { print t / n }')" "$RM_MS" "$count" \
        "$RSS_KB" "$PSS_KB" | tee -a "$results/detached-50.txt"
}

# crun_spec SECCOMP: the spec skiff writes for `run -d --network none busybox sleep 1000`, made fit
# for crun: crun 1.8 knows runtime-spec versions up to 1.0.x; no cgroupsPath (see run-image); the /etc
# files skiff binds are its own; the rootfs is the bundle's "rootfs" (an overlay of the busybox layer).
# SECCOMP "no" drops Docker's profile. Needs skiff's busybox image loaded in lifecycle-skiff.
crun_spec() {
    local seccomp="$1" cdir
    lifecycle_skiff create --name crun-spec-source --network none busybox sleep 1000 >/dev/null || return 1
    cdir="$WORK/lifecycle-skiff/containers/$(lifecycle_skiff inspect -f '{{.Id}}' crun-spec-source)"
    jq --arg s "$seccomp" '.ociVersion = "1.0.2" | del(.linux.cgroupsPath) | .root = {path: "rootfs"} | del(.annotations)
        | .mounts |= map(select(.destination | startswith("/etc/") | not))
        | if $s == "no" then del(.linux.seccomp) else . end' "$cdir/config.json" || return 1
    lifecycle_skiff rm crun-spec-source >/dev/null
}

# crun_lower: skiff's unpacked busybox layer, the lower directory of crun's overlays.
crun_lower() { ls -d "$WORK"/lifecycle-skiff/layers/*/diff | head -n1; }

# crun_overlay LOWER DIR: mount an overlay of LOWER at DIR/rootfs, with DIR/upper and DIR/work, all three
# made beforehand (crun's floor times the mount alone, not a mkdir or a look-up of the layer).
crun_overlay() {
    local lower="$1" dir="$2"
    mount -t overlay overlay -o "lowerdir=$lower,upperdir=$dir/upper,workdir=$dir/work" "$dir/rootfs"
}

# crun_detached_floor SECCOMP: the same 50 detached starts with crun alone, as a floor: each gets a
# fresh overlay of the busybox layer (mount(8), timed) and the spec skiff writes for `run -d --network
# none` (Docker's settings), then `crun run -d` — no monitor, no log, no record, no network set-up.
# SECCOMP "yes" keeps Docker's profile (crun compiles it at every start; skiff caches the BPF), "no"
# drops it: what is left is the kernel's work a start cannot avoid (clone with its namespaces, the
# mounts, pivot_root, the cgroup). Sets START_MS and prints a line into detached-50.txt.
crun_detached_floor() {
    local seccomp="$1" dir="$WORK/crun-detached" n=$DETACHED_N i t0 t1 spec lower
    prepare_crun_cgroups
    mkdir -p "$dir"
    lower="$(crun_lower)"
    spec="$(crun_spec "$seccomp")" || return 1
    for ((i = 0; i < n; i++)); do mkdir -p "$dir/$seccomp$i/upper" "$dir/$seccomp$i/work" "$dir/$seccomp$i/rootfs"; done
    on_exit "crun_floor_down '$dir' '$seccomp'"
    settle_inodes
    t0="$(now_ms)"
    for ((i = 0; i < n; i++)); do
        crun_overlay "$lower" "$dir/$seccomp$i" || return 1
        printf '%s\n' "$spec" >"$dir/$seccomp$i/config.json"
        crun --root "$dir/state" run -d --bundle "$dir/$seccomp$i" "floor-$seccomp$i" </dev/null >/dev/null 2>"$WORK/crun-run.err" ||
            { tail -3 "$WORK/crun-run.err" >&2; return 1; }
    done
    t1="$(now_ms)"
    crun_floor_down "$dir" "$seccomp"
    START_MS=$((t1 - t0))
    printf '%-6s network %-7s: %d starts %6d ms (%5.1f ms each): crun run -d alone, seccomp %s (a floor, no monitor or record)\n' \
        crun none "$n" "$START_MS" "$(awk -v t="$START_MS" -v n="$n" 'BEGIN { print t / n }')" "$seccomp" |
        tee -a "$results/detached-50.txt"
}

# crun_floor_down DIR SECCOMP: delete crun_detached_floor's containers and unmount their overlays.
crun_floor_down() {
    local dir="$1" seccomp="$2" k
    for ((k = 0; k < DETACHED_N; k++)); do
        crun --root "$dir/state" delete -f "floor-$seccomp$k" >/dev/null 2>&1
        mountpoint -q "$dir/$seccomp$k/rootfs" && umount "$dir/$seccomp$k/rootfs"
    done
    return 0
}

# netfloor_build: the bridge's floor tool (netfloor.c beside this file: a network namespace, a veth pair
# on a bridge, addresses and a route, made through rtnetlink and nothing else) built into $WORK, and the
# bridge it attaches to (no address, so the host gains no route), removed at exit. Sets NETFLOOR and
# NETFLOOR_BRIDGE; returns 1 when there is no C compiler or the bridge cannot be made.
netfloor_build() {
    NETFLOOR="$WORK/netfloor" NETFLOOR_BRIDGE="bfloor$$"
    command -v cc >/dev/null || return 1
    cc -O2 -o "$NETFLOOR" "$REPO/Scripts/bench.d/netfloor.c" || return 1
    ip link add "$NETFLOOR_BRIDGE" type bridge || return 1
    on_exit "ip link del '$NETFLOOR_BRIDGE' 2>/dev/null"
    ip link set "$NETFLOOR_BRIDGE" up
}

# skiff_and_floor_in_turns: skiff's 50 detached starts with --network none and on the default bridge,
# and crun's bare floors: for none, a fresh overlay and `crun run -d` of the same spec without seccomp
# (crun_detached_floor's); for the bridge, the same after `netfloor up` has made each container's network
# namespace on a bridge, which crun's spec then joins. Taking turns in rounds of DETACHED_ROUND starts
# each after one settle. Run one after the other, the series measured different minutes of this VM: the
# same install's 50 starts took 21.7 ms each in one run and 29.9 in the next, crun's floor 23.3 and
# 18.5 ms. Nothing is removed until the last round. Sets START[skiff/none], START[skiff/default],
# START[crun/none], START[crun/default] (ms for 50; the last 0 without netfloor), SKIFF_RSS, SKIFF_PSS
# (per monitor) and SKIFF_RM_MS (rm -f of the 100); prints lines into detached-50.txt.
DETACHED_ROUND=10
skiff_and_floor_in_turns() {
    local n=$DETACHED_N dir="$WORK/crun-turns" r i t0 t1 spec bridged="" lower pids rss pss count
    START=([skiff/none]=0 [skiff/default]=0 [crun/none]=0 [crun/default]=0)
    prepare_crun_cgroups
    spec="$(crun_spec no)" || return 1
    lower="$(crun_lower)"  # unpacked by crun_spec's create, if no start had
    if netfloor_build; then
        bridged="$(jq '.linux.namespaces |= map(if .type == "network" then .path = "NETNS_PATH" else . end)' <<<"$spec")"
        mkdir -p "$dir/net"
        on_exit "'$NETFLOOR' down '$dir/net' 0 $n"
    else
        note "no bridge floor (netfloor needs cc and a bridge)"
    fi
    for ((i = 0; i < n; i++)); do
        mkdir -p "$dir/turn$i/upper" "$dir/turn$i/work" "$dir/turn$i/rootfs"
        [[ -n "$bridged" ]] && mkdir -p "$dir/bturn$i/upper" "$dir/bturn$i/work" "$dir/bturn$i/rootfs"
    done
    on_exit "crun_floor_down '$dir' turn; crun_floor_down '$dir' bturn"
    settle_inodes
    for ((r = 0; r < n; r += DETACHED_ROUND)); do
        t0="$(now_ms)"
        for ((i = r; i < r + DETACHED_ROUND; i++)); do
            lifecycle_skiff run -d --network none busybox sleep 1000 >/dev/null || return 1
        done
        t1="$(now_ms)"; START[skiff/none]=$((START[skiff/none] + t1 - t0))
        for ((i = r; i < r + DETACHED_ROUND; i++)); do lifecycle_skiff run -d busybox sleep 1000 >/dev/null || return 1; done
        t0="$(now_ms)"; START[skiff/default]=$((START[skiff/default] + t0 - t1))
        for ((i = r; i < r + DETACHED_ROUND; i++)); do crun_floor_start "$lower" "$dir/turn$i" "floor-turn$i" "$spec" || return 1; done
        t1="$(now_ms)"; START[crun/none]=$((START[crun/none] + t1 - t0))
        [[ -n "$bridged" ]] || continue
        "$NETFLOOR" up "$NETFLOOR_BRIDGE" "$dir/net" "$r" "$DETACHED_ROUND" || return 1
        for ((i = r; i < r + DETACHED_ROUND; i++)); do
            crun_floor_start "$lower" "$dir/bturn$i" "floor-bturn$i" "${bridged//NETNS_PATH/$dir/net/ns$i}" || return 1
        done
        t0="$(now_ms)"; START[crun/default]=$((START[crun/default] + t0 - t1))
    done
    pids="$(pgrep -f "skiff-monitor .*$WORK/lifecycle-skiff" | tr '\n' ' ')"
    read -r rss pss <<<"$(rss_kb $pids)"
    count="$(wc -w <<<"$pids")"
    SKIFF_RSS=$((count ? rss / count : 0)); SKIFF_PSS=$((count ? pss / count : 0))
    crun_floor_down "$dir" turn
    crun_floor_down "$dir" bturn
    [[ -n "$bridged" ]] && "$NETFLOOR" down "$dir/net" 0 "$n"
    t0="$(now_ms)"
    # shellcheck disable=SC2046
    lifecycle_skiff rm -f $(lifecycle_skiff ps -aq) >/dev/null
    SKIFF_RM_MS=$(($(now_ms) - t0))
    local key floors=(skiff/none skiff/default crun/none)
    [[ -n "$bridged" ]] && floors+=(crun/default)
    for key in "${floors[@]}"; do
        printf '%-6s network %-7s: %d starts %6d ms (%5.1f ms each)%s\n' "${key%%/*}" "${key#*/}" "$n" "${START[$key]}" \
            "$(awk -v t="${START[$key]}" -v n="$n" 'BEGIN { print t / n }')" \
            "$(case $key in crun/none) echo ": crun run -d alone, no seccomp (the floor), in the same rounds" ;;
                crun/default) echo ": the same, into netfloor's namespace on a bridge (the bridge's floor)" ;; esac)" |
            tee -a "$results/detached-50.txt"
    done
    printf 'skiff: in turns, rounds of %d; %d monitors, RSS %d kB, PSS %d kB each; rm -f of all %d: %d ms\n' \
        "$DETACHED_ROUND" "$count" "$SKIFF_RSS" "$SKIFF_PSS" "$((2 * n))" "$SKIFF_RM_MS" | tee -a "$results/detached-50.txt"
}

# crun_floor_start LOWER DIR ID SPEC: one start of crun's floor (timed by the caller, so builtins only
# besides mount and crun): an overlay of LOWER at DIR/rootfs, SPEC as its config.json, `crun run -d`
# with its state beside DIR (where crun_floor_down looks).
crun_floor_start() {
    local lower="$1" dir="$2" id="$3" spec="$4"
    crun_overlay "$lower" "$dir" || return 1
    printf '%s\n' "$spec" >"$dir/config.json"
    crun --root "${dir%/*}/state" run -d --bundle "$dir" "$id" </dev/null >/dev/null 2>"$WORK/crun-run.err" ||
        { tail -3 "$WORK/crun-run.err" >&2; return 1; }
}

# series_apart TOOL: TOOL's 50 detached starts on each network, one series after the other (podman's,
# and skiff's when crun is missing). Fills the caller's start[TOOL/NETWORK], and TOOL's RSS and PSS per
# monitor (PODMAN_RSS, PODMAN_PSS, or SKIFF_...).
series_apart() {
    local tool="$1" net prefix="${1^^}"
    for net in none default; do
        if detached_starts "$tool" "$net"; then
            start[$tool/$net]=$START_MS
            printf -v "${prefix}_RSS" '%s' "$RSS_KB"
            printf -v "${prefix}_PSS" '%s' "$PSS_KB"
        else
            FAILED[detached-50/$tool-$net]=1
            note "$tool run -d (network $net) failed"
        fi
    done
}

# Issue 15's goal for 50 detached starts, on either network: <= 1000 ms (20 ms each).
DETACHED_GOAL_MS=1000

section_detached-50() {
    local archive; archive="$(lifecycle_busybox)"
    [[ -n "$archive" ]] || { goal SKIP "detached-50" "no busybox.tar (Scripts/make-images)"; return 0; }
    : >"$results/detached-50.txt"
    local -A start
    local net
    # podman's default network here is its bridge (netavark); skiff's is its bridge. Both ways, same for both.
    if [[ -n "$skiff" ]]; then
        on_exit "SKIFF_ROOT='$WORK/lifecycle-skiff' '$skiff' rm -f \$(SKIFF_ROOT='$WORK/lifecycle-skiff' '$skiff' ps -aq) >/dev/null 2>&1"
        lifecycle_skiff load -i "$archive" >/dev/null
    fi
    if command -v podman >/dev/null; then
        prepare_crun_cgroups  # as in section_exec
        on_exit "podman --root '$WORK/lifecycle-podman/root' --runroot '$WORK/lifecycle-podman/run' --storage-driver vfs rm -af -t 0 >/dev/null 2>&1"
        lifecycle_podman load -i "$archive" >/dev/null 2>&1
    fi
    command -v podman >/dev/null && series_apart podman
    local -A floor=()
    if [[ -n "$skiff" ]] && command -v crun >/dev/null; then
        local -A START=()
        if skiff_and_floor_in_turns; then
            start[skiff/none]=${START[skiff/none]} start[skiff/default]=${START[skiff/default]}
            floor[none]=${START[crun/none]} floor[default]=${START[crun/default]}
        else
            FAILED[detached-50/skiff]=1
            note "skiff run -d or crun's floor failed in turns"
        fi
        crun_detached_floor yes || note "crun run -d (Docker's seccomp profile) failed"
    elif [[ -n "$skiff" ]]; then
        series_apart skiff
    fi
    cat "$results/detached-50.txt" >>"$results/summary.txt"
    for net in none default; do
        local s="${start[skiff/$net]:-}" p="${start[podman/$net]:-}" f="${floor[$net]:-0}"
        local title="detached-50: 50 run -d, network $net <= $DETACHED_GOAL_MS ms"
        # FLOOR: missed, but crun's own floor in the same rounds is above the goal too, and skiff is
        # within 1.2x of it: the goal is below what this kernel allows (issue 15: "show the floor").
        if [[ -z "$s" ]]; then goal FAIL "$title" "skiff failed or not run"
        elif ((s <= DETACHED_GOAL_MS)); then goal PASS "$title" "$s ms ($((s / DETACHED_N)) ms each)"
        elif ((f > DETACHED_GOAL_MS && s * 10 <= f * 12)); then
            goal FLOOR "$title" "$s ms ($((s / DETACHED_N)) ms each); crun's floor $f ms is above it"
        else goal FAIL "$title" "$s ms ($((s / DETACHED_N)) ms each)"; fi
        # What the goal stands on: crun's own `run -d` of the same spec (no seccomp; on the bridge, into
        # a namespace netfloor made on a bridge) in the same rounds, within the 1.2x that run-image allows.
        title="detached-50: network $net within 1.2x crun's bare run -d (same rounds)"
        if [[ -z "$s" || "$f" == 0 ]]; then goal SKIP "$title" "needs both results"
        elif ((s * 10 <= f * 12)); then goal PASS "$title" "$s ms vs $f ms"
        else goal FAIL "$title" "$s ms vs $f ms"; fi
        title="detached-50: network $net faster than podman"
        if [[ -z "$s" || -z "$p" ]]; then goal SKIP "$title" "needs both results"
        elif ((s < p)); then goal PASS "$title" "$s ms vs $p ms"
        else goal FAIL "$title" "$s ms vs $p ms"; fi
    done
    if [[ -z "${SKIFF_PSS:-}" || -z "${PODMAN_PSS:-}" ]]; then
        goal SKIP "detached-50: monitor PSS <= conmon's" "needs both results"
    elif ((SKIFF_PSS <= PODMAN_PSS)); then goal PASS "detached-50: monitor PSS <= conmon's" "$SKIFF_PSS kB vs $PODMAN_PSS kB"
    else goal FAIL "detached-50: monitor PSS <= conmon's" "$SKIFF_PSS kB vs $PODMAN_PSS kB"; fi
}

# crun_exec_target: `crun run -d` of busybox sleep as bench-exec-crun (crun_spec without seccomp), undone
# at exit.
crun_exec_target() {
    local dir="$WORK/crun-exec" spec
    prepare_crun_cgroups
    spec="$(crun_spec no)" || return 1
    mkdir -p "$dir/upper" "$dir/work" "$dir/rootfs"
    crun_overlay "$(crun_lower)" "$dir" || return 1
    on_exit "crun --root '$dir/state' delete -f bench-exec-crun >/dev/null 2>&1; umount '$dir/rootfs'"
    printf '%s\n' "$spec" >"$dir/config.json"
    crun --root "$dir/state" run -d --bundle "$dir" bench-exec-crun </dev/null >/dev/null 2>"$WORK/crun-exec.err" ||
        { tail -3 "$WORK/crun-exec.err" >&2; return 1; }
}

section_exec() {
    local archive; archive="$(lifecycle_busybox)"
    [[ -n "$archive" ]] || { goal SKIP "exec" "no busybox.tar (Scripts/make-images)"; return 0; }
    local tools=()
    if [[ -n "$skiff" ]]; then
        on_exit "SKIFF_ROOT='$WORK/lifecycle-skiff' '$skiff' rm -f bench-exec >/dev/null 2>&1"
        lifecycle_skiff load -i "$archive" >/dev/null
        lifecycle_skiff run -d --name bench-exec busybox sleep 100000 >/dev/null
        settle_inodes
        # The state root from the environment (as podman's --root below), not through env(1), whose own
        # exec and locale loading (0.7 ms here) would be charged to skiff.
        SKIFF_ROOT="$WORK/lifecycle-skiff" time_one exec skiff "$skiff" exec bench-exec true
        tools+=(skiff)
        # The floor in the same run: `crun exec` into a container crun runs from skiff's spec without a
        # seccomp profile (with Docker's, crun compiles it at every exec), no record, no events.
        if command -v crun >/dev/null && crun_exec_target; then
            time_one exec crun crun --root "$WORK/crun-exec/state" exec bench-exec-crun true
            tools+=(crun)
        fi
    fi
    if command -v podman >/dev/null; then
        prepare_crun_cgroups  # podman's runtime is crun, which refuses this host's hybrid cgroups without it
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
