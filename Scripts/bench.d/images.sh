# Image sections of Scripts/bench (sourced): unpack, pull, run-image. Issue 3's goals:
#   unpack: at least as fast as `tar -xzf` (umoci shown for reference)
#   pull: no slower than `skopeo copy` to a directory, from a local registry
#   run-image: `skiff run --rm --network none busybox true` within 1.2x of crun (issue 15), at least 5x faster than podman

SECTIONS+=(
    "unpack:unpack the debian image's layer (gzip): skiff vs tar -xzf vs umoci unpack"
    "pull:pull the debian image from a local registry: skiff pull vs skopeo copy to a dir"
    "run-image:run --rm true from the busybox image: skiff vs crun (same rootfs) vs podman run"
)

# ratio_goal SECTION TOOL BASE MAX DESCRIPTION: PASS when median(TOOL)/median(BASE) <= MAX.
ratio_goal() {
    local section="$1" tool="$2" base="$3" max="$4" what="$5"
    local t="${MEDIAN[$section/$tool]:-}" b="${MEDIAN[$section/$base]:-}"
    if [[ -z "$t" || -z "$b" ]]; then goal SKIP "$what" "needs $tool and $base results"; return 0; fi
    local r; r="$(awk -v t="$t" -v b="$b" 'BEGIN { printf "%.2f", t / b }')"
    if awk -v r="$r" -v m="$max" 'BEGIN { exit !(r <= m) }'; then goal PASS "$what" "ratio $r"; else goal FAIL "$what" "ratio $r"; fi
}

# wrapper NAME SCRIPT: an executable sh script (hyperfine -N runs commands without a shell and splits
# them on spaces, so anything with a pipe, a variable or a fresh directory goes in a script).
wrapper() {
    local path="$WORK/$1.sh"
    printf '#!/bin/sh\nset -e\n%s\n' "$2" >"$path"
    chmod +x "$path"
    echo "$path"
}

# The debian image as files: its archive from Scripts/make-images, and its one layer, gzipped.
debian_layer_gz() {
    local archive; archive="$("$REPO/Scripts/make-images" --only debian)"
    local out="$WORK/debian-layer.tar.gz"
    if [[ ! -f "$out" ]]; then
        local digest; digest="$(tar -xOf "$archive" manifest.json | jq -r '.[0].Layers[0]')"
        tar -xOf "$archive" "$digest" | gzip -6 >"$out"
    fi
    echo "$out"
}

section_unpack() {
    local layer; layer="$(debian_layer_gz)"
    local dirs="$WORK/unpack"
    mkdir -p "$dirs"
    # Every run unpacks into a new directory (deleting a tree and writing a new one at once is slow on
    # this ext4), through the same `sh -c` wrapper for every tool. The trees go after the series.
    local fresh='d=$(mktemp -d -p '"$dirs"')'
    local oci="$WORK/debian-oci"
    if command -v skopeo >/dev/null && command -v umoci >/dev/null; then
        skopeo copy -q "docker-archive:$("$REPO/Scripts/make-images" --only debian)" "oci:$oci:bookworm" >/dev/null 2>&1 ||
            note "skopeo could not make an OCI layout for umoci"
    fi
    # The tools take turns, five rounds of two runs each (one warm-up run each): on ext4 without a
    # journal (this VM's root, when the bench cannot mount its journaled image) a new inode skips every
    # inode freed in the last minutes (`recently_deleted`), so the same unpack took 0.5 s or 3.8 s
    # depending on what an earlier section had just removed; a tool timed in one block took all of
    # that drift alone.
    local saved_runs="$runs" saved_warmup="$warmup"; runs=$(( runs > 10 ? 10 : runs )) warmup=1
    local tools=("tar=$(wrapper unpack-tar "$fresh; tar -xzf $layer -C \$d")")
    [[ -n "$skiff" ]] && tools+=("skiff=$(wrapper unpack-skiff "$fresh; $skiff layer unpack $layer \$d >/dev/null")")
    [[ -d "$oci" ]] && tools+=("umoci=$(wrapper unpack-umoci "$fresh; umoci unpack --image $oci:bookworm \$d/b >/dev/null")")
    settle_inodes
    time_rounds unpack 5 "${tools[@]}"
    runs="$saved_runs" warmup="$saved_warmup"
    rm -rf "$dirs"
    { echo; echo "== unpack: debian:bookworm layer, $(du -h "$layer" | cut -f1) gzip (hyperfine -N, up to 10 runs in 5 interleaved rounds)"; } |
        tee -a "$results/summary.txt"
    table unpack tar tar skiff umoci
    ratio_goal unpack skiff tar 1.0 "unpack: skiff at least as fast as tar -xzf"
}

