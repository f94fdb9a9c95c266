#!/usr/bin/env bash
# The version matrix in containers (issue 4): podman + locally built images for majors 10..18,
# our tests on every major, the official suite on the oldest and newest. Cleans up on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
majors="${RHOSOCIAL_MATRIX_MAJORS:-10 11 12 13 14 15 16 17 18}"
bash tools/containers/setup.sh $majors
trap 'bash tools/containers/teardown.sh || true' EXIT
# shellcheck disable=SC1091
source "${RHOSOCIAL_CONTAINERS_HOME:-/var/tmp/rhopg-containers}/env.sh"
RHOSOCIAL_PG_PROVIDER=containers tox -e matrix -- --provider containers --majors $majors
