#!/usr/bin/env bash
# Run `ansible-test sanity` on this collection from a checkout whose root is the collection root.
#
# Usage: scripts/sanity.sh [extra ansible-test sanity arguments, e.g. --test pep8 -v]
#
# Environment:
#   ANSIBLE_TEST        ansible-test to run (default: .venv/bin/ansible-test)
#   ANSIBLE_TEST_PYTHON Python that can import ansible_test (default: the python beside it)
#   SANITY_PYTHON       Python version for --python (default: 3.11, the only usable one here)
#   SANITY_BUILD_DIR    where the collection tree is laid out (default: build/sanity)
#
# Exits non-zero when any sanity test fails (or cannot be set up).
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo_root"

ansible_test=${ANSIBLE_TEST:-$repo_root/.venv/bin/ansible-test}
python_version=${SANITY_PYTHON:-3.11}
build_dir=${SANITY_BUILD_DIR:-$repo_root/build/sanity}

log() { printf 'sanity.sh: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

[[ -x $ansible_test ]] || die "$ansible_test not found: create the project venv first (make)"
# The venv's own interpreter is the one that can import ansible_test.
venv_python=${ANSIBLE_TEST_PYTHON:-$(dirname "$ansible_test")/python}
[[ -x $venv_python ]] || die "cannot find the Python beside $ansible_test (set ANSIBLE_TEST_PYTHON)"
command -v git >/dev/null || die "git is required to list the collection's files"

started=$SECONDS

# --- 1. get-pip stand-in --------------------------------------------------------------------
# ansible-test bootstraps pip in every venv it creates with a get-pip script that it downloads
# from a host these machines cannot reach, unless the script is already in its cache. Ask this
# ansible-test which pip version it wants instead of hard-coding 24.2, so an ansible-core
# upgrade picks the right cache file name (get_pip_<X_Y>.py) by itself; the path is built the
# way ansible_test/_util/target/setup/requirements.py builds it.
get_pip_cache=$("$venv_python" - "$python_version" <<'EOF'
import os
import sys
import types

from ansible_test._internal.python_requirements import get_venv_packages

pip_version = get_venv_packages(types.SimpleNamespace(version=sys.argv[1]))['pip']
print(os.path.expanduser('~/.ansible/test/cache/get_pip_%s.py' % pip_version.replace('.', '_')))
EOF
)
[[ $get_pip_cache =~ /get_pip_[0-9]+(_[0-9]+)*\.py$ ]] || die "unexpected get-pip cache path from ansible-test: '$get_pip_cache'"
mkdir -p "$(dirname "$get_pip_cache")"
if ! cmp -s scripts/get_pip_standin.py "$get_pip_cache"; then
    log "installing get-pip stand-in at $get_pip_cache"
    cp scripts/get_pip_standin.py "$get_pip_cache.tmp"
    mv "$get_pip_cache.tmp" "$get_pip_cache"
fi

# --- 2. shellcheck ----------------------------------------------------------------------------
# Without it ansible-test only warns and skips the shellcheck test, which would let a broken
# shell script through silently. Debian packages it; install it when we are allowed to.
if ! command -v shellcheck >/dev/null; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        log "installing shellcheck (apt-get)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq shellcheck >/dev/null 2>&1 \
            || { apt-get update -qq && apt-get install -y -qq shellcheck >/dev/null; }
    fi
    command -v shellcheck >/dev/null || die "shellcheck is missing: apt-get install shellcheck"
fi

# --- 3. collection tree -----------------------------------------------------------------------
# ansible-test only runs from a path ending in ansible_collections/<namespace>/<name>.
read -r namespace name < <("$venv_python" -c '
import yaml
with open("galaxy.yml", encoding="utf-8") as f:
    g = yaml.safe_load(f)
print(g["namespace"], g["name"])
')
collection_dir=$build_dir/ansible_collections/$namespace/$name

rm -rf "$build_dir"
mkdir -p "$collection_dir"
# The files of the collection are what git would commit: tracked plus untracked-but-not-ignored,
# so .venv/, build/ and caches never get in. Tracked files deleted from the work tree are skipped,
# and so are .venv, build and tests/output even when .gitignore misses them (a .venv symlink
# does not match the `.venv/` pattern).
git ls-files -z --cached --others --exclude-standard \
    | while IFS= read -r -d '' path; do
        case $path in
            .venv | .venv/* | build | build/* | tests/output | tests/output/*) continue ;;
        esac
        if [[ -e $path || -L $path ]]; then printf '%s\0' "$path"; fi
    done \
    | tar --null --no-recursion --files-from=- -cf - \
    | tar -xf - -C "$collection_dir"

# Give the copy a git repository of its own. ansible-test looks for .git from the collection
# upwards: under build/ it would find this checkout's repository, in which the copy is ignored
# (build/ is in .gitignore), and would see no files at all; in a plain temporary folder it would
# walk the tree instead. With its own (empty, never committed) repository the file list is
# `git ls-files --others --exclude-standard` of exactly the files copied above, wherever the
# copy lives. tests/output/ is where ansible-test writes its results: keep it out of the list.
git -C "$collection_dir" -c init.defaultBranch=sanity init -q
printf 'tests/output/\n' >> "$collection_dir/.git/info/exclude"

file_count=$(git -C "$collection_dir" ls-files --others --exclude-standard | wc -l)
log "collection $namespace.$name laid out at $collection_dir ($file_count files, $((SECONDS - started)) s)"

# --- 4. sanity --------------------------------------------------------------------------------
# --requirements lets ansible-test install each test's pinned requirements from the package
# index into its own venvs under ~/.ansible/test (the first run builds them, later runs reuse
# them). The --python version is fixed: other interpreters on these machines are not usable.
cd "$collection_dir"
status=0
"$ansible_test" sanity --python "$python_version" --requirements "$@" || status=$?

log "results: $collection_dir/tests/output/"
if [[ $status -eq 0 ]]; then
    log "PASSED in $((SECONDS - started)) s"
else
    log "FAILED (ansible-test exit $status) after $((SECONDS - started)) s"
fi
exit "$status"
