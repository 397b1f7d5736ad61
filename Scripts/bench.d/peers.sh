# Helpers the peer comparisons share (sourced by Scripts/bench; no section of its own): stopping a
# private dockerd and undoing what it did to the host, netavark's and iptables-nft's leftovers, and a
# sweep of processes and mounts under a scratch directory.

# peer_kill_under DIR: kill, by PID, the container-engine processes still running with DIR on their
# command line (conmon, aardvark-dns, containerd and its shims, docker-proxy…); then unmount
# everything under DIR.
peer_kill_under() {
    local dir="$1" pid t i
    for pid in $(grep -lsF -- "$dir" /proc/[0-9]*/cmdline | cut -d/ -f3); do
        case "$(cat "/proc/$pid/comm" 2>/dev/null)" in
            conmon|aardvark-dns|netavark|podman|catatonit|containerd*|dockerd|docker-proxy|runc|crun) kill -KILL "$pid" 2>/dev/null ;;
        esac
    done
    for i in 1 2 3; do
        findmnt -rn -o TARGET | grep -F -- "$dir" | sort -r | while read -r t; do
            umount "$t" 2>/dev/null || umount -l "$t" 2>/dev/null
        done
    done
    true
}

# peer_other_dockerd [PID]: is a dockerd other than PID running with iptables on (one with
# --iptables=false, like build-cache's, does not touch the chains)?
peer_other_dockerd() {
    local pid
    for pid in $(pgrep -x dockerd); do
        [[ "$pid" == "${1:-}" ]] && continue
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qE -- '--iptables[= ]false' || return 0
    done
    return 1
}

# peer_dockerd_stop DIR CLIENT: remove every container of the dockerd whose pidfile and socket are in
# DIR (CLIENT: its docker binary, may be empty), stop it (TERM, then KILL with its children), then
# sweep DIR's processes and mounts.
peer_dockerd_stop() {
    local dir="$1" client="$2" dpid="" i
    [[ -f "$dir/dockerd.pid" ]] && dpid="$(cat "$dir/dockerd.pid")"
    if [[ -n "$dpid" ]] && kill -0 "$dpid" 2>/dev/null; then
        if [[ -n "$client" ]]; then
            local ids; ids="$(timeout 20 "$client" -H "unix://$dir/docker.sock" ps -aq 2>/dev/null || true)"
            # shellcheck disable=SC2086
            [[ -n "$ids" ]] && timeout 60 "$client" -H "unix://$dir/docker.sock" rm -f $ids >/dev/null 2>&1
        fi
        local kids; kids="$(pgrep -P "$dpid" 2>/dev/null | tr '\n' ' ')"
        kill -TERM "$dpid" 2>/dev/null
        for i in $(seq 100); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$dpid" 2>/dev/null
        # shellcheck disable=SC2086
        [[ -n "${kids// }" ]] && kill -KILL $kids 2>/dev/null
    fi
    peer_kill_under "$dir"
}

# peer_docker_host_restore RULES POLICY IP_FORWARD NF4 NF6 KEY_BEFORE: delete the iptables rules that
# match RULES (an ERE naming the private dockerd's bridge or subnet); then, unless another dockerd with
# iptables on runs or other rules are in them (more than their bare RETURNs), docker's chains and the
# jumps to them, and the FORWARD policy and sysctls as they were (empty: leave it); and
# /etc/docker/key.json when KEY_BEFORE is 0 (dockerd made it).
peer_docker_host_restore() {
    local rules="$1" policy="$2" ipf="$3" nf4="$4" nf6="$5" key_before="$6" t line chain
    for t in nat filter; do
        iptables-save -t "$t" 2>/dev/null | grep -E '^-A ' | grep -E -- "$rules" | while read -r line; do
            eval "iptables -w -t $t -D ${line#-A }" 2>/dev/null
        done
    done
    if ! peer_other_dockerd; then
        for t in nat filter; do
            iptables-save -t "$t" 2>/dev/null | grep -E '^-A DOCKER' | grep -vE '^-A DOCKER[A-Z0-9-]* -j RETURN$' >/dev/null && continue
            iptables-save -t "$t" 2>/dev/null | grep -E '^-A [A-Z]+ .*-j DOCKER' | while read -r line; do
                eval "iptables -w -t $t -D ${line#-A }" 2>/dev/null
            done
            for chain in DOCKER DOCKER-USER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2; do
                iptables -w -t "$t" -F "$chain" 2>/dev/null
            done
            for chain in DOCKER DOCKER-USER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2; do
                iptables -w -t "$t" -X "$chain" 2>/dev/null
            done
        done
        [[ -n "$policy" ]] && iptables -w -P FORWARD "$policy" 2>/dev/null
        [[ -n "$ipf" ]] && sysctl -q -w net.ipv4.ip_forward="$ipf"
        [[ -n "$nf4" ]] && echo "$nf4" >/proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null
        [[ -n "$nf6" ]] && echo "$nf6" >/proc/sys/net/bridge/bridge-nf-call-ip6tables 2>/dev/null
    fi
    if [[ "$key_before" == 0 ]]; then
        rm -f /etc/docker/key.json
        rmdir /etc/docker 2>/dev/null
    fi
    true
}

# peer_netavark_down: delete netavark's base chains and the jumps to them (it makes them again whenever
# it sets a network up), when no network of any podman still uses them (no per-network
# NETAVARK-<id>/NETAVARK-DN-<id> chain left) and no conmon runs: two podman users that each keep
# chains they found would leave them behind for good.
peer_netavark_down() {
    local t line chain
    iptables-save 2>/dev/null | grep -E '^:NETAVARK-(DN-)?[0-9A-F]{8,} ' >/dev/null && return 0
    local i
    for i in $(seq 50); do pgrep -x conmon >/dev/null || break; sleep 0.1; done  # a conmon on its way out
    pgrep -x conmon >/dev/null && return 0
    for t in nat filter; do
        iptables-save -t "$t" 2>/dev/null | grep -E '^-A (PREROUTING|INPUT|OUTPUT|POSTROUTING|FORWARD) .*-j NETAVARK' |
            while read -r line; do eval "iptables -w -t $t -D ${line#-A }" 2>/dev/null; done
        for chain in $(iptables-save -t "$t" 2>/dev/null | sed -n 's/^:\(NETAVARK[^ ]*\) .*/\1/p'); do
            iptables -w -t "$t" -F "$chain" 2>/dev/null
        done
        for chain in $(iptables-save -t "$t" 2>/dev/null | sed -n 's/^:\(NETAVARK[^ ]*\) .*/\1/p'); do
            iptables -w -t "$t" -X "$chain" 2>/dev/null
        done
    done
    true
}

# peer_nft_tables_down BEFORE: delete iptables-nft's tables ip nat / ip filter when they were not in
# BEFORE (`nft list tables` at the start) and hold nothing but empty base chains now.
peer_nft_tables_down() {
    local t
    command -v nft >/dev/null || return 0
    for t in nat filter; do
        grep -qx "table ip $t" <<<"$1" && continue
        nft list table ip "$t" >/dev/null 2>&1 || continue
        nft list table ip "$t" 2>/dev/null | grep -vqE '^[[:space:]]*(#.*|table .*|chain (PREROUTING|INPUT|OUTPUT|POSTROUTING|FORWARD) \{|type .*|\}|)$' && continue
        nft delete table ip "$t" 2>/dev/null
    done
    true
}
