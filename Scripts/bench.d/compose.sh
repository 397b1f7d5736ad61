# Compose section of Scripts/bench (sourced). Issue 8's goal: `compose up -d` → first HTTP 200 → `down`
# for examples/django-postgres (images already built) faster than podman-compose / docker compose.
# Neither peer is timed yet: docker compose is not in Debian 12, and podman-compose would first need
# both example images built by podman (apt-get inside podman build); the section says so as SKIP.

SECTIONS+=(
    "compose:examples/django-postgres: compose up -d, first HTTP 200 on :8000, compose down (images built)"
)

section_compose() {
    [[ -n "$skiff" ]] || { goal SKIP "compose" "no skiff binary"; return 0; }
    local root="$WORK/compose" project="$REPO/examples/django-postgres"
    local bindir; bindir="$(dirname -- "$skiff")"
    mkdir -p "$root"
    export SKIFF_ROOT="$root"
    "$skiff" load -q -i "$("$REPO/Scripts/make-images" --only debian)" >/dev/null
    on_exit "(cd '$project' && SKIFF_ROOT='$root' '$skiff' compose down -v >/dev/null 2>&1)"
    note "compose: building the example's images once (apt-get inside skiff build; minutes the first time)"
    (cd "$project" && "$skiff" compose build >"$WORK/compose-build.log" 2>&1) || { goal FAIL "compose" "compose build failed"; unset SKIFF_ROOT; return 0; }
    local cycle; cycle="$(wrapper compose-cycle "cd $project
PATH=$bindir:\$PATH SKIFF_ROOT=$root $skiff compose up -d >/dev/null 2>&1
i=0; until curl -fs http://127.0.0.1:8000/ >/dev/null; do i=\$((i+1)); [ \$i -lt 600 ] || exit 1; sleep 0.02; done
SKIFF_ROOT=$root $skiff compose down >/dev/null 2>&1")"
    local saved_runs="$runs" saved_warmup="$warmup"; runs=5; warmup=1
    time_one compose skiff "$cycle"
    runs="$saved_runs"; warmup="$saved_warmup"
    unset SKIFF_ROOT
    { echo; echo "== compose: django-postgres up -d → first HTTP 200 → down (5 runs)"; } | tee -a "$results/summary.txt"
    table compose skiff skiff
    goal SKIP "compose: faster than podman-compose and docker compose" "peers not set up here yet (see Scripts/bench.d/compose.sh)"
}
