# The SkiffTesting section of Scripts/bench (sourced): how long a test waits for its container, start() to
# ready, measured inside the test process (skiff-testing-child's bench mode, which uses the library as a
# test does). Issue 18's goal: a cached busybox with an httpd and a port wait is ready in under 100 ms.
# Postgres (PostgresContainer, the image `Scripts/make-images --only postgres` makes) is reported, no goal.
# The child and the skiff it drives: the release build Scripts/install made (in .build or the build
# folder given to its --scratch-path, .build-NAME), else the debug build.

SECTIONS+=(
    "testing:SkiffTesting start -> ready in a test process: busybox httpd with a port wait (goal < 100 ms), postgres"
)

section_testing() {
    local child=""
    for c in "$REPO/.build/release/skiff-testing-child" "$REPO"/.build[-_]*/release/skiff-testing-child \
        "$REPO/.build/debug/skiff-testing-child"; do
        [[ -x "$c" ]] && { child="$c"; break; }
    done
    local busybox; busybox="$("$REPO/Scripts/make-images" --only busybox 2>/dev/null || true)"
    local title="testing: busybox httpd start -> ready (port wait) < 100 ms"
    [[ -n "$child" && -n "$skiff" && -f "$busybox" ]] || { goal SKIP "$title" "no skiff-testing-child, skiff or busybox.tar"; return 0; }
    local monitor; monitor="$(dirname -- "$skiff")/skiff-monitor"
    local n=$((runs < 30 ? runs : 30)) out="$results/testing.txt"
    : >"$out"
    {
        echo
        echo "== testing: start() -> ready in the test process, $n runs after a warm-up (min median max, ms)"
    } | tee -a "$results/summary.txt"
    local line
    if line="$(SKIFF_BINARY="$skiff" SKIFF_MONITOR="$monitor" "$child" "$WORK/testing-busybox" "$busybox" bench busybox "$n")"; then
        echo "busybox httpd, port wait: $line" | tee -a "$out" "$results/summary.txt"
        local median; median="$(awk '{print $2}' <<<"$line")"
        if awk -v m="$median" 'BEGIN { exit !(m < 100) }'; then goal PASS "$title" "median $median ms"
        else goal FAIL "$title" "median $median ms"; fi
    else
        goal FAIL "$title" "skiff-testing-child bench busybox failed"
    fi
    local postgres="$REPO/rootfs-fixtures/out/images/postgres.tar"
    # (make-images prints the debian archive it is made on first, then postgres.tar)
    if [[ -f "$postgres" ]] || postgres="$("$REPO/Scripts/make-images" --only postgres 2>/dev/null | grep '/postgres\.tar$')"; then
        local pn=$((n < 10 ? n : 10))
        if line="$(SKIFF_BINARY="$skiff" SKIFF_MONITOR="$monitor" "$child" "$WORK/testing-postgres" "$postgres" bench postgres "$pn")"; then
            echo "postgres (initdb + start, pg_isready), $pn runs: $line" | tee -a "$out" "$results/summary.txt"
        else
            echo "postgres: skiff-testing-child bench postgres failed" | tee -a "$out" "$results/summary.txt"
        fi
    fi
}
