#!/usr/bin/env bash
# Undo what tests and tools/containers/setup.sh left running.
#
#   tools/containers/teardown.sh            remove the project's containers, stop the API service
#   tools/containers/teardown.sh --purge    also delete images, storage and config
#                                            ($RHOSOCIAL_CONTAINERS_HOME); the npm bundle cache
#                                            is kept (tests/harness shares it)
#
# Safe to run any time, also when setup never ran. Why it is needed at all: Ryuk (the
# testcontainers reaper) cannot run here, so nothing else removes containers of a test run
# that crashed.
set -uo pipefail # no -e: clean up as much as possible even if one step fails

HOME_DIR=${RHOSOCIAL_CONTAINERS_HOME:-/var/tmp/rhopg-containers}
PIDFILE=$HOME_DIR/podman-service.pid
SOCK=$HOME_DIR/podman.sock
PURGE=0
for arg in "$@"; do
	case $arg in
	--purge) PURGE=1 ;;
	-h | --help) sed -n '2,9p' "$0"; exit 0 ;;
	*) echo "teardown.sh: unknown argument $arg" >&2; exit 2 ;;
	esac
done
log() { echo "[teardown] $*" >&2; }

export CONTAINERS_CONF=$HOME_DIR/containers.conf
export CONTAINERS_STORAGE_CONF=$HOME_DIR/storage.conf
have_podman=0
if command -v podman >/dev/null 2>&1 && [ -f "$CONTAINERS_STORAGE_CONF" ]; then have_podman=1; fi

# 1. Containers: labelled by tests/harness/containers.py, named rhopg-* as a second net.
if [ "$have_podman" = 1 ]; then
	ids=$( {
		podman ps -aq --filter label=org.rhosocial.project=activerecord-postgres
		podman ps -aq --filter 'name=^rhopg-'
	} 2>/dev/null | sort -u)
	if [ -n "$ids" ]; then
		# shellcheck disable=SC2086
		podman rm -f -v --time 0 $ids >/dev/null && log "removed $(echo "$ids" | wc -l) container(s)"
	fi
fi

# 2. The API service, by the pid setup.sh recorded (checked to still be that service).
if [ -f "$PIDFILE" ]; then
	pid=$(cat "$PIDFILE")
	if grep -qa "system" "/proc/$pid/cmdline" 2>/dev/null && grep -qa "service" "/proc/$pid/cmdline"; then
		kill "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
		log "stopped podman API service (pid $pid)"
	fi
	rm -f "$PIDFILE"
fi
rm -f "$SOCK"

# 3. conmon monitors (and their `podman container cleanup` children) of our containers: their
# command lines name our storage folder. They exit with the container, or up to
# exit_command_delay (5 s) after an exec session; whatever a killed service orphaned is killed.
ours() {
	for p in $(pgrep -x conmon 2>/dev/null; pgrep -x podman 2>/dev/null); do
		grep -qa -- "$HOME_DIR/storage" "/proc/$p/cmdline" 2>/dev/null && echo "$p"
	done
}
for _ in $(seq 35); do [ -z "$(ours)" ] && break; sleep 0.2; done
for p in $(ours); do kill "$p" 2>/dev/null && log "killed stray process $p ($(cat "/proc/$p/comm" 2>/dev/null))"; done

# 4. --purge: images, layers, the project's podman state and config.
if [ "$PURGE" = 1 ] && [ -d "$HOME_DIR" ]; then
	# reset only touches the storage named by CONTAINERS_STORAGE_CONF, i.e. ours.
	[ "$have_podman" = 1 ] && podman system reset -f >/dev/null 2>&1
	# Overlay mounts that survived (e.g. after a crash) would make rm fail.
	awk -v d="$HOME_DIR" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	rm -rf "$HOME_DIR"
	log "purged $HOME_DIR"
fi
exit 0
