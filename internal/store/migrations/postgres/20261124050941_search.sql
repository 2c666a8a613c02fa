-- Search: trigram indexes (GIN) need pg_trgm, a trusted extension since
-- PostgreSQL 13 (the database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- Modify "accounts" table
ALTER TABLE "accounts" ADD COLUMN "search_text" text NULL;
-- Create index "account_search_text" to table: "accounts"
CREATE INDEX "account_search_text" ON "accounts" USING gin ("search_text" gin_trgm_ops);
-- Modify "articles" table
ALTER TABLE "articles" ADD COLUMN "search_text" text NULL;
-- Create index "article_search_text" to table: "articles"
CREATE INDEX "article_search_text" ON "articles" USING gin ("search_text" gin_trgm_ops);
-- Modify "client_documents" table
ALTER TABLE "client_documents" ADD COLUMN "search_text" text NULL;
-- Create index "clientdocument_search_text" to table: "client_documents"
CREATE INDEX "clientdocument_search_text" ON "client_documents" USING gin ("search_text" gin_trgm_ops);
-- Modify "contacts" table
ALTER TABLE "contacts" ADD COLUMN "search_text" text NULL;
-- Create index "contact_organization_id_name" to table: "contacts"
CREATE INDEX "contact_organization_id_name" ON "contacts" ("organization_id", "name");
-- Create index "contact_search_text" to table: "contacts"
CREATE INDEX "contact_search_text" ON "contacts" USING gin ("search_text" gin_trgm_ops);
