# Compose section of Scripts/bench (sourced). Issue 8's goal: `compose up -d` → first HTTP 200 on
# 127.0.0.1:8000 → `compose down`, for examples/django-postgres with both images already built, faster
# than podman-compose and docker compose. One timed cycle is exactly that (the volume is kept by `down`,
# so the warm-up run initialises the database and the timed runs restart it), 5 runs after 1 warm-up,
# one tool after another: each is fully down, and port 8000 free, before the next starts.
#
# Peers (a peer that cannot be set up is a SKIP with its reason):
# - podman-compose 1.6.0 from PyPI in a venv under $WORK (Debian 12's 1.0.3 ignores the file's `name:`
#   and stop_grace_period; it is the fallback when pip fails), on Debian's podman 4.3.1: --root,
#   --runroot, --network-config-dir under $WORK, netavark with aardvark-dns (installed if missing: the
#   services find each other by name), overlay storage (vfs copies the 640 MB postgres image
#   for every container create, ~15 s, which would time the storage driver, not compose), cgroupfs, no
#   events; a containers.conf of its own (CONTAINERS_CONF) for the ulimits this host needs (podman's
#   default nofile exceeds the hard limit) and file locks/tmp dir under $WORK. podman 4.3.1 cannot wait
#   for `condition: service_healthy` (podman-compose skips it before podman 4.6, and health timers need
#   systemd): as written, web's migrate fails on a db not up yet and the stack never answers. So an
#   override makes web wait for db itself the way the 1 s healthcheck paces skiff and docker (first
#   check 1 s after start, then every second, a real psycopg2 connection), then run its usual command.
#   (With `restart: on-failure` instead, podman skipped the health interval and came out ~1 s ahead:
#   not the same work.)
#   Images built once with `podman-compose build` (RUN steps on the host network).
# - docker-compose 1.29.2 (Debian's `docker-compose`) against a private dockerd 20.10 started here:
#   --data-root/--exec-root/--pidfile/--host under $WORK, no default bridge, iptables and userland proxy
#   on (docker's defaults). 1.29 rejects the top-level `name:`, so it reads a copy without it, with
#   -p djangodemo and --project-directory the example; an override names the project network's bridge
#   dkcompose0, so that cleanup can find it. Images built once with `docker build --network host` under
#   the names compose uses. dockerd flushes docker's iptables chains when it starts, so it is not started
#   while another dockerd with iptables on runs (waits up to 5 min, then SKIP).
# At the end of each peer's timing (and again at exit, for an interrupted run): compose down, every
# container removed, the daemons stopped by PID (their children and stragglers by PID), mounts under
# its directory unmounted, the bridge deleted, docker's DOCKER* chains and the jumps to them deleted when
# no other dockerd is running and no other rules are in them, netavark's or the CNI plugins' base
# chains deleted when no podman network uses them and no conmon runs (and the CNI plugins' state of
# the project's networks), FORWARD policy, ip_forward and bridge-nf-call-* restored,
# /etc/docker/key.json removed if dockerd made it.

SECTIONS+=(
    "compose:examples/django-postgres: compose up -d, first HTTP 200 on :8000, compose down (images built): skiff vs podman-compose vs docker-compose"
)

compose_url="http://127.0.0.1:8000/"
compose_project_name="djangodemo"
compose_docker_bridge="dkcompose0"

# compose_port_free: wait (up to 30 s) until nothing listens on port 8000.
compose_port_free() {
    local i
    for i in $(seq 150); do
        [[ -z "$(ss -Hltn 'sport = :8000' 2>/dev/null)" ]] && return 0
        sleep 0.2
    done
    return 1
}

