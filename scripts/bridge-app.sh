#!/usr/bin/env bash
# Makes the Frappe app in frappe_bridge/ a git repository of its own, DIR/erpnext_github_integration,
# which `bench get-app` accepts (bench clones a git repository whose root is the app: a folder inside
# another repository gives "'App' object has no attribute 'org'"). Run it again after an update: it
# commits the new tree there, so `bench update` (a git pull in apps/) picks it up.
#   scripts/bridge-app.sh DIR
#   bench get-app DIR/erpnext_github_integration
# The tree is frappe_bridge/ as committed at HEAD when this is a git checkout, else as it is on disk.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
root="$(cd "$(dirname "$0")/.." && pwd)"
mkdir -p "$1"
target="$(cd "$1" && pwd)/erpnext_github_integration"
git_c=(git -c user.name=github-sidecar -c user.email=github-sidecar@localhost -c init.defaultBranch=main)

if [ -e "$target" ] && [ ! -d "$target/.git" ]; then
    echo "$target exists and is not a git repository made by $0" >&2
    exit 1
fi
[ -d "$target/.git" ] || "${git_c[@]}" init -q "$target"
# Replace the tree (not .git) with frappe_bridge/.
find "$target" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
if source_commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null); then
    git -C "$root" archive --format=tar HEAD frappe_bridge | tar -x -C "$target" --strip-components=1
    from="github-sidecar $source_commit"
else
    (cd "$root/frappe_bridge" && tar -c --exclude=__pycache__ --exclude='*.pyc' .) | tar -x -C "$target"
    from="github-sidecar (not a git checkout)"
fi
"${git_c[@]}" -C "$target" add -A
if "${git_c[@]}" -C "$target" diff --cached --quiet && "${git_c[@]}" -C "$target" rev-parse -q --verify HEAD >/dev/null; then
    echo "$target is already frappe_bridge/ of $from"
else
    "${git_c[@]}" -C "$target" commit -q -m "erpnext_github_integration from $from"
    echo "$target: frappe_bridge/ of $from"
fi
echo "next: bench get-app $target"
