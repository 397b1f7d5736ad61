# The seal section of Scripts/bench (sourced): what closing CVE-2019-5736 costs each start.
# The launchers skiff and skiff-oci exec their programs (skiff-main, skiff-oci-main) from a sealed image
# (Sources/CSkiffSeal/exe_seal.c, launch.c) when run as root, for every command that can put a process
# into a container; run as nobody they exec the program directly (no container can be made then).
# `run --help` does nothing else, so the difference between the two is the seal: a detached overlayfs
# mount, the seal keeper's fork and an execveat instead of an execve. Commands that never enter a
# container (state, kill, delete, ps, …) skip the seal and pay nothing.
# Both go through setpriv(1), so its own cost cancels out. The startup and exec sections time the
# sealed binaries as users run them, the seal included.

SECTIONS+=(
    "seal:cost of the sealed re-exec (CVE-2019-5736): skiff-oci run --help as root (sealed) vs as nobody"
)

section_seal() {
    local oci; oci="$(dirname -- "$skiff")/skiff-oci"
    [[ -x "$oci" ]] || { goal SKIP "seal: the sealed re-exec costs <= 3 ms" "no skiff-oci binary"; return 0; }
    command -v setpriv >/dev/null || { goal SKIP "seal: the sealed re-exec costs <= 3 ms" "no setpriv (util-linux)"; return 0; }
    time_one seal sealed setpriv --reuid=0 --regid=0 --clear-groups "$oci" run --help
    time_one seal unsealed setpriv --reuid=65534 --regid=65534 --clear-groups "$oci" run --help
    {
        echo
        echo "== seal: skiff-oci run --help, root (sealed re-exec) vs nobody (no seal) ($runs runs)"
    } | tee -a "$results/summary.txt"
    table seal unsealed unsealed sealed
    local s="${MEDIAN[seal/sealed]:-}" u="${MEDIAN[seal/unsealed]:-}"
    if [[ -n "$s" && -n "$u" ]]; then
        local cost; cost="$(awk -v s="$s" -v u="$u" 'BEGIN { printf "%.2f", s - u }')"
        echo "seal cost: $cost ms per start of skiff or skiff-oci" | tee -a "$results/summary.txt"
        if awk -v c="$cost" 'BEGIN { exit !(c <= 3) }'; then goal PASS "seal: the sealed re-exec costs <= 3 ms" "$cost ms"
        else goal FAIL "seal: the sealed re-exec costs <= 3 ms" "$cost ms"; fi
    else
        goal SKIP "seal: the sealed re-exec costs <= 3 ms" "needs both results"
    fi
}
