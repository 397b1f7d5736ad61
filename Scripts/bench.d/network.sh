# Network section of Scripts/bench (sourced). Issue 6's goals:
#   published-port throughput at least Docker's (here: measured against podman run -p, netavark's DNAT;
#   dockerd is not started by this section);
#   the bridge adds under 20 ms to `run --rm true`.
# All traffic is on loopback: wrk → 127.0.0.1:<published port> → DNAT → the container's address on a
# bridge this section's state root made. net.ipv4.tcp_tw_reuse=1 for the run (busybox httpd closes every
# connection), restored at exit.

SECTIONS+=(
    "network:throughput through a published port (wrk, 127.0.0.1) skiff vs podman run -p; run --rm true with and without the bridge"
)

section_network() {
    local archive; archive="$("$REPO/Scripts/make-images" --only busybox 2>/dev/null || true)"
    [[ -f "$archive" ]] || { goal SKIP "network" "no busybox.tar (Scripts/make-images)"; return 0; }
    [[ -n "$skiff" ]] || { goal SKIP "network" "no skiff binary"; return 0; }
    command -v wrk >/dev/null || {
        note "installing wrk"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk >&2 || true
    }
    local out="$results/network.txt" secs=10
    : >"$out"
    local old_tw; old_tw="$(sysctl -n net.ipv4.tcp_tw_reuse)"
    sysctl -q -w net.ipv4.tcp_tw_reuse=1
    on_exit "sysctl -q -w net.ipv4.tcp_tw_reuse=$old_tw"

    local sroot="$WORK/network-skiff"
    net_skiff() { SKIFF_ROOT="$sroot" "$skiff" "$@"; }
    net_skiff load -i "$archive" >/dev/null
    on_exit "SKIFF_ROOT='$sroot' '$skiff' rm -f \$(SKIFF_ROOT='$sroot' '$skiff' ps -aq) >/dev/null 2>&1"

    # run --rm true: none vs bridge.
    time_one network-run none env SKIFF_ROOT="$sroot" "$skiff" run --rm --network none busybox true
    time_one network-run bridge env SKIFF_ROOT="$sroot" "$skiff" run --rm busybox true
    {
        echo
        echo "== network: run --rm busybox true (hyperfine -N, $runs runs)"
    } | tee -a "$results/summary.txt"
    table network-run none none bridge
    local n="${MEDIAN[network-run/none]:-}" b="${MEDIAN[network-run/bridge]:-}"
    if [[ -n "$n" && -n "$b" ]]; then
        local d; d="$(awk -v b="$b" -v n="$n" 'BEGIN { printf "%.1f", b - n }')"
        if awk -v d="$d" 'BEGIN { exit !(d < 20) }'; then goal PASS "network: the bridge adds < 20 ms to run --rm" "+$d ms"
        else goal FAIL "network: the bridge adds < 20 ms to run --rm" "+$d ms"; fi
    fi

    command -v wrk >/dev/null || { goal SKIP "network throughput" "no wrk"; return 0; }
    local page='mkdir -p /www && head -c 4096 /dev/zero | tr "\0" x > /www/index.html && exec httpd -f -p 80 -h /www'
    local sport=$(( 20000 + RANDOM % 10000 )) pport=$(( 30000 + RANDOM % 10000 ))
    net_skiff run -d --name bench-web -p "127.0.0.1:$sport:80" busybox sh -c "$page" >/dev/null
    for _ in $(seq 50); do curl -fs "http://127.0.0.1:$sport/" >/dev/null && break; sleep 0.1; done
    local skiff_rps; skiff_rps="$(wrk -t2 -c32 -d"${secs}s" "http://127.0.0.1:$sport/" | tee -a "$out" | awk '/Requests\/sec/ {print $2}')"
    printf 'skiff  -p 127.0.0.1:%s: %s requests/s\n' "$sport" "${skiff_rps:-failed}" | tee -a "$out"
    net_skiff rm -f bench-web >/dev/null

    local podman_rps=""
    if command -v podman >/dev/null; then
        local p="podman --root $WORK/network-podman/root --runroot $WORK/network-podman/run --storage-driver vfs --cgroup-manager cgroupfs --events-backend none"
        $p load -q -i "$archive" >/dev/null 2>&1 || note "podman load failed"
        on_exit "$p rm -f -t 0 bench-web >/dev/null 2>&1; $p system reset -f >/dev/null 2>&1"
        if $p run -d --name bench-web -p "127.0.0.1:$pport:80" --ulimit nofile=20000:20000 --ulimit nproc=1024:1024 \
            busybox sh -c "$page" >/dev/null 2>"$WORK/podman-net.err"; then
            for _ in $(seq 50); do curl -fs "http://127.0.0.1:$pport/" >/dev/null && break; sleep 0.1; done
            podman_rps="$(wrk -t2 -c32 -d"${secs}s" "http://127.0.0.1:$pport/" | tee -a "$out" | awk '/Requests\/sec/ {print $2}')"
            $p rm -f -t 0 bench-web >/dev/null 2>&1
        else
            note "podman run -p failed: $(tail -n 3 "$WORK/podman-net.err")"
        fi
        printf 'podman -p 127.0.0.1:%s: %s requests/s\n' "$pport" "${podman_rps:-failed}" | tee -a "$out"
    fi
    {
        echo
        echo "== network: wrk -t2 -c32 -d${secs}s through a published port on 127.0.0.1 (busybox httpd, 4 KiB page)"
        printf 'skiff  %s req/s\npodman %s req/s\n' "${skiff_rps:--}" "${podman_rps:--}"
    } | tee -a "$results/summary.txt"
    if [[ -n "$skiff_rps" && -n "$podman_rps" ]]; then
        if awk -v s="$skiff_rps" -v p="$podman_rps" 'BEGIN { exit !(s >= p * 0.95) }'; then
            goal PASS "network: published-port throughput at least podman's (within 5%)" "$skiff_rps vs $podman_rps req/s"
        else
            goal FAIL "network: published-port throughput at least podman's (within 5%)" "$skiff_rps vs $podman_rps req/s"
        fi
    else
        goal SKIP "network throughput vs podman" "a side did not run"
    fi
}
