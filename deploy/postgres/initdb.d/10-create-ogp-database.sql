-- Creates the application database "ogp" next to Temporal's databases
-- (temporal, temporal_visibility: created by the temporal-schema service).
--
-- The postgres image runs files in /docker-entrypoint-initdb.d only when it
-- initialises an EMPTY data directory. With an existing volume, create the
-- database by hand:
--   docker compose exec postgres createdb -U "$POSTGRES_USER" ogp
--
-- Idempotent: if POSTGRES_USER (or POSTGRES_DB) is "ogp", the image has
-- already created the database and this is a no-op.
SELECT 'CREATE DATABASE ogp'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'ogp')\gexec