section_pull() {
    command -v docker-registry >/dev/null && command -v skopeo >/dev/null || { goal SKIP "pull" "needs docker-registry and skopeo"; return 0; }
    local port=$(( 20000 + RANDOM % 20000 )) reg="$WORK/registry"
    mkdir -p "$reg/data"
    cat >"$reg/config.yml" <<YAML
version: 0.1
storage:
  filesystem:
    rootdirectory: $reg/data
http:
  addr: 127.0.0.1:$port
YAML
    docker-registry serve "$reg/config.yml" >"$reg/log" 2>&1 &
    local pid=$!
    on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
    for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
    # The registry serves the image as gzip layers, as registries do.
    skopeo copy -q --dest-tls-verify=false --dest-compress-format gzip \
        "docker-archive:$("$REPO/Scripts/make-images" --only debian)" "docker://127.0.0.1:$port/bench/debian:bookworm"
    local dirs="$WORK/pulls"
    mkdir -p "$dirs"
    local fresh='d=$(mktemp -d -p '"$dirs"')'
    local saved_runs="$runs"; runs=$(( runs > 10 ? 10 : runs ))
    time_one pull skopeo "$(wrapper pull-skopeo "$fresh; skopeo copy -q --src-tls-verify=false docker://127.0.0.1:$port/bench/debian:bookworm dir:\$d/img")"
    [[ -n "$skiff" ]] && time_one pull skiff "$(wrapper pull-skiff "$fresh; SKIFF_ROOT=\$d $skiff pull -q 127.0.0.1:$port/bench/debian:bookworm >/dev/null")"
    runs="$saved_runs"
    rm -rf "$dirs"
    { echo; echo "== pull: debian:bookworm from a local registry (loopback), into an empty store each run"; } |
        tee -a "$results/summary.txt"
    table pull skopeo skopeo skiff
    ratio_goal pull skiff skopeo 1.0 "pull: skiff no slower than skopeo copy"
}

section_run-image() { section_run_image; }
section_run_image() {
    prepare_crun_cgroups
    [[ -n "$skiff" ]] || { goal SKIP "run-image" "no skiff binary"; return 0; }
    local root="$WORK/run-image" archive; archive="$("$REPO/Scripts/make-images" --only busybox)"
    mkdir -p "$root"
    SKIFF_ROOT="$root/skiff" "$skiff" load -q -i "$archive" >/dev/null
    SKIFF_ROOT="$root/skiff" time_one run-image skiff "$skiff" run --rm --network none busybox true  # no `env` (see exec)

    # crun on the same rootfs the image holds (its unpacked layer), with Docker's settings from skiff.
    local bundle="$root/bundle"
    mkdir -p "$bundle"
    SKIFF_ROOT="$root/skiff" "$skiff" run --name spec-source --network none busybox true >/dev/null
    local cdir; cdir="$(ls -d "$root"/skiff/containers/*/ | head -n1)"
    # crun 1.8 knows runtime-spec versions up to 1.0.x; skiff writes 1.2.0. No cgroupsPath: crun would
    # make /skiff in every hierarchy (name=systemd too) and leave the parent behind.
    jq --arg r "$(ls -d "$root"/skiff/layers/*/diff | head -n1)" \
        '.ociVersion = "1.0.2" | del(.linux.cgroupsPath) | .root.path = $r | .root.readonly = true | del(.annotations) | .mounts |= map(select(.destination | startswith("/etc/") | not))' \
        "$cdir/config.json" >"$bundle/config.json"
    SKIFF_ROOT="$root/skiff" "$skiff" rm spec-source >/dev/null
    local id=skiff-bench-run-image
    on_exit "crun --root '$root/crun' delete -f $id >/dev/null 2>&1"
    time_one run-image crun crun --root "$root/crun" run --bundle "$bundle" "$id"

    if command -v podman >/dev/null; then
        local p="podman --root $root/podman --runroot $root/podman-run"
        $p load -q -i "$archive" >/dev/null 2>&1 || note "podman load failed"
        on_exit "$p system reset -f >/dev/null 2>&1; rm -rf '$root/podman' '$root/podman-run'"
        local saved_runs="$runs"; runs=$(( runs > 20 ? 20 : runs ))
        time_one run-image podman $p run --rm --network none --ulimit nofile=20000:20000 --ulimit nproc=1024:1024 busybox true
        runs="$saved_runs"
    fi
    { echo; echo "== run-image: run --rm true from the busybox image (crun: the same rootfs and spec)"; } |
        tee -a "$results/summary.txt"
    table run-image crun crun skiff podman
    ratio_goal run-image skiff crun 1.2 "run-image: skiff within 1.2x of crun (issue 15)"
    ratio_goal run-image skiff podman 0.2 "run-image: skiff at least 5x faster than podman"
}
