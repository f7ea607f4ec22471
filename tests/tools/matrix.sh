#!/usr/bin/env bash
# The collection on each supported ansible-core (make matrix; CI runs it through make test).
#
# For every version below: a virtual environment under build/matrix/<version> with that
# ansible-core and the test tools (the rest pinned by tests/constraints.txt), the collection
# tarball built by the main venv and installed with ansible-galaxy into that environment's own
# collections path, then
#   1. the unit tests of the installed copy (what a user gets, not the checkout), and
#   2. one ad-hoc module call (credrotate.cloud.drs_job_info, JSON arguments) against the emulator.
# MATRIX_VERSIONS="2.18.19" narrows the run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
REPO=$PWD
VERSIONS=${MATRIX_VERSIONS:-"2.17.14 2.18.19 2.19.14"}
PYTHON=${PYTHON:-python3}
OUT=$REPO/build/matrix
mkdir -p "$OUT"

# The tarball, built once by the main venv.
rm -f "$OUT"/credrotate-cloud-*.tar.gz
.venv/bin/ansible-galaxy collection build --force --output-path "$OUT" . >/dev/null
TARBALL=$(ls "$OUT"/credrotate-cloud-*.tar.gz)

# tests/constraints.txt without ansible-core and the packages whose range differs between versions.
grep -viE '^(ansible-core|resolvelib)==' tests/constraints.txt > "$OUT/constraints.txt"

# One emulator (in memory, demo estate) for the ad-hoc calls.
READY=$OUT/emulator-ready
rm -f "$READY"
.venv/bin/python tests/emulator --fixtures tests/emulator/fixtures/demo.yml --ready-file "$READY" \
  >"$OUT/emulator.log" 2>&1 </dev/null &
EMULATOR=$!
trap 'kill "$EMULATOR" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do [ -s "$READY" ] && break; sleep 0.1; done
URL=$(head -n1 "$READY")
[ -n "$URL" ] || { echo "matrix: the emulator did not start" >&2; cat "$OUT/emulator.log" >&2; exit 1; }

status=0
for version in $VERSIONS; do
  echo "=== ansible-core $version"
  venv=$OUT/$version
  if [ ! -e "$venv/.installed" ] || ! grep -qx "$version" "$venv/.installed"; then
    rm -rf "$venv"
    "$PYTHON" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet -c "$OUT/constraints.txt" "ansible-core==$version" \
      -r requirements.txt pytest pytest-xdist hypothesis
    echo "$version" > "$venv/.installed"
  fi
  collections=$venv/collections
  rm -rf "$collections"
  ANSIBLE_COLLECTIONS_PATH=$collections "$venv/bin/ansible-galaxy" collection install --force -p "$collections" \
    "$TARBALL" >/dev/null
  installed=$collections/ansible_collections/credrotate/cloud
  if ! (cd "$installed" && PYTHONPATH=$collections "$venv/bin/python" -m pytest -q -n 2 -p no:cacheprovider tests/unit \
        | tail -n 3); then
    echo "matrix: unit tests failed on ansible-core $version" >&2
    status=1
  fi
  args='{"jobs": ["9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8bjb01"], "endpoint_url": "'"$URL"'", "region": "cn-north-4",
         "project_id": "0123456789abcdef0123456789abcdef"}'
  # (from build/matrix: no ansible.cfg of the checkout; the demo estate's access key)
  if out=$(cd "$OUT" && env -u ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH=$collections \
           HW_ACCESS_KEY=HPUA1EXAMPLEAK000001 HW_SECRET_KEY=exampleSecretKey0123456789abcdefghijABCD \
           "$venv/bin/ansible" localhost -m credrotate.cloud.drs_job_info -a "$args" 2>&1) \
     && grep -q '"status": "INCRE_TRANSFER_STARTED"' <<<"$out"; then
    echo "ad-hoc drs_job_info: ok"
  else
    echo "matrix: the ad-hoc call failed on ansible-core $version:" >&2
    echo "$out" | tail -n 20 >&2
    status=1
  fi
done
exit "$status"
