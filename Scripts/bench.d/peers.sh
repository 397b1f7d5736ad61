# Helpers the peer comparisons share (sourced by Scripts/bench; no section of its own): stopping a
# private dockerd and undoing what it did to the host, podman's networks on either of its backends
# (netavark or the CNI plugins), their and iptables-nft's leftovers, and a
# sweep of processes and mounts under a scratch directory.

# peer_kill_under DIR: kill, by PID, the container-engine processes still running with DIR on their
# command line (conmon, aardvark-dns, containerd and its shims, docker-proxy…); then unmount
# everything under DIR.
peer_kill_under() {
    local dir="$1" pid
    for pid in $(grep -lsF -- "$dir" /proc/[0-9]*/cmdline | cut -d/ -f3); do
        case "$(cat "/proc/$pid/comm" 2>/dev/null)" in
            conmon|aardvark-dns|netavark|podman|catatonit|containerd*|dockerd|docker-proxy|runc|crun) kill -KILL "$pid" 2>/dev/null ;;
        esac
    done
    peer_unmount_under "$dir"
}

# peer_unmount_under PREFIX: unmount every mount whose path contains PREFIX, deepest first (lazily
# when busy), in three passes for mounts that a first unmount uncovers. Never fails.
peer_unmount_under() {
    local t i
    for i in 1 2 3; do
        findmnt -rn -o TARGET | grep -F -- "$1" | sort -r | while read -r t; do
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

# peer_podman_chains_down PREFIX OWN: delete the base chains of podman's network backend (those named
# PREFIX…) and the jumps to them from the built-in chains, when no network's or container's own chain
# (OWN, an ERE) is left and no conmon runs: the backend makes them again whenever it sets a network up,
# and two podman users that each keep chains they found would leave them behind for good.
peer_podman_chains_down() {
    local prefix="$1" own="$2" t line chain i
    iptables-save 2>/dev/null | grep -E "^:$own " >/dev/null && return 0
    for i in $(seq 50); do pgrep -x conmon >/dev/null || break; sleep 0.1; done  # a conmon on its way out
    pgrep -x conmon >/dev/null && return 0
    for t in nat filter; do
        iptables-save -t "$t" 2>/dev/null | grep -E "^-A (PREROUTING|INPUT|OUTPUT|POSTROUTING|FORWARD) .*-j $prefix" |
            while read -r line; do eval "iptables -w -t $t -D ${line#-A }" 2>/dev/null; done
        for chain in $(iptables-save -t "$t" 2>/dev/null | sed -n "s/^:\($prefix[^ ]*\) .*/\1/p"); do
            iptables -w -t "$t" -F "$chain" 2>/dev/null
        done
        for chain in $(iptables-save -t "$t" 2>/dev/null | sed -n "s/^:\($prefix[^ ]*\) .*/\1/p"); do
            iptables -w -t "$t" -X "$chain" 2>/dev/null
        done
    done
    true
}

# peer_netavark_down: netavark's base chains (NETAVARK_FORWARD, NETAVARK-HOSTPORT-…).
peer_netavark_down() { peer_podman_chains_down NETAVARK 'NETAVARK-(DN-)?[0-9A-F]{8,}'; }

# peer_cni_down: the CNI plugins' (a podman without netavark: Debian 12's podman uses them then), the
# firewall and portmap plugins' CNI-FORWARD, CNI-ADMIN and CNI-HOSTPORT-….
peer_cni_down() { peer_podman_chains_down CNI- 'CNI-(DN-)?[0-9a-f]{12,}'; }

# peer_podman_net_file DIR NAME: the config file of podman network NAME in network-config dir DIR:
# NAME.json with netavark, NAME.conflist with the CNI plugins (none: podman did not make it).
peer_podman_net_file() {
    local f
    for f in "$1/$2.json" "$1/$2.conflist"; do [[ -f "$f" ]] && { echo "$f"; return 0; }; done
    return 1
}

# peer_podman_net_set FILE BRIDGE [IPAM-DIR]: name the bridge of the podman network whose config is
# FILE (netavark's network_interface, or the CNI bridge plugin's bridge); with the CNI plugins, keep
# its address leases in IPAM-DIR instead of /var/lib/cni/networks.
peer_podman_net_set() {
    local f="$1" br="$2" ipam="${3:-}" filter
    if [[ "$f" == *.conflist ]]; then
        filter='(.plugins[] | select(.type == "bridge")) |= (.bridge = $br | if $ipam != "" then .ipam.dataDir = $ipam else . end)'
    else
        filter='.network_interface = $br'
    fi
    jq --arg br "$br" --arg ipam "$ipam" "$filter" "$f" >"$f.new" && mv "$f.new" "$f"
}

# peer_podman_net_bridges DIR: "BRIDGE GATEWAY" for each network configured in DIR, either backend.
peer_podman_net_bridges() {
    local f
    for f in "$1"/*.json "$1"/*.conflist; do
        [[ -f "$f" ]] || continue
        jq -r 'if .plugins then (.plugins[] | select(.type == "bridge") | [.bridge, (.ipam.ranges[0][0].gateway // "")])
            else [.network_interface, (.subnets[0].gateway // "")] end | select(.[0] != null and .[1] != "") | join(" ")' "$f" 2>/dev/null
    done
}

# peer_cni_state_down BEFORE: the CNI plugins' state of the podman networks a run made (their
# host-local leases and libcni's cached results under /var/lib/cni: `podman network rm` leaves the
# leases' folder), that is of every network not in BEFORE (`peer_cni_state` at the start); then
# /var/lib/cni's folders once they are empty.
peer_cni_state_down() {
    local before="$1" n
    for n in $(peer_cni_state); do
        grep -qxF -- "$n" <<<"$before" && continue
        rm -rf -- "/var/lib/cni/networks/$n"
        rm -f -- /var/lib/cni/results/"$n"-*
    done
    rmdir /var/lib/cni/networks /var/lib/cni/results /var/lib/cni 2>/dev/null
    true
}

# peer_cni_state: the names of the networks whose CNI state is on this host now.
peer_cni_state() {
    { ls /var/lib/cni/networks 2>/dev/null; ls /var/lib/cni/results 2>/dev/null | sed 's/-[^-]*-[^-]*$//'; } | sort -u
}

# peer_nft_tables_down BEFORE: delete iptables-nft's tables (ip and ip6: nat, filter) when they were not
# in BEFORE (`nft list tables` at the start: PEER_NFT_TABLES_BEFORE) and hold nothing but empty base
# chains now. Any peer may make them (dockerd, podman build, netavark, the CNI plugins).
PEER_NFT_TABLES_BEFORE="$(nft list tables 2>/dev/null || true)"
peer_nft_tables_down() {
    local f t
    command -v nft >/dev/null || return 0
    for f in ip ip6; do
        for t in nat filter; do
            grep -qx "table $f $t" <<<"$1" && continue
            nft list table "$f" "$t" >/dev/null 2>&1 || continue
            nft list table "$f" "$t" 2>/dev/null | grep -vqE '^[[:space:]]*(#.*|table .*|chain (PREROUTING|INPUT|OUTPUT|POSTROUTING|FORWARD) \{|type .*|\}|)$' && continue
            nft delete table "$f" "$t" 2>/dev/null
        done
    done
    true
}

# The host-wide folders the peers make on first use whatever their --root (podman's default storage,
# run and config folders, netavark's and the CNI plugins' state, containerd's and dockerd's run
# folders, crun's and runc's default state roots, ip-netns's mount): PEER_HOST_DIRS_BEFORE holds those
# there before the run, and peer_host_dirs_down removes the others at exit, once no peer daemon runs
# (/run/netns only when it is empty: a namespace mounted there is somebody's). Like every cleanup here
# it runs under the EXIT trap with `set -e` on, so no command of it may fail.
PEER_HOST_DIRS=(/var/lib/containers /run/containers /run/libpod /var/lib/cni /run/containerd /var/lib/containerd
    /run/docker /run/crun /run/runc /root/.config/containers /run/netns)
PEER_HOST_DIRS_BEFORE="$(ls -d "${PEER_HOST_DIRS[@]}" 2>/dev/null || true)"
peer_host_dirs_down() {
    local d
    for d in conmon podman dockerd containerd containerd-shim aardvark-dns; do
        pgrep -x "$d" >/dev/null && return 0
    done
    for d in "${PEER_HOST_DIRS[@]}"; do
        [[ -e "$d" ]] || continue
        grep -qxF -- "$d" <<<"$PEER_HOST_DIRS_BEFORE" && continue
        if [[ "$d" == /run/netns ]]; then
            [[ -z "$(ls -A "$d" 2>/dev/null)" ]] || continue
            if mountpoint -q "$d"; then umount "$d" 2>/dev/null || continue; fi
            rmdir "$d" 2>/dev/null || true
        else
            peer_unmount_under "$d/"
            rm -rf -- "$d" || true
        fi
    done
    true
}
