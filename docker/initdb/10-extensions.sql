-- Run by the postgis image's entrypoint (as the POSTGRES_USER superuser,
-- connected to POSTGRES_DB) only when the pgdata volume is first initialised.
-- To apply it to an existing volume, run it by hand with psql.

CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS postgis_raster;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- Also in template1, so every database created later (for example Django's
-- test database) has them too.
\connect template1

CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS postgis_raster;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
