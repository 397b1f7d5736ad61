# Network section of Scripts/bench (sourced). Issue 6's goals:
#   published-port throughput at least Docker's (`docker run -p`: docker-proxy + DNAT);
#   the bridge adds under 20 ms to `run --rm true`.
# Peers: skiff (kernel DNAT), docker (a private dockerd this section starts, userland proxy on: the
# default docker way) and podman (rootful, iptables DNAT by netavark or the CNI plugins), when
# installed.
#
# All traffic is on loopback: wrk -t2 -c32 -d10s → 127.0.0.1:<published port> → the container's busybox
# httpd. The three web containers serve at once and are measured in turn, 5 rounds, median reported
# (load from elsewhere on the host then falls on all of them alike). One container's rounds spread by
# up to 11% on this VM (4,712–5,253 req/s in one run) while skiff and podman spend the same CPU per
# request (perf record -a over 3 rounds each: 774 and 773 samples per 1,000 requests), so three
# rounds let a 5% goal fall either way. Two pages: 4 KiB and 1 MiB. busybox httpd answers one request
# per connection and closes it (no keep-alive), so with the 4 KiB page every request is a new TCP
# connection through the published port: its requests/s is the connection rate (the "req/s" below).
# The 1 MiB page measures bulk throughput (MiB/s), where a userland proxy's copying shows. From
# 127.0.0.1, docker 20.10's nat OUTPUT rule skips 127.0.0.0/8, so docker's loopback path is
# docker-proxy (its DNAT serves other local addresses); skiff and podman DNAT 127.0.0.1 in the kernel.
#
# Host ports are chosen at random below the ephemeral range (ip_local_port_range; a port in it can be
# held by any client socket — a past run's podman failed with "bind: address already in use" on
# 34584), checked free (no socket, no nftables/iptables rule naming it) and retried on a bind failure.
#
# dockerd: --data-root/--exec-root/--pidfile/--host under $WORK, its own bridge dkbenchN (10.250.N.1/24,
# made here, N the first free), iptables on. dockerd flushes docker's chains when it starts, so it is
# not started while another dockerd with iptables on is running and the chains exist (waits up to
# 5 min, then SKIP; one with --iptables=false, like build-cache's, is no bother). At exit: its
# containers removed, dockerd stopped by PID (its containerd and shims with it; stragglers killed by
# PID), mounts under its dirs unmounted, every iptables rule naming its bridge or subnet deleted; then,
# when no other dockerd with iptables on runs and no other rules are in them, the DOCKER, DOCKER-USER
# and DOCKER-ISOLATION-STAGE-1/2 chains (nat, filter) and the jumps to them from the built-in chains
# deleted, FORWARD policy, ip_forward and bridge-nf-call-* restored; the bridge deleted,
# /etc/docker/key.json removed if dockerd made it.
# podman: --root/--runroot/--tmpdir/--network-config-dir under $WORK, its own network (10.251.N.0/24,
# bridge pdbenchN, no DNS) so it meets neither a bridge on podman's default 10.88.0.0/16 (skiff's
# default too) nor another podman's podman1 (see the section for why --tmpdir). At exit its
# containers, network and storage are removed, then whatever podman lost track of (conmon, bridge,
# the chains for the subnet); the base chains that netavark or the CNI plugins leave behind are
# deleted when no podman network is using them, and the CNI plugins' state of the network with them.
# Either backend is measured: Debian 12's podman uses the CNI plugins unless netavark is installed.
# net.ipv4.tcp_tw_reuse=1 for the run, restored at exit.

SECTIONS+=(
    "network:published port (wrk, 127.0.0.1) skiff vs docker run -p vs podman run -p; run --rm true with and without the bridge"
)

# ---- helpers ----------------------------------------------------------------------------------

