# Build section of Scripts/bench (sourced): build-cache. Issue 4's goal:
#   a fully cached rebuild of a 10-step Dockerfile under 100 ms, and at least 5x faster than
#   `podman build` and `docker build` on the same files.
# podman runs with its own --root/--runroot (vfs storage) under $WORK; dockerd, when it is installed,
# is started by hand on a socket and data root under $WORK and stopped by its PID at exit.

SECTIONS+=(
    "build-cache:rebuild a 10-step Dockerfile with every step cached: skiff vs podman build vs docker build"
)

# build_goal TOOL BASE FACTOR: PASS when median(BASE) / median(TOOL) >= FACTOR.
build_goal() {
    local tool="$1" base="$2" factor="$3" what="build-cache: skiff >= ${3}x faster than $2"
    local t="${MEDIAN[build-cache/$tool]:-}" b="${MEDIAN[build-cache/$base]:-}"
    if [[ -z "$t" || -z "$b" ]]; then goal SKIP "$what" "needs $tool and $base results"; return 0; fi
    local r; r="$(awk -v t="$t" -v b="$b" 'BEGIN { printf "%.1f", b / t }')"
    if awk -v r="$r" -v f="$factor" 'BEGIN { exit !(r >= f) }'; then goal PASS "$what" "${r}x"; else goal FAIL "$what" "${r}x"; fi
}

section_build-cache() {
    local archive; archive="$("$REPO/Scripts/make-images" --only busybox 2>/dev/null || true)"
    [[ -f "$archive" ]] || { note "no busybox.tar (Scripts/make-images): build-cache skipped"; goal SKIP "build-cache" "no busybox image"; return 0; }
    local dir="$WORK/build-cache" ctx="$WORK/build-cache/context"
    mkdir -p "$ctx/src"
    printf 'django\npsycopg2\ngunicorn\n' >"$ctx/requirements.txt"
    printf 'print("hello")\n' >"$ctx/manage.py"
    for i in 1 2 3 4 5 6 7 8; do printf 'x = %d\n' "$i" >"$ctx/src/module$i.py"; done
    # 10 steps, the talk's shape: every kind of step the cache must answer (metadata, RUN, COPY).
    cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM busybox
ENV PYTHONUNBUFFERED=1
WORKDIR /code
COPY requirements.txt /code/
RUN mkdir -p /site && for r in $(cat requirements.txt); do echo "$r" > /site/$r; done
COPY . /code/
ENV PORT=8000
EXPOSE 8000
LABEL bench=build-cache
CMD ["sh", "-c", "ls /site"]
DOCKERFILE

    echo
    echo "== build-cache: a 10-step Dockerfile rebuilt with every step cached ($runs runs, $warmup warm-up, -q)" | tee -a "$results/summary.txt"

    if [[ -n "$skiff" ]]; then
        # The state root is SKIFF_ROOT (`--root` is runc's flag, for `skiff oci`).
        local sroot="$dir/skiff-root"
        if SKIFF_ROOT="$sroot" "$skiff" load -i "$archive" >/dev/null &&
            SKIFF_ROOT="$sroot" "$skiff" build -q -t bench-cache:1 "$ctx" >"$dir/skiff-first.log" 2>&1; then
            SKIFF_ROOT="$sroot" time_one build-cache skiff "$skiff" build -q -t bench-cache:1 "$ctx"
        else
            note "skiff build failed:"; tail -n 5 "$dir/skiff-first.log" >&2; FAILED[build-cache/skiff]=1
        fi
    fi

    if command -v podman >/dev/null; then
        local p=(podman --root "$dir/podman-root" --runroot "$dir/podman-run" --storage-driver vfs)
        on_exit "${p[*]} system reset -f >/dev/null 2>&1; rm -rf '$dir/podman-root' '$dir/podman-run'"
        if "${p[@]}" load -i "$archive" >/dev/null 2>&1 &&
            "${p[@]}" build -q --ulimit nofile=20000:20000 --ulimit nproc=1024:1024 -t bench-cache:1 "$ctx" >"$dir/podman-first.log" 2>&1; then
            time_one build-cache podman "${p[@]}" build -q --ulimit nofile=20000:20000 --ulimit nproc=1024:1024 -t bench-cache:1 "$ctx"
        else
            note "podman build failed:"; tail -n 5 "$dir/podman-first.log" >&2; FAILED[build-cache/podman]=1
        fi
    fi

    if command -v dockerd >/dev/null; then
        local sock="$dir/docker.sock"
        dockerd --data-root "$dir/docker-data" --exec-root "$dir/docker-exec" --pidfile "$dir/docker.pid" \
            --host "unix://$sock" --bridge none --iptables=false >"$dir/dockerd.log" 2>&1 &
        local dpid=$!
        on_exit "kill $dpid 2>/dev/null; for i in \$(seq 50); do kill -0 $dpid 2>/dev/null || break; sleep 0.2; done; umount '$dir/docker-exec/netns/default' 2>/dev/null; rm -rf '$dir/docker-data' '$dir/docker-exec'"
        local d=(docker -H "unix://$sock")
        local i
        for i in $(seq 100); do "${d[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
        if "${d[@]}" load -i "$archive" >/dev/null 2>&1 &&
            DOCKER_BUILDKIT=0 "${d[@]}" build -q --network host -t bench-cache:1 "$ctx" >"$dir/docker-first.log" 2>&1; then
            # hyperfine -N takes no environment: DOCKER_BUILDKIT through env(1).
            time_one build-cache docker env DOCKER_BUILDKIT=0 "${d[@]}" build -q --network host -t bench-cache:1 "$ctx"
        else
            note "docker build failed (dockerd log: $dir/dockerd.log):"; tail -n 5 "$dir/docker-first.log" >&2; FAILED[build-cache/docker]=1
        fi
    else
        note "dockerd is not installed (apt-get install docker.io): docker not timed"
    fi

    table build-cache skiff skiff podman docker
    local s="${MEDIAN[build-cache/skiff]:-}"
    if [[ -z "$s" ]]; then
        goal FAIL "build-cache: cached rebuild < 100 ms" "skiff build did not run"
    elif awk -v s="$s" 'BEGIN { exit !(s < 100) }'; then
        goal PASS "build-cache: cached rebuild < 100 ms" "$(printf '%.1f ms' "$s")"
    else
        goal FAIL "build-cache: cached rebuild < 100 ms" "$(printf '%.1f ms' "$s")"
    fi
    build_goal skiff podman 5
    build_goal skiff docker 5
}
