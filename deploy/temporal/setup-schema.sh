#!/bin/sh
# One-shot Temporal schema setup for PostgreSQL, run in temporalio/admin-tools
# by the temporal-schema compose service on every `docker compose up`, and by
# scripts/cluster-test (make test-cluster) on that run's databases, with the
# tool built from the same Temporal version and SCHEMA_ROOT in its module.
#
# Idempotent, and also the upgrade path: `create` ignores an existing
# database, `setup-schema -v 0.0` skips a database that is already versioned,
# and `update-schema` only applies versions newer than the recorded one. Keep
# the admin-tools image tag equal to the temporalio/server tag.
set -eu

: "${POSTGRES_SEEDS:?POSTGRES_SEEDS (database host) is required}"
: "${POSTGRES_USER:?POSTGRES_USER is required}"
: "${POSTGRES_PWD:?POSTGRES_PWD is required}"

# temporal-sql-tool reads its connection flags from these variables, which
# keeps the password off the command line.
export SQL_PLUGIN="${SQL_PLUGIN:-postgres12}"
export SQL_HOST="$POSTGRES_SEEDS"
export SQL_PORT="${DB_PORT:-5432}"
export SQL_USER="$POSTGRES_USER"
export SQL_PASSWORD="$POSTGRES_PWD"

SCHEMA_ROOT="${SCHEMA_ROOT:-/etc/temporal/schema/postgresql/v12}"

# $1: database name, $2: schema kind (temporal | visibility)
setup_db() {
	db="$1"
	kind="$2"
	echo "temporal-schema: database $db ($kind)"

	attempt=0
	until temporal-sql-tool --db "$db" create; do
		attempt=$((attempt + 1))
		if [ "$attempt" -ge 30 ]; then
			echo "temporal-schema: cannot create database $db on $SQL_HOST:$SQL_PORT" >&2
			exit 1
		fi
		echo "temporal-schema: PostgreSQL not reachable yet, retrying in 2 s"
		sleep 2
	done

	temporal-sql-tool --db "$db" setup-schema -v 0.0

	if [ -d "$SCHEMA_ROOT/$kind/versioned" ]; then
		temporal-sql-tool --db "$db" update-schema -d "$SCHEMA_ROOT/$kind/versioned"
	else
		# Fallback if the image layout changes: the schema embedded in the tool.
		temporal-sql-tool --db "$db" update-schema --schema-name "postgresql/v12/$kind"
	fi
}

setup_db "${DBNAME:-temporal}" temporal
setup_db "${VISIBILITY_DBNAME:-temporal_visibility}" visibility

echo "temporal-schema: done"