net_used_ports=" "
# net_port: a free TCP port in NET_PORT (below the ephemeral range, not used by anything).
net_port() {
    local lo hi base top p i
    read -r lo hi </proc/sys/net/ipv4/ip_local_port_range
    base=20000 top=$((lo - 1))
    if ((top - base < 2000)); then base=10000; fi
    if ((top - base < 2000)); then base=$((hi + 1)) top=65000; fi
    for i in $(seq 200); do
        p=$((base + (RANDOM * 32768 + RANDOM) % (top - base + 1)))
        [[ "$net_used_ports" == *" $p "* ]] && continue
        [[ -n "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ]] && continue
        nft list ruleset 2>/dev/null | grep -qE "dport $p([^0-9]|\$)" && continue
        net_used_ports+="$p "
        NET_PORT="$p"
        return 0
    done
    return 1
}

# net_subnet A.B: the first N in 0..255 with no address or route in A.B.N.0/24 and no link named
# PREFIX N (second argument); sets NET_N.
net_subnet() {
    local ab="$1" prefix="$2" n used
    used="$(ip -4 -o addr show; ip -4 route show table all)"
    for n in $(seq 0 255); do
        grep -qE "(^| )${ab//./\\.}\.$n\.|^${ab//./\\.}\.0\.0/16|^${ab%%.*}\.0\.0\.0/8" <<<"$used" && continue
        [[ -n "$prefix" ]] && ip link show "$prefix$n" >/dev/null 2>&1 && continue
        NET_N="$n"
        return 0
    done
    return 1
}

# net_wait PORT PATH SIZE: until 127.0.0.1:PORT serves PATH with SIZE bytes (10 s at most).
net_wait() {
    local i
    for i in $(seq 100); do
        [[ "$(curl -fs -o /dev/null -w '%{size_download}' "http://127.0.0.1:$1$2" 2>/dev/null)" == "$3" ]] && return 0
        sleep 0.1
    done
    return 1
}

declare -A NET_RPS NET_MIB  # peer → median wrk requests/s (4 KiB page), MiB/s (1 MiB page)
declare -A NET_PORTS NET_STOP  # peer → its published port, its stop function (while it serves)
declare -A NET_RUNS_RPS NET_RUNS_MIB  # peer → every round's numbers, space-separated
# net_wrk1 PEER PORT PAGE ROUND: one wrk run; echoes req/s (small) or MiB/s (big), nothing when wrk got
# non-2xx answers (socket errors are noted).
net_wrk1() {
    local peer="$1" port="$2" page="$3" round="$4" log="$WORK/network-wrk-$1-$3-$4.txt"
    wrk -t2 -c32 -d"${net_secs}s" --timeout 5s "http://127.0.0.1:$port/$page.html" >"$log" 2>&1 || true
    { echo "--- $peer ($page page, round $round): wrk -t2 -c32 -d${net_secs}s http://127.0.0.1:$port/$page.html"; cat "$log"; } >>"$net_out"
    grep -q 'Socket errors' "$log" && note "$peer ($page page): wrk: $(grep 'Socket errors' "$log")"
    if grep -q 'Non-2xx' "$log"; then
        note "$peer ($page page): wrk: $(grep 'Non-2xx' "$log")"
    elif [[ $page == small ]]; then
        awk '/^Requests\/sec/ { print $2 }' "$log"
    else
        awk '/^Transfer\/sec/ { v = $2; u = v; sub(/^[0-9.]+/, "", u); v += 0
            printf "%.1f\n", u == "GB" ? v * 1024 : u == "MB" ? v : u == "KB" ? v / 1024 : v / 1048576 }' "$log"
    fi
    true
}

# net_median NUMBERS...: their median (nothing for none).
net_median() {
    (($#)) || return 0
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%s", NR % 2 ? v[(NR + 1) / 2] : sprintf("%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}

# net_up PEER START STOP: start the web container (START PORT; up to 3 ports on a bind failure) and
# wait for its pages; NET_PORTS[PEER] then says where. On failure its container is removed (STOP).
net_up() {
    local peer="$1" start="$2" stop="$3" try err="$WORK/network-$1-run.err"
    for try in 1 2 3; do
        net_port || { note "$peer: no free port"; return 0; }
        if "$start" "$NET_PORT" >/dev/null 2>"$err"; then
            NET_STOP[$peer]="$stop"
            if net_wait "$NET_PORT" /small.html 4096 && net_wait "$NET_PORT" /big.html 1048576; then
                NET_PORTS[$peer]="$NET_PORT"
            else
                note "$peer: the page on 127.0.0.1:$NET_PORT never answered"
                net_down "$peer"
            fi
            return 0
        fi
        "$stop" >/dev/null 2>&1 || true
        note "$peer run -p 127.0.0.1:$NET_PORT failed: $(tail -n 3 "$err" | tr '\n' ' ')"
        grep -qiE 'address already in use|bind' "$err" || return 0
    done
}

# net_down PEER: remove its web container.
net_down() {
    local peer="$1" err="$WORK/network-$1-stop.err"
    [[ -n "${NET_STOP[$peer]:-}" ]] || return 0
    "${NET_STOP[$peer]}" >/dev/null 2>"$err" || note "$peer: removing its container failed: $(tail -n 2 "$err" | tr '\n' ' ')"
    unset "NET_STOP[$peer]"
}

# net_measure PEER...: NET_ROUNDS rounds, each wrk-ing every peer's two pages in turn (so that load
# from elsewhere on the host falls on all of them alike); the medians go to NET_RPS/NET_MIB.
net_measure() {
    local round peer r a b
    for round in $(seq "$net_rounds"); do
        for peer in "$@"; do
            [[ -n "${NET_PORTS[$peer]:-}" ]] || continue
            r="$(net_wrk1 "$peer" "${NET_PORTS[$peer]}" small "$round")"
            [[ -n "$r" ]] && NET_RUNS_RPS[$peer]+="$r "
            r="$(net_wrk1 "$peer" "${NET_PORTS[$peer]}" big "$round")"
            [[ -n "$r" ]] && NET_RUNS_MIB[$peer]+="$r "
        done
    done
    for peer in "$@"; do
        # shellcheck disable=SC2086
        NET_RPS[$peer]="$(net_median ${NET_RUNS_RPS[$peer]:-})"
        # shellcheck disable=SC2086
        NET_MIB[$peer]="$(net_median ${NET_RUNS_MIB[$peer]:-})"
        [[ -n "${NET_PORTS[$peer]:-}" ]] || continue
        a="${NET_RUNS_RPS[$peer]:-failed}" b="${NET_RUNS_MIB[$peer]:-failed}"
        printf '%-7s -p 127.0.0.1:%s: req/s (4 KiB) %s, MiB/s (1 MiB) %s\n' "$peer" "${NET_PORTS[$peer]}" \
            "${a% }" "${b% }" | tee -a "$net_out"
    done
    true
}

# net_run_pair SECTION NONE-CMD BRIDGE-CMD: hyperfine both (as tools "none" and "bridge").
net_run_pair() {
    local section="$1" none="$2" bridge="$3"
    # shellcheck disable=SC2086  # hyperfine -N splits the command line itself
    time_one "$section" none $none
    # shellcheck disable=SC2086
    time_one "$section" bridge $bridge
}

# net_run_delta SECTION: median(bridge) - median(none) in ms, or nothing.
net_run_delta() {
    local n="${MEDIAN[$1/none]:-}" b="${MEDIAN[$1/bridge]:-}"
    if [[ -n "$n" && -n "$b" ]]; then awk -v b="$b" -v n="$n" 'BEGIN { printf "%+.1f", b - n }'; fi
}

# The page: /www/small.html (4 KiB) and /www/big.html (1 MiB), busybox httpd in the foreground.
net_page='mkdir -p /www && head -c 4096 /dev/zero | tr "\0" x > /www/small.html && head -c 1048576 /dev/zero | tr "\0" x > /www/big.html && exec httpd -f -p 80 -h /www'

# ---- docker: a private dockerd --------------------------------------------------------------------

# net_docker_down DIR BRIDGE SUBNET-PREFIX FORWARD-POLICY IP_FORWARD NF4 NF6 KEY_BEFORE: undo
# net_docker_up.
net_docker_down() {
    local dir="$1" br="$2" sn="$3"
    peer_dockerd_stop "$dir" "$net_docker"
    peer_docker_host_restore "( |!)$br( |\$)| ${sn//./\\.}[0-9]+/" "$4" "$5" "$6" "$7" "$8"
    ip link del "$br" 2>/dev/null
    rm -rf -- "$dir"
    true
}

net_docker=""
net_docker_why=""
# net_docker_up DIR: a private dockerd on DIR/docker.sock, the busybox archive loaded; or
# net_docker_why says why not.
net_docker_up() {
    local dir="$1" archive="$2"
    if ! command -v dockerd >/dev/null; then
        note "installing docker.io"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends docker.io >&2 || true
    fi
    command -v dockerd >/dev/null || { net_docker_why="no dockerd (apt-get install docker.io failed)"; return 1; }
    # The docker CLI that comes with this dockerd (Debian's docker.io: /usr/bin/docker), else any.
    local v c; v="$(dockerd --version | sed -n 's/.*version \([^,]*\).*/\1/p')"
    for c in /usr/bin/docker "$(command -v docker || true)"; do
        [[ -x "$c" ]] || continue
        [[ -z "$net_docker" ]] && net_docker="$c"
        "$c" --version 2>/dev/null | grep -qF -- "$v" && { net_docker="$c"; break; }
    done
    [[ -n "$net_docker" ]] || { net_docker_why="no docker CLI"; return 1; }
    # dockerd flushes the DOCKER* chains when it starts: not while another dockerd uses them.
    local i
    for i in $(seq 300); do
        peer_other_dockerd "${net_dockerd_pid:-}" && iptables-save 2>/dev/null | grep -E '^:DOCKER' >/dev/null || break
        ((i == 1)) && note "network: another dockerd's iptables chains are on this host; waiting (up to 5 min) for them to go"
        sleep 1
    done
    if peer_other_dockerd "${net_dockerd_pid:-}" && iptables-save 2>/dev/null | grep -E '^:DOCKER' >/dev/null; then
        net_docker_why="another dockerd with iptables on is running (starting one would flush its DOCKER chains)"; return 1
    fi
    net_subnet 10.250 dkbench || { net_docker_why="no free 10.250.N.0/24 for its bridge"; return 1; }
    local br="dkbench$NET_N" sn="10.250.$NET_N." sock="$dir/docker.sock"
    local policy nf4="" nf6="" key_before=0
    [[ -e /etc/docker/key.json ]] && key_before=1
    policy="$(iptables -w -S FORWARD 2>/dev/null | awk '$1 == "-P" { print $3 }')"
    [[ -r /proc/sys/net/bridge/bridge-nf-call-iptables ]] && nf4="$(cat /proc/sys/net/bridge/bridge-nf-call-iptables)"
    [[ -r /proc/sys/net/bridge/bridge-nf-call-ip6tables ]] && nf6="$(cat /proc/sys/net/bridge/bridge-nf-call-ip6tables)"
    mkdir -p "$dir"
    on_exit "net_docker_down '$dir' '$br' '$sn' '$policy' '$(sysctl -n net.ipv4.ip_forward)' '$nf4' '$nf6' '$key_before'"
    ip link add "$br" type bridge && ip addr add "${sn}1/24" dev "$br" && ip link set "$br" up ||
        { net_docker_why="could not make bridge $br"; return 1; }
    echo '{}' >"$dir/daemon.json"
    dockerd --config-file "$dir/daemon.json" --data-root "$dir/data" --exec-root "$dir/exec" \
        --pidfile "$dir/docker.pid" --host "unix://$sock" --bridge "$br" --iptables=true --ip-forward=true \
        --ip-masq=true --userland-proxy=true --log-level warn >"$dir/dockerd.log" 2>&1 &
    net_dockerd_pid=$!
    echo "$net_dockerd_pid" >"$dir/dockerd.pid"
    for i in $(seq 150); do
        "$net_docker" -H "unix://$sock" version >/dev/null 2>&1 && break
        kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null || break
        sleep 0.2
    done
    if ! "$net_docker" -H "unix://$sock" version >/dev/null 2>&1; then
        net_docker_why="dockerd did not start: $(tail -n 2 "$dir/dockerd.log" | tr '\n' ' ')"; return 1
    fi
    "$net_docker" -H "unix://$sock" load -q -i "$archive" >/dev/null 2>"$dir/load.err" ||
        { net_docker_why="docker load failed: $(tail -n 2 "$dir/load.err" | tr '\n' ' ')"; return 1; }
    note "dockerd $v on $sock, bridge $br (${sn}0/24), iptables and userland proxy on (all undone at exit)"
}

# ---- podman ---------------------------------------------------------------------------------------

# net_podman_down PODMAN DIR BRIDGE SUBNET-PREFIX: remove its containers, network and storage; then
# whatever of them podman lost track of: its conmons (and their containers, through crun), the
# bridge, netavark's or the CNI plugins' chains and rules for the subnet.
net_podman_down() {
    local p="$1" dir="$2" br="$3" sn="$4" pid id ns t line chain
    $p rm -f -t 0 -a >/dev/null 2>&1
    $p network rm -f benchnet >/dev/null 2>&1
    $p system reset -f >/dev/null 2>&1
    for pid in $(grep -lsF -- "$dir/" /proc/[0-9]*/cmdline | cut -d/ -f3); do
        [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == conmon ]] || continue
        id="$(tr '\0' '\n' <"/proc/$pid/cmdline" | sed -n '/^-c$/{n;p;q}')"
        ns="$(ip netns identify "$(pgrep -P "$pid" | head -n 1)" 2>/dev/null || true)"
        note "podman left container ${id:0:12} running (conmon $pid): removing it by hand"
        kill -KILL "$pid" 2>/dev/null
        [[ -n "$id" ]] && crun delete -f "$id" >/dev/null 2>&1
        [[ -n "$ns" ]] && ip netns del "$ns" 2>/dev/null
    done
    ip link del "$br" 2>/dev/null
    # A network's or container's own chains (NETAVARK-<id>, NETAVARK-DN-<id>, CNI-<id>, CNI-DN-<id>)
    # that hold or take the subnet's traffic: the jumps to them, then the chains; then the subnet's
    # rules in the shared chains.
    local subnet=" ${sn//./\\.}[0-9]+(/|:| |\$)" own='(NETAVARK|CNI)-(DN-)?[0-9A-Fa-f]{8,}'
    for t in nat filter; do
        for chain in $(iptables-save -t "$t" 2>/dev/null | grep -E -- "^-A .*$subnet" |
            sed -nE "s/^-A ($own) .*/\\1/p; s/.* -j ($own)\$/\\1/p" | sort -u); do
            iptables-save -t "$t" 2>/dev/null | grep -E -- "^-A .* -j $chain\$" | while read -r line; do
                eval "iptables -w -t $t -D ${line#-A }" 2>/dev/null
            done
            iptables -w -t "$t" -F "$chain" 2>/dev/null && iptables -w -t "$t" -X "$chain" 2>/dev/null
        done
        iptables-save -t "$t" 2>/dev/null | grep -E '^-A ' | grep -E -- "$subnet" | while read -r line; do
            eval "iptables -w -t $t -D ${line#-A }" 2>/dev/null
        done
    done
    true
}

# ---- the section --------------------------------------------------------------------------------

section_network() {
    local archive; archive="$("$REPO/Scripts/make-images" --only busybox 2>/dev/null || true)"
    [[ -f "$archive" ]] || { goal SKIP "network" "no busybox.tar (Scripts/make-images)"; return 0; }
    [[ -n "$skiff" ]] || { goal SKIP "network" "no skiff binary"; return 0; }
    command -v wrk >/dev/null || {
        note "installing wrk"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk >&2 || true
    }
    net_out="$results/network.txt" net_secs=10 net_rounds=5
    : >"$net_out"
    local old_tw; old_tw="$(sysctl -n net.ipv4.tcp_tw_reuse)"
    sysctl -q -w net.ipv4.tcp_tw_reuse=1
    on_exit "sysctl -q -w net.ipv4.tcp_tw_reuse=$old_tw"
    # Last of this section's cleanups: nothing of it stays mounted under $WORK.
    on_exit "peer_unmount_under '$WORK/network-'"

    # skiff
    local sroot="$WORK/network-skiff"
    net_skiff() { SKIFF_ROOT="$sroot" "$skiff" "$@"; }
    net_skiff load -i "$archive" >/dev/null
    on_exit "SKIFF_ROOT='$sroot' '$skiff' rm -f \$(SKIFF_ROOT='$sroot' '$skiff' ps -aq) >/dev/null 2>&1"
    net_skiff_start() { net_skiff run -d --name bench-web -p "127.0.0.1:$1:80" busybox sh -c "$net_page"; }
    net_skiff_stop() { net_skiff rm -f bench-web; }

    # docker (a private dockerd; set up first, so every peer is measured with the same firewall)
    local ddir="$WORK/network-docker" d=""
    if net_docker_up "$ddir" "$archive"; then
        d="$net_docker -H unix://$ddir/docker.sock"
    else
        note "docker not measured: $net_docker_why"
    fi
    net_docker_start() { $d run -d --name bench-web -p "127.0.0.1:$1:80" busybox sh -c "$net_page"; }
    net_docker_stop() { $d rm -f bench-web; }

    # podman: its own network, so it meets no bridge on 10.88.0.0/16, with its own bridge name (podman
    # names a network's bridge podman1, podman2… per config dir: two podmans can pick the same one),
    # and its own --tmpdir: under the shared /run/libpod, another podman's `system reset` (it removes
    # the tmpdir) makes this one think the host rebooted and forget its running container (which then
    # outlives `podman rm -f`), and this one's reset would do the same to the others.
    local pdir="$WORK/network-podman" p="" plim="--ulimit nofile=20000:20000 --ulimit nproc=1024:1024"
    if command -v podman >/dev/null; then
        prepare_crun_cgroups  # podman's runtime is crun, which refuses this host's hybrid cgroups without it
        mkdir -p "$pdir/netconf" "$pdir/tmp"
        p="podman --root $pdir/root --runroot $pdir/run --tmpdir $pdir/tmp --network-config-dir $pdir/netconf --storage-driver vfs --cgroup-manager cgroupfs --events-backend none"
        # netavark's base chains outlive the last container; at exit they go unless some podman network
        # still uses them (also when an earlier run left them behind).
        on_exit "peer_netavark_down; peer_cni_down; peer_cni_state_down '$(peer_cni_state)'"
        local pnet
        if ! net_subnet 10.251 pdbench; then
            note "podman not measured: no free 10.251.N.0/24"; p=""
        else
            on_exit "net_podman_down '$p' '$pdir' 'pdbench$NET_N' '10.251.$NET_N.'"
            if ! $p load -q -i "$archive" >/dev/null 2>"$pdir/load.err"; then
                note "podman not measured: podman load failed: $(tail -n 2 "$pdir/load.err")"; p=""
            elif ! $p network create --disable-dns --subnet "10.251.$NET_N.0/24" benchnet >/dev/null 2>"$pdir/net.err"; then
                note "podman not measured: podman network create failed: $(tail -n 2 "$pdir/net.err")"; p=""
            elif ! pnet="$(peer_podman_net_file "$pdir/netconf" benchnet)" ||
                ! peer_podman_net_set "$pnet" "pdbench$NET_N" "$pdir/cni-ipam"; then
                note "podman not measured: no config of its network benchnet in $pdir/netconf"; p=""
            fi
        fi
    fi
    # shellcheck disable=SC2086
    net_podman_start() { $p run -d --name bench-web --network benchnet -p "127.0.0.1:$1:80" $plim busybox sh -c "$net_page"; }
    net_podman_stop() { $p rm -f -t 0 bench-web; }

    # run --rm true: none vs bridge, per runtime.
    net_run_pair network-run "env SKIFF_ROOT=$sroot $skiff run --rm --network none busybox true" \
        "env SKIFF_ROOT=$sroot $skiff run --rm busybox true"
    [[ -n "$d" ]] && net_run_pair network-run-docker "$d run --rm --network none busybox true" "$d run --rm busybox true"
    [[ -n "$p" ]] && net_run_pair network-run-podman "$p run --rm --network none $plim busybox true" \
        "$p run --rm --network benchnet $plim busybox true"
    {
        echo
        echo "== network: run --rm busybox true, --network none vs a bridge (hyperfine -N, $runs runs)"
        echo "skiff (the default bridge network):"
    } | tee -a "$results/summary.txt"
    table network-run none none bridge
    if [[ -n "$d" ]]; then echo "docker (docker run: dockerd, containerd, runc; the default bridge, dkbenchN):" | tee -a "$results/summary.txt"; table network-run-docker none none bridge; fi
    if [[ -n "$p" ]]; then echo "podman (podman run: vfs storage, crun, $($p info --format '{{.Host.NetworkBackend}}' 2>/dev/null || echo '?'); bridge: its network benchnet):" | tee -a "$results/summary.txt"; table network-run-podman none none bridge; fi
    local ds dd dp
    ds="$(net_run_delta network-run)"; dd="$(net_run_delta network-run-docker)"; dp="$(net_run_delta network-run-podman)"
    printf 'the bridge adds: skiff %s ms, docker %s ms, podman %s ms\n' "${ds:--}" "${dd:--}" "${dp:--}" | tee -a "$results/summary.txt"
    if [[ -n "$ds" ]]; then
        if awk -v d="$ds" 'BEGIN { exit !(d + 0 < 20) }'; then goal PASS "network: the bridge adds < 20 ms to run --rm" "$ds ms"
        else goal FAIL "network: the bridge adds < 20 ms to run --rm" "$ds ms"; fi
    else
        goal FAIL "network: the bridge adds < 20 ms to run --rm" "skiff run --rm failed"
    fi

    command -v wrk >/dev/null || { goal SKIP "network: published-port throughput at least Docker's" "no wrk"; return 0; }
    # All three serve at once (idle httpds), measured in turn, then removed.
    net_up skiff net_skiff_start net_skiff_stop
    [[ -n "$d" ]] && net_up docker net_docker_start net_docker_stop
    [[ -n "$p" ]] && net_up podman net_podman_start net_podman_stop
    net_measure skiff docker podman
    net_down skiff; net_down docker; net_down podman
    {
        echo
        echo "== network: wrk -t2 -c32 -d${net_secs}s through a published port on 127.0.0.1 (busybox httpd; one request per connection); median of $net_rounds rounds"
        printf '%-8s %22s %20s\n' peer "4 KiB page req/s" "1 MiB page MiB/s"
        local peer
        for peer in skiff docker podman; do
            printf '%-8s %22s %20s\n' "$peer" "${NET_RPS[$peer]:--}" "${NET_MIB[$peer]:--}"
        done
    } | tee -a "$results/summary.txt"

    local s="${NET_RPS[skiff]:-}" sm="${NET_MIB[skiff]:-}"
    local what="network: published-port throughput at least Docker's"
    if [[ -z "$s" ]]; then
        goal FAIL "$what" "skiff's published port did not serve"
    elif [[ -z "$d" ]]; then
        goal SKIP "$what" "$net_docker_why"
    elif [[ -z "${NET_RPS[docker]:-}" ]]; then
        goal SKIP "$what" "docker run -p did not serve (see $net_out)"
    elif awk -v s="$s" -v o="${NET_RPS[docker]}" 'BEGIN { exit !(s >= o) }'; then
        goal PASS "$what" "$s vs ${NET_RPS[docker]} req/s"
    else
        goal FAIL "$what" "$s vs ${NET_RPS[docker]} req/s"
    fi
    what="network: published-port bulk (1 MiB) at least Docker's"
    if [[ -n "$sm" && -n "${NET_MIB[docker]:-}" ]]; then
        if awk -v s="$sm" -v o="${NET_MIB[docker]}" 'BEGIN { exit !(s >= o) }'; then goal PASS "$what" "$sm vs ${NET_MIB[docker]} MiB/s"
        else goal FAIL "$what" "$sm vs ${NET_MIB[docker]} MiB/s"; fi
    fi
    what="network: published-port throughput at least podman's (within 5%)"
    if [[ -n "$s" && -n "${NET_RPS[podman]:-}" ]]; then
        if awk -v s="$s" -v o="${NET_RPS[podman]}" 'BEGIN { exit !(s >= o * 0.95) }'; then goal PASS "$what" "$s vs ${NET_RPS[podman]} req/s"
        else goal FAIL "$what" "$s vs ${NET_RPS[podman]} req/s"; fi
    elif command -v podman >/dev/null; then
        goal SKIP "$what" "a side did not run (see $net_out)"
    fi
}
