-- Create "rate_limits" table
CREATE TABLE "rate_limits" ("id" character varying NOT NULL, "tat" bigint NOT NULL, PRIMARY KEY ("id"));
-- Written on every request and worthless after a crash: no WAL for it.
ALTER TABLE "rate_limits" SET UNLOGGED;
