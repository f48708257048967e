# Sourced by run-tests.sh and demo.sh: finds the shared fixtures — ../shared beside the project, or,
# for a clone made elsewhere (a temporary directory), ../shared beside the repository it was cloned
# from — and exports SIDECAR_SHARED_DIR (tests and the demo read it). Leaves it unset when neither exists.
if [ -z "${SIDECAR_SHARED_DIR:-}" ]; then
    origin=$(git config --get remote.origin.url 2>/dev/null || true)
    for candidate in ../shared "${origin:+$origin/../shared}"; do
        if [ -n "$candidate" ] && [ -d "$candidate/fixtures" ]; then export SIDECAR_SHARED_DIR="$(cd "$candidate" && pwd)"; break; fi
    done
fi
