-- Modify "organizations" table
ALTER TABLE "organizations" ADD COLUMN "call_days_a" bigint NOT NULL DEFAULT 7, ADD COLUMN "call_days_b" bigint NOT NULL DEFAULT 7, ADD COLUMN "call_days_c" bigint NOT NULL DEFAULT 14, ADD COLUMN "visit_months_a" bigint NOT NULL DEFAULT 2, ADD COLUMN "visit_months_b" bigint NOT NULL DEFAULT 3, ADD COLUMN "visit_months_c" bigint NOT NULL DEFAULT 4;
-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "calendar_token_version" bigint NOT NULL DEFAULT 0;
-- Create "greeting_outlines" table
CREATE TABLE "greeting_outlines" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "version" bigint NOT NULL DEFAULT 1, "title" character varying NOT NULL, "body" text NOT NULL, "status" character varying NOT NULL DEFAULT 'SUBMITTED', "decided_at" timestamptz NULL, "decision_note" character varying NULL, "organization_id" character varying NOT NULL, "author_id" character varying NULL, "decided_by_id" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "greeting_outlines_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "greeting_outlines_users_author" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "greeting_outlines_users_decided_by" FOREIGN KEY ("decided_by_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "greetingoutline_organization_id" to table: "greeting_outlines"
CREATE INDEX "greetingoutline_organization_id" ON "greeting_outlines" ("organization_id");
-- Create index "greetingoutline_organization_id_status" to table: "greeting_outlines"
CREATE INDEX "greetingoutline_organization_id_status" ON "greeting_outlines" ("organization_id", "status");
-- Create "holidays" table
CREATE TABLE "holidays" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "day" character varying NOT NULL, "kind" character varying NOT NULL, "name" character varying NULL, "organization_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "holidays_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "holiday_organization_id" to table: "holidays"
CREATE INDEX "holiday_organization_id" ON "holidays" ("organization_id");
-- Create index "holiday_organization_id_day" to table: "holidays"
CREATE UNIQUE INDEX "holiday_organization_id_day" ON "holidays" ("organization_id", "day");
-- Modify "accounts" table
ALTER TABLE "accounts" ADD COLUMN "last_contact_at" timestamptz NULL;
-- Create index "account_owner_id_next_call_due_at" to table: "accounts"
CREATE INDEX "account_owner_id_next_call_due_at" ON "accounts" ("owner_id", "next_call_due_at");
-- Create index "account_owner_id_next_visit_due_at" to table: "accounts"
CREATE INDEX "account_owner_id_next_visit_due_at" ON "accounts" ("owner_id", "next_visit_due_at");
-- Create "interactions" table
CREATE TABLE "interactions" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "kind" character varying NOT NULL, "occurred_at" timestamptz NOT NULL, "summary" text NULL, "decision_maker_met" boolean NOT NULL DEFAULT false, "account_id" character varying NOT NULL, "organization_id" character varying NOT NULL, "logged_by_id" character varying NULL, "interaction_greeting_outline" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "interactions_accounts_interactions" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "interactions_greeting_outlines_greeting_outline" FOREIGN KEY ("interaction_greeting_outline") REFERENCES "greeting_outlines" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "interactions_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "interactions_users_logged_by" FOREIGN KEY ("logged_by_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "interaction_account_id_occurred_at" to table: "interactions"
CREATE INDEX "interaction_account_id_occurred_at" ON "interactions" ("account_id", "occurred_at");
-- Create index "interaction_organization_id" to table: "interactions"
CREATE INDEX "interaction_organization_id" ON "interactions" ("organization_id");
-- Create index "interaction_organization_id_occurred_at" to table: "interactions"
CREATE INDEX "interaction_organization_id_occurred_at" ON "interactions" ("organization_id", "occurred_at");
-- Create "interaction_contacts" table
CREATE TABLE "interaction_contacts" ("interaction_id" character varying NOT NULL, "contact_id" character varying NOT NULL, PRIMARY KEY ("interaction_id", "contact_id"), CONSTRAINT "interaction_contacts_contact_id" FOREIGN KEY ("contact_id") REFERENCES "contacts" ("id") ON UPDATE NO ACTION ON DELETE CASCADE, CONSTRAINT "interaction_contacts_interaction_id" FOREIGN KEY ("interaction_id") REFERENCES "interactions" ("id") ON UPDATE NO ACTION ON DELETE CASCADE);
-- Create "tier_changes" table
CREATE TABLE "tier_changes" ("id" character varying NOT NULL, "from_tier" character varying NOT NULL, "to_tier" character varying NOT NULL, "reason" character varying NOT NULL, "created_at" timestamptz NOT NULL, "account_id" character varying NOT NULL, "organization_id" character varying NOT NULL, "decided_by_id" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "tier_changes_accounts_tier_changes" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "tier_changes_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "tier_changes_users_decided_by" FOREIGN KEY ("decided_by_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "tierchange_account_id_created_at" to table: "tier_changes"
CREATE INDEX "tierchange_account_id_created_at" ON "tier_changes" ("account_id", "created_at");
-- Create index "tierchange_organization_id" to table: "tier_changes"
CREATE INDEX "tierchange_organization_id" ON "tier_changes" ("organization_id");
-- Create "visit_reports" table
CREATE TABLE "visit_reports" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "version" bigint NOT NULL DEFAULT 1, "needs_analysis" text NOT NULL, "environment_assessment" text NULL, "service_entry_point" text NULL, "proposal_due_at" timestamptz NOT NULL, "proposal_submitted_at" timestamptz NULL, "proposal_summary" text NULL, "account_id" character varying NOT NULL, "interaction_id" character varying NOT NULL, "organization_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "visit_reports_accounts_visit_reports" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "visit_reports_interactions_visit_report" FOREIGN KEY ("interaction_id") REFERENCES "interactions" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "visit_reports_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "visit_reports_interaction_id_key" to table: "visit_reports"
CREATE UNIQUE INDEX "visit_reports_interaction_id_key" ON "visit_reports" ("interaction_id");
-- Create index "visitreport_organization_id" to table: "visit_reports"
CREATE INDEX "visitreport_organization_id" ON "visit_reports" ("organization_id");
-- Create index "visitreport_organization_id_pr_6be569d6fa8cc4ef6c1d0a6ae20d8d04" to table: "visit_reports"
CREATE INDEX "visitreport_organization_id_pr_6be569d6fa8cc4ef6c1d0a6ae20d8d04" ON "visit_reports" ("organization_id", "proposal_submitted_at", "proposal_due_at");
