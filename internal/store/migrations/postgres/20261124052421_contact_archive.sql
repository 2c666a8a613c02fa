-- Modify "contacts" table
ALTER TABLE "contacts" ADD COLUMN "archived_at" timestamptz NULL;
