-- Modify "accounts" table
ALTER TABLE "accounts" ADD COLUMN "intelligence_owner_id" character varying NULL, ADD CONSTRAINT "accounts_users_intelligence_owner" FOREIGN KEY ("intelligence_owner_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- Create index "account_organization_id_contract_signed_at_id" to table: "accounts"
CREATE INDEX "account_organization_id_contract_signed_at_id" ON "accounts" ("organization_id", "contract_signed_at", "id");
-- Create "client_documents" table
CREATE TABLE "client_documents" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "category" character varying NOT NULL, "title" character varying NOT NULL, "year" bigint NOT NULL, "number" bigint NOT NULL, "serial_number" character varying NOT NULL, "file_name" character varying NOT NULL, "content_type" character varying NOT NULL, "size" bigint NOT NULL, "account_id" character varying NOT NULL, "organization_id" character varying NOT NULL, "uploaded_by_id" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "client_documents_accounts_documents" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "client_documents_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "client_documents_users_uploaded_by" FOREIGN KEY ("uploaded_by_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "clientdocument_account_id_serial_number" to table: "client_documents"
CREATE INDEX "clientdocument_account_id_serial_number" ON "client_documents" ("account_id", "serial_number");
-- Create index "clientdocument_organization_id" to table: "client_documents"
CREATE INDEX "clientdocument_organization_id" ON "client_documents" ("organization_id");
-- Create index "clientdocument_organization_id_year_number" to table: "client_documents"
CREATE UNIQUE INDEX "clientdocument_organization_id_year_number" ON "client_documents" ("organization_id", "year", "number");
-- Create "document_contents" table
CREATE TABLE "document_contents" ("id" character varying NOT NULL, "data" bytea NOT NULL, "client_document_content" character varying NOT NULL, "organization_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "document_contents_client_documents_content" FOREIGN KEY ("client_document_content") REFERENCES "client_documents" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "document_contents_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "document_contents_client_document_content_key" to table: "document_contents"
CREATE UNIQUE INDEX "document_contents_client_document_content_key" ON "document_contents" ("client_document_content");
-- Create index "documentcontent_organization_id" to table: "document_contents"
CREATE INDEX "documentcontent_organization_id" ON "document_contents" ("organization_id");
-- Create "intelligence_items" table
CREATE TABLE "intelligence_items" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "headline" character varying NOT NULL, "source" character varying NOT NULL, "summary" text NOT NULL, "entry_point" text NOT NULL, "account_id" character varying NOT NULL, "organization_id" character varying NOT NULL, "author_id" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "intelligence_items_accounts_intelligence" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "intelligence_items_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "intelligence_items_users_author" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "intelligenceitem_account_id_created_at" to table: "intelligence_items"
CREATE INDEX "intelligenceitem_account_id_created_at" ON "intelligence_items" ("account_id", "created_at");
-- Create index "intelligenceitem_organization_id" to table: "intelligence_items"
CREATE INDEX "intelligenceitem_organization_id" ON "intelligence_items" ("organization_id");