# compose_cycle NAME UP DOWN: the timed script: UP, poll for the first HTTP 200 (every 20 ms, at most
# ~60 s), DOWN (also after a failure, so that nothing stays up). Output goes to $WORK/compose-NAME.log,
# what failed to $WORK/compose-NAME.log.why; the three phases' milliseconds, one line per run, to
# $WORK/compose-NAME.phases.
compose_cycle() {
    local name="$1" up="$2" down="$3" log="$WORK/compose-$1.log"
    wrapper "compose-cycle-$name" "cd $compose_project
rc=0
t0=\$(date +%s%N)
$up >>$log 2>&1 || { rc=1; echo \"up -d failed: \$(tail -n 2 $log | tr '\\n' ' ')\" >>$log.why; }
t1=\$(date +%s%N)
if [ \$rc = 0 ]; then
    i=0
    until [ \"\$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 $compose_url)\" = 200 ]; do
        i=\$((i + 1))
        if [ \$i -ge 3000 ]; then echo 'no HTTP 200 from $compose_url in time' >>$log.why; rc=1; break; fi
        sleep 0.02
    done
fi
t2=\$(date +%s%N)
$down >>$log 2>&1 || { rc=1; echo \"down failed: \$(tail -n 2 $log | tr '\\n' ' ')\" >>$log.why; }
t3=\$(date +%s%N)
echo \$(((t1 - t0) / 1000000)) \$(((t2 - t1) / 1000000)) \$(((t3 - t2) / 1000000)) >>$WORK/compose-$name.phases
exit \$rc"
}

# compose_phases TOOL: the median of each phase over the timed runs (the first line is the warm-up).
compose_phases() {
    local f="$WORK/compose-$1.phases"
    [[ -f "$f" ]] || return 0
    tail -n +2 "$f" | awk -v t="$1" '
        { for (i = 1; i <= 3; i++) v[i, NR] = $i; n = NR }
        END {
            if (n == 0) exit
            for (i = 1; i <= 3; i++) {
                for (a = 1; a <= n; a++) x[a] = v[i, a]
                for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++) if (x[b] < x[a]) { y = x[a]; x[a] = x[b]; x[b] = y }
                m[i] = (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
            }
            printf "   %-7s up -d %6.2f s, then first HTTP 200 %6.2f s, down %6.2f s (medians)\n", t, m[1] / 1000, m[2] / 1000, m[3] / 1000
        }'
}

# ---- skiff ------------------------------------------------------------------------------------

compose_skiff_setup() {
    local root="$WORK/compose-skiff" bindir; bindir="$(dirname -- "$skiff")"
    mkdir -p "$root"
    on_exit "(cd '$compose_project' && SKIFF_ROOT='$root' PATH='$bindir':\$PATH '$skiff' compose down -v >/dev/null 2>&1)"
    SKIFF_ROOT="$root" "$skiff" load -q -i "$compose_archive" >/dev/null || { compose_why="skiff load failed"; return 1; }
    note "compose: skiff: building the example's images once (apt-get inside skiff build; minutes the first time)"
    if ! (cd "$compose_project" && SKIFF_ROOT="$root" PATH="$bindir:$PATH" timeout 3600 "$skiff" compose build) >"$WORK/compose-skiff-build.log" 2>&1; then
        compose_why="skiff compose build failed: $(tail -n 3 "$WORK/compose-skiff-build.log" | tr '\n' ' ')"; return 1
    fi
    compose_cmd="$(compose_cycle skiff \
        "env SKIFF_ROOT=$root PATH=$bindir:\$PATH $skiff compose up -d" \
        "env SKIFF_ROOT=$root PATH=$bindir:\$PATH $skiff compose down")"
}

# ---- podman-compose ---------------------------------------------------------------------------

compose_pdir=""        # $WORK/compose-podman (set in the section: $WORK is made after sourcing)
compose_pc=""          # the podman-compose executable
compose_to=600         # seconds, for the commands below
compose_cni_before=""  # the networks with CNI state on the host before podman-compose ran (peer_cni_state)
compose_pargs() { echo "--root $compose_pdir/root --runroot $compose_pdir/run --storage-driver overlay --cgroup-manager cgroupfs --events-backend none --network-config-dir $compose_pdir/net"; }
# shellcheck disable=SC2046
compose_podman() { CONTAINERS_CONF="$compose_pdir/containers.conf" timeout "$compose_to" podman $(compose_pargs) "$@"; }
compose_pcompose() {
    (cd "$compose_project" && CONTAINERS_CONF="$compose_pdir/containers.conf" timeout "$compose_to" \
        "$compose_pc" --podman-args "$(compose_pargs)" -f compose.yaml -f "$compose_pdir/override.yaml" "$@")
}

# compose_podman_down: undo compose_podman_setup (idempotent; run when its timing is done, and at exit).
compose_podman_down() {
    local dir="$compose_pdir" f iface gw t line chain
    [[ -n "$dir" ]] || return 0
    if [[ -d "$dir" ]]; then
        if [[ -n "$compose_pc" && -f "$dir/override.yaml" ]]; then compose_to=120 compose_pcompose down >/dev/null 2>&1; fi
        if [[ -f "$dir/containers.conf" ]] && command -v podman >/dev/null; then
            compose_to=60 compose_podman rm -af -t 0 >/dev/null 2>&1
            compose_to=60 compose_podman pod rm -af >/dev/null 2>&1
        fi
        # The bridges of its networks (podman deletes one with its last container; this is for an
        # interrupted run): only a bridge that still carries the network's gateway address.
        local bridges=()
        mapfile -t bridges < <(peer_podman_net_bridges "$dir/net")
        if [[ -f "$dir/containers.conf" ]] && command -v podman >/dev/null; then
            compose_to=120 compose_podman system reset -f >/dev/null 2>&1
        fi
        peer_kill_under "$dir"
        for f in ${bridges[@]+"${bridges[@]}"}; do
            read -r iface gw <<<"$f"
            ip -o -4 addr show dev "$iface" 2>/dev/null | grep -F " $gw/" >/dev/null && ip link del "$iface" 2>/dev/null
        done
        rm -rf -- "$dir"
        peer_cni_state_down "$compose_cni_before"
    fi
    peer_netavark_down
    peer_cni_down
}

compose_podman_setup() {
    if ! command -v podman >/dev/null; then
        note "compose: installing podman"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends podman >&2 || true
    fi
    command -v podman >/dev/null || { compose_why="no podman (apt-get install podman failed)"; return 1; }
    # The services find each other by name through aardvark-dns, netavark's DNS server: Debian 12's
    # podman recommends neither, and its CNI plugins alone give a network without names (web would
    # never reach db). This section's containers.conf picks netavark whatever the host's default.
    if [[ ! -x /usr/lib/podman/netavark || ! -x /usr/lib/podman/aardvark-dns ]]; then
        note "compose: installing netavark and aardvark-dns (podman's network with names)"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends netavark aardvark-dns >&2 || true
    fi
    [[ -x /usr/lib/podman/netavark && -x /usr/lib/podman/aardvark-dns ]] ||
        { compose_why="no netavark and aardvark-dns (apt-get install failed)"; return 1; }
    prepare_crun_cgroups  # podman's runtime is crun, which refuses this host's hybrid cgroups without it
    compose_cni_before="$(peer_cni_state)"
    local dir="$compose_pdir"
    mkdir -p "$dir/net" "$dir/tmp"
    on_exit "compose_podman_down"
    # podman-compose: 1.6.0 from PyPI, else Debian's.
    if python3 -m venv "$dir/venv" >"$dir/pip.log" 2>&1 &&
        timeout 600 "$dir/venv/bin/pip" install -q --disable-pip-version-check "podman-compose==1.6.0" >>"$dir/pip.log" 2>&1; then
        compose_pc="$dir/venv/bin/podman-compose"
    else
        note "compose: pip install podman-compose failed ($(tail -n 1 "$dir/pip.log")); using Debian's podman-compose"
        command -v podman-compose >/dev/null ||
            DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends podman-compose >&2 || true
        compose_pc="$(command -v podman-compose || true)"
        [[ -n "$compose_pc" ]] || { compose_why="podman-compose: neither pip nor apt-get could install it"; return 1; }
    fi
    cat >"$dir/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=1024:1024"]
[engine]
lock_type = "file"
tmp_dir = "$dir/tmp"
[network]
network_backend = "netavark"
EOF
    # podman-compose cannot wait for service_healthy on podman 4.3.1: web waits for db itself, the way
    # the 1 s healthcheck would have it (first check 1 s in, then every second; a real connection).
    cat >"$dir/override.yaml" <<'EOF'
services:
  web:
    command:
      - sh
      - -c
      - >-
        sleep 1;
        until python3 -c 'import os, psycopg2; psycopg2.connect(host="db", user=os.environ["DATABASE_USER"],
        password=os.environ["DATABASE_PASSWORD"], dbname=os.environ["DATABASE_NAME"], connect_timeout=5).close()' 2>/dev/null;
        do sleep 1; done;
        python3 manage.py migrate --noinput && exec python3 manage.py runserver 0.0.0.0:8000
EOF
    compose_podman load -q -i "$compose_archive" >"$dir/load.log" 2>&1 ||
        { compose_why="podman load failed: $(tail -n 2 "$dir/load.log" | tr '\n' ' ')"; return 1; }
    note "compose: podman-compose: building the example's images once (podman build, host network)"
    if ! compose_to=3600 compose_pcompose --podman-build-args "--network host" build >"$WORK/compose-podman-build.log" 2>&1; then
        compose_why="podman-compose build failed: $(tail -n 3 "$WORK/compose-podman-build.log" | tr '\n' ' ')"; return 1
    fi
    compose_podman_version="$("$compose_pc" --version 2>/dev/null | sed -n 's/^podman-compose\(r\)\{0,1\} version:\{0,1\} *//p' | head -n 1)"
    local pa; pa="$(compose_pargs)"
    local pc="env CONTAINERS_CONF=$dir/containers.conf $compose_pc --podman-args '$pa' -f compose.yaml -f $dir/override.yaml"
    compose_cmd="$(compose_cycle podman "$pc up -d" "$pc down")"
}

# ---- docker-compose ---------------------------------------------------------------------------

compose_ddir=""        # $WORK/compose-docker (set in the section)
compose_docker=""      # the docker CLI
compose_docker_saved="" # FORWARD policy, ip_forward, bridge-nf-call-iptables/ip6tables, key.json there (1/0)
compose_docker_started=0
compose_dc() {
    DOCKER_HOST="unix://$compose_ddir/docker.sock" timeout "$compose_to" docker-compose --project-directory "$compose_project" \
        -p "$compose_project_name" -f "$compose_ddir/compose.yaml" -f "$compose_ddir/override.yaml" "$@"
}

# compose_docker_down: undo compose_docker_setup (idempotent; run when its timing is done, and at exit).
compose_docker_down() {
    local dir="$compose_ddir" br="$compose_docker_bridge"
    [[ -n "$dir" && -n "$compose_docker_saved" ]] || return 0
    local policy ipf nf4 nf6 key_before
    IFS=, read -r policy ipf nf4 nf6 key_before <<<"$compose_docker_saved"
    if [[ -d "$dir" ]]; then
        if [[ -f "$dir/override.yaml" && -f "$dir/dockerd.pid" ]] && kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null; then
            compose_to=120 compose_dc down >/dev/null 2>&1
        fi
        peer_dockerd_stop "$dir" "$compose_docker"
        rm -rf -- "$dir"
    fi
    ((compose_docker_started)) || return 0
    peer_docker_host_restore "( |!)$br( |\$)" "$policy" "$ipf" "$nf4" "$nf6" "$key_before"
    ip link del "$br" 2>/dev/null
    true
}

compose_docker_setup() {
    local missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    command -v docker-compose >/dev/null || missing+=(docker-compose)
    if ((${#missing[@]})); then
        note "compose: installing ${missing[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 || true
    fi
    command -v dockerd >/dev/null || { compose_why="no dockerd (apt-get install docker.io failed)"; return 1; }
    command -v docker-compose >/dev/null || { compose_why="no docker-compose (apt-get install docker-compose failed)"; return 1; }
    # The docker CLI that comes with this dockerd (Debian's docker.io: /usr/bin/docker), else any.
    local v c; v="$(dockerd --version | sed -n 's/.*version \([^,]*\).*/\1/p')"
    for c in /usr/bin/docker "$(command -v docker || true)"; do
        [[ -x "$c" ]] || continue
        [[ -z "$compose_docker" ]] && compose_docker="$c"
        "$c" --version 2>/dev/null | grep -qF -- "$v" && { compose_docker="$c"; break; }
    done
    [[ -n "$compose_docker" ]] || { compose_why="no docker CLI"; return 1; }
    # dockerd flushes the DOCKER* chains when it starts: not while another dockerd has rules in them.
    local i
    for i in $(seq 300); do
        peer_other_dockerd && iptables-save 2>/dev/null | grep -E '^:DOCKER' >/dev/null || break
        ((i == 1)) && note "compose: another dockerd's iptables chains are on this host; waiting (up to 5 min) for them to go"
        sleep 1
    done
    if peer_other_dockerd && iptables-save 2>/dev/null | grep -E '^:DOCKER' >/dev/null; then
        compose_why="another dockerd with iptables on is running (starting one would flush its DOCKER chains)"; return 1
    fi
    ip link show "$compose_docker_bridge" >/dev/null 2>&1 && { compose_why="a link named $compose_docker_bridge already exists"; return 1; }
    local dir="$compose_ddir" sock="$compose_ddir/docker.sock"
    local policy nf4="" nf6="" key_before=0
    [[ -e /etc/docker/key.json ]] && key_before=1
    policy="$(iptables -w -S FORWARD 2>/dev/null | awk '$1 == "-P" { print $3 }')"
    [[ -r /proc/sys/net/bridge/bridge-nf-call-iptables ]] && nf4="$(cat /proc/sys/net/bridge/bridge-nf-call-iptables)"
    [[ -r /proc/sys/net/bridge/bridge-nf-call-ip6tables ]] && nf6="$(cat /proc/sys/net/bridge/bridge-nf-call-ip6tables)"
    compose_docker_saved="$policy,$(sysctl -n net.ipv4.ip_forward),$nf4,$nf6,$key_before"
    compose_docker_started=1
    mkdir -p "$dir"
    on_exit "compose_docker_down"
    echo '{}' >"$dir/daemon.json"
    dockerd --config-file "$dir/daemon.json" --data-root "$dir/data" --exec-root "$dir/exec" \
        --pidfile "$dir/docker.pid" --host "unix://$sock" --bridge none --iptables=true --ip-forward=true \
        --ip-masq=true --userland-proxy=true --log-level warn >"$dir/dockerd.log" 2>&1 &
    echo $! >"$dir/dockerd.pid"
    for i in $(seq 150); do
        "$compose_docker" -H "unix://$sock" version >/dev/null 2>&1 && break
        kill -0 "$(cat "$dir/dockerd.pid")" 2>/dev/null || break
        sleep 0.2
    done
    "$compose_docker" -H "unix://$sock" version >/dev/null 2>&1 ||
        { compose_why="dockerd did not start: $(tail -n 2 "$dir/dockerd.log" | tr '\n' ' ')"; return 1; }
    "$compose_docker" -H "unix://$sock" load -q -i "$compose_archive" >"$dir/load.log" 2>&1 ||
        { compose_why="docker load failed: $(tail -n 2 "$dir/load.log" | tr '\n' ' ')"; return 1; }
    sed '/^name:/d' "$compose_project/compose.yaml" >"$dir/compose.yaml"
    cat >"$dir/override.yaml" <<EOF
networks:
  default:
    driver_opts:
      com.docker.network.bridge.name: $compose_docker_bridge
EOF
    compose_dc config -q >"$dir/config.log" 2>&1 ||
        { compose_why="docker-compose rejects the file: $(tail -n 2 "$dir/config.log" | tr '\n' ' ')"; return 1; }
    # The images under the names compose uses (docker-compose 1.29 build cannot use the host network,
    # and this dockerd has no default bridge).
    note "compose: docker: building the example's images once (docker build, host network)"
    if ! (DOCKER_BUILDKIT=0 timeout 3600 "$compose_docker" -H "unix://$sock" build -q --network host \
            -t skiff-example/postgres:15 "$compose_project/db" &&
          DOCKER_BUILDKIT=0 timeout 3600 "$compose_docker" -H "unix://$sock" build -q --network host \
            -t "${compose_project_name}_web" "$compose_project") >"$WORK/compose-docker-build.log" 2>&1; then
        compose_why="docker build failed: $(tail -n 3 "$WORK/compose-docker-build.log" | tr '\n' ' ')"; return 1
    fi
    compose_docker_version="$(docker-compose version --short 2>/dev/null) on dockerd $v"
    local dc="env DOCKER_HOST=unix://$sock docker-compose --project-directory $compose_project -p $compose_project_name -f $dir/compose.yaml -f $dir/override.yaml"
    compose_cmd="$(compose_cycle docker "$dc up -d" "$dc down")"
}

# ---- the section --------------------------------------------------------------------------------

# compose_time TOOL LABEL SETUP TEARDOWN: set the peer up, time its cycle, take it down; a peer that
# cannot be set up, or whose cycle fails, gets a SKIP goal with the reason.
compose_time() {
    local tool="$1" label="$2" setup="$3" teardown="$4"
    compose_why="" compose_cmd=""
    if ! compose_port_free; then
        compose_why="port 8000 is in use: $(ss -Hltnp 'sport = :8000' | head -n 1)"
    elif ! "$setup"; then
        : # compose_why says why
    else
        local saved_runs="$runs" saved_warmup="$warmup"; runs=5; warmup=1
        time_one compose "$tool" "$compose_cmd"
        runs="$saved_runs"; warmup="$saved_warmup"
        if ((${FAILED[compose/$tool]:-0})); then
            compose_why="its cycle failed: $(head -n 1 "$WORK/compose-$tool.log.why" 2>/dev/null)"
            note "compose: $label: $compose_why"
        fi
    fi
    eval "$teardown" || true
    if [[ -n "$compose_why" ]]; then
        note "compose: $label not timed: $compose_why"
        COMPOSE_WHY[$tool]="$compose_why"
    fi
    return 0
}

section_compose() {
    [[ -n "$skiff" ]] || { goal SKIP "compose" "no skiff binary"; return 0; }
    compose_project="$REPO/examples/django-postgres"
    compose_pdir="$WORK/compose-podman" compose_ddir="$WORK/compose-docker"
    compose_podman_version="" compose_docker_version=""
    declare -gA COMPOSE_WHY=()
    compose_archive="$("$REPO/Scripts/make-images" --only debian)" ||
        { goal SKIP "compose" "no debian image (Scripts/make-images --only debian)"; return 0; }
    command -v ss >/dev/null && command -v curl >/dev/null ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends iproute2 curl >&2 || true

    local tool
    compose_time skiff skiff compose_skiff_setup \
        "(cd '$compose_project' && SKIFF_ROOT='$WORK/compose-skiff' '$skiff' compose down >/dev/null 2>&1)"
    if [[ "${COMPOSE_WHY[skiff]:-}" == "port 8000 is in use"* ]]; then
        goal SKIP "compose: faster than podman-compose and docker compose" "${COMPOSE_WHY[skiff]}"
        return 0
    elif [[ -n "${COMPOSE_WHY[skiff]:-}" && -z "${MEDIAN[compose/skiff]:-}" ]]; then
        goal FAIL "compose: faster than podman-compose and docker compose" "skiff: ${COMPOSE_WHY[skiff]}"
        return 0
    fi
    compose_time podman podman-compose compose_podman_setup compose_podman_down
    compose_time docker docker-compose compose_docker_setup compose_docker_down

    {
        echo
        echo "== compose: django-postgres up -d → first HTTP 200 on :8000 → down (images built; 5 runs, 1 warm-up)"
        echo "   podman = podman-compose ${compose_podman_version:-?} on podman $(podman --version 2>/dev/null | awk '{print $3}') (web waits for db in its own command: no health wait in podman 4.3.1);" \
            "docker = docker-compose ${compose_docker_version:-?}"
    } | tee -a "$results/summary.txt"
    table compose skiff skiff podman docker
    { for tool in skiff podman docker; do compose_phases "$tool"; done; } | tee -a "$results/summary.txt"

    local s="${MEDIAN[compose/skiff]:-}" label m detail faster=1 any=0
    detail="$(awk -v s="$s" 'BEGIN { printf "skiff %.2f s", s / 1000 }')"
    for tool in podman docker; do
        label="$tool-compose"
        m="${MEDIAN[compose/$tool]:-}"
        if [[ -z "$m" ]]; then
            goal SKIP "compose: $label" "${COMPOSE_WHY[$tool]:-not measured}"
            detail+="; $label not measured"
            continue
        fi
        any=1
        awk -v s="$s" -v m="$m" 'BEGIN { exit !(s < m) }' || faster=0
        detail+="$(awk -v l="$label" -v s="$s" -v m="$m" 'BEGIN { printf "; %s %.2f s (%.2fx)", l, m / 1000, m / s }')"
    done
    if ((!any)); then
        goal SKIP "compose: faster than podman-compose and docker compose" "no peer measured ($detail)"
    elif ((faster)); then
        goal PASS "compose: faster than podman-compose and docker compose" "$detail"
    else
        goal FAIL "compose: faster than podman-compose and docker compose" "$detail"
    fi
}
