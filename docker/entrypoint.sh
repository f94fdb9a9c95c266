#!/bin/sh
# Entrypoint for the project's locally built PostgreSQL images (docker/Dockerfile).
#
# It mimics the parts of the official postgres image's docker-entrypoint.sh that
# testcontainers (and our tests) rely on, nothing more:
#   * POSTGRES_USER (default postgres), POSTGRES_PASSWORD (required unless
#     POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_DB (default: $POSTGRES_USER),
#     POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD (default scram-sha-256);
#   * initdb into an empty $PGDATA on first start, password auth for TCP clients,
#     trust for the local unix socket (as the official image does);
#   * the server runs as the unprivileged `postgres` user, listening on 0.0.0.0:5432.
# Not supported: /docker-entrypoint-initdb.d scripts, POSTGRES_INITDB_WALDIR.
#
# Why no temporary server during init: testcontainers' readiness probe runs
# `psql --host 127.0.0.1` inside the container; the database is created in
# single-user mode, so the first TCP-reachable server is already the final one.
set -eu

# `docker run image -c fsync=off` → arguments go to postgres (as in the official image).
if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
	set -- postgres "$@"
fi

# Anything else (sh, psql, ...) is run as asked.
if [ "$1" != "postgres" ]; then
	exec "$@"
fi

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
export PGDATA

# Root: prepare the directories, then re-run this script as `postgres`.
if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown -R postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 700 "$PGDATA"
	chmod 2777 /var/run/postgresql
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		echo >&2 "error: POSTGRES_PASSWORD is not set (or set POSTGRES_HOST_AUTH_METHOD=trust)"
		exit 1
	fi
	pwopt=
	if [ -n "${POSTGRES_PASSWORD:-}" ]; then
		pwfile=$(mktemp)
		printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
		pwopt="--pwfile=$pwfile"
	fi
	# --no-sync: a throw-away test cluster need not wait for fsync (the server itself keeps
	# its defaults). --auth-host=scram-sha-256 also makes initdb (10+) write
	# password_encryption = scram-sha-256, so the superuser's password is stored as SCRAM.
	# shellcheck disable=SC2086  # POSTGRES_INITDB_ARGS is a word list by design
	initdb --username="$POSTGRES_USER" $pwopt \
		--auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD" \
		--encoding=UTF8 --no-sync ${POSTGRES_INITDB_ARGS:-} >/dev/null
	[ -z "$pwopt" ] || rm -f "$pwfile"

	# initdb only allows 127.0.0.1/::1 for TCP; open it to every address like the official image.
	printf 'host all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"
	{
		echo "listen_addresses = '*'"
		echo "unix_socket_directories = '/var/run/postgresql'"
	} >>"$PGDATA/postgresql.conf"

	if [ "$POSTGRES_DB" != postgres ]; then
		# Double the double quotes: the name is an SQL identifier.
		ident=$(printf '%s' "$POSTGRES_DB" | sed 's/"/""/g')
		echo "CREATE DATABASE \"$ident\";" |
			postgres --single -D "$PGDATA" -j postgres >/dev/null
	fi
	echo "entrypoint: initialised $PGDATA for user $POSTGRES_USER, database $POSTGRES_DB"
fi

exec "$@"
