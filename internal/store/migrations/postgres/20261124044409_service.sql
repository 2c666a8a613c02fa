-- Modify "organizations" table
ALTER TABLE "organizations" ADD COLUMN "service_new_account_days" bigint NOT NULL DEFAULT 7, ADD COLUMN "service_no_order_days" bigint NOT NULL DEFAULT 7, ADD COLUMN "service_call_within_days" bigint NOT NULL DEFAULT 7, ADD COLUMN "service_not_cooperating_months" bigint NOT NULL DEFAULT 1, ADD COLUMN "service_contacts_per_month" bigint NOT NULL DEFAULT 2, ADD COLUMN "service_no_follow_up_months" bigint NOT NULL DEFAULT 2;
-- Create "callback_batches" table
CREATE TABLE "callback_batches" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "title" character varying NOT NULL, "due_at" timestamptz NOT NULL, "organization_id" character varying NOT NULL, "created_by_id" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "callback_batches_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "callback_batches_users_created_by" FOREIGN KEY ("created_by_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "callbackbatch_organization_id" to table: "callback_batches"
CREATE INDEX "callbackbatch_organization_id" ON "callback_batches" ("organization_id");
-- Modify "accounts" table
ALTER TABLE "accounts" ADD COLUMN "member" boolean NOT NULL DEFAULT false, ADD COLUMN "outstanding_balance" bigint NOT NULL DEFAULT 0, ADD COLUMN "service_assigned_at" timestamptz NULL, ADD COLUMN "service_handover_at" timestamptz NULL, ADD COLUMN "service_taken_over_at" timestamptz NULL, ADD COLUMN "quiet_since" timestamptz NULL, ADD COLUMN "last_activity_at" timestamptz NULL;
-- Create index "account_organization_id_last_activity_at_id" to table: "accounts"
CREATE INDEX "account_organization_id_last_activity_at_id" ON "accounts" ("organization_id", "last_activity_at", "id");
-- Create index "account_organization_id_last_order_at_id" to table: "accounts"
CREATE INDEX "account_organization_id_last_order_at_id" ON "accounts" ("organization_id", "last_order_at", "id");
-- Create index "account_organization_id_lifecycle_stage" to table: "accounts"
CREATE INDEX "account_organization_id_lifecycle_stage" ON "accounts" ("organization_id", "lifecycle_stage");
-- Create index "account_organization_id_quiet_since_id" to table: "accounts"
CREATE INDEX "account_organization_id_quiet_since_id" ON "accounts" ("organization_id", "quiet_since", "id");
-- Create index "account_organization_id_servic_bac344e16f1b9a3c645b8fbadb57d5b0" to table: "accounts"
CREATE INDEX "account_organization_id_servic_bac344e16f1b9a3c645b8fbadb57d5b0" ON "accounts" ("organization_id", "service_handover_at", "service_assigned_at", "id");
-- Create "callbacks" table
CREATE TABLE "callbacks" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "member" boolean NOT NULL DEFAULT false, "due_at" timestamptz NOT NULL, "status" character varying NOT NULL DEFAULT 'OPEN', "reached_at" timestamptz NULL, "completed_at" timestamptz NULL, "late" boolean NOT NULL DEFAULT false, "satisfaction" bigint NULL, "suggestions" text NULL, "account_id" character varying NOT NULL, "organization_id" character varying NOT NULL, "batch_id" character varying NOT NULL, "assignee_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "callbacks_accounts_callbacks" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "callbacks_callback_batches_batch" FOREIGN KEY ("batch_id") REFERENCES "callback_batches" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "callbacks_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "callbacks_users_assignee" FOREIGN KEY ("assignee_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "callback_account_id_status" to table: "callbacks"
CREATE INDEX "callback_account_id_status" ON "callbacks" ("account_id", "status");
-- Create index "callback_assignee_id_status_due_at_id" to table: "callbacks"
CREATE INDEX "callback_assignee_id_status_due_at_id" ON "callbacks" ("assignee_id", "status", "due_at", "id");
-- Create index "callback_batch_id_account_id" to table: "callbacks"
CREATE UNIQUE INDEX "callback_batch_id_account_id" ON "callbacks" ("batch_id", "account_id");
-- Create index "callback_organization_id" to table: "callbacks"
CREATE INDEX "callback_organization_id" ON "callbacks" ("organization_id");
-- Create "complaints" table
CREATE TABLE "complaints" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "number" bigint NOT NULL, "summary" text NOT NULL, "category" character varying NOT NULL, "severity" character varying NOT NULL, "status" character varying NOT NULL DEFAULT 'OPEN', "resolved_on_spot" boolean NOT NULL DEFAULT false, "promised_reply_at" timestamptz NULL, "resolved_at" timestamptz NULL, "resolution" text NULL, "replied_late" boolean NOT NULL DEFAULT false, "account_id" character varying NOT NULL, "organization_id" character varying NOT NULL, "filed_by_id" character varying NULL, "escalated_to_id" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "complaints_accounts_complaints" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "complaints_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "complaints_users_escalated_to" FOREIGN KEY ("escalated_to_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL, CONSTRAINT "complaints_users_filed_by" FOREIGN KEY ("filed_by_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "complaint_account_id_created_at" to table: "complaints"
CREATE INDEX "complaint_account_id_created_at" ON "complaints" ("account_id", "created_at");
-- Create index "complaint_organization_id" to table: "complaints"
CREATE INDEX "complaint_organization_id" ON "complaints" ("organization_id");
-- Create index "complaint_organization_id_number" to table: "complaints"
CREATE UNIQUE INDEX "complaint_organization_id_number" ON "complaints" ("organization_id", "number");
-- Create index "complaint_organization_id_status_promised_reply_at" to table: "complaints"
CREATE INDEX "complaint_organization_id_status_promised_reply_at" ON "complaints" ("organization_id", "status", "promised_reply_at");
-- Create "case_studies" table
CREATE TABLE "case_studies" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "title" character varying NOT NULL, "lesson" text NOT NULL, "category" character varying NOT NULL, "organization_id" character varying NOT NULL, "complaint_id" character varying NOT NULL, "author_id" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "case_studies_complaints_complaint" FOREIGN KEY ("complaint_id") REFERENCES "complaints" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "case_studies_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "case_studies_users_author" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "casestudy_organization_id" to table: "case_studies"
CREATE INDEX "casestudy_organization_id" ON "case_studies" ("organization_id");
-- Create index "casestudy_organization_id_category_created_at" to table: "case_studies"
CREATE INDEX "casestudy_organization_id_category_created_at" ON "case_studies" ("organization_id", "category", "created_at");
-- Create "complaint_follow_ups" table
CREATE TABLE "complaint_follow_ups" ("id" character varying NOT NULL, "satisfied" boolean NOT NULL, "note" text NULL, "created_at" timestamptz NOT NULL, "organization_id" character varying NOT NULL, "complaint_id" character varying NOT NULL, "author_id" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "complaint_follow_ups_complaints_complaint" FOREIGN KEY ("complaint_id") REFERENCES "complaints" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "complaint_follow_ups_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "complaint_follow_ups_users_author" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "complaintfollowup_complaint_id_created_at" to table: "complaint_follow_ups"
CREATE INDEX "complaintfollowup_complaint_id_created_at" ON "complaint_follow_ups" ("complaint_id", "created_at");
-- Create index "complaintfollowup_organization_id" to table: "complaint_follow_ups"
CREATE INDEX "complaintfollowup_organization_id" ON "complaint_follow_ups" ("organization_id");
-- Create "complaint_steps" table
CREATE TABLE "complaint_steps" ("id" character varying NOT NULL, "note" text NOT NULL, "created_at" timestamptz NOT NULL, "organization_id" character varying NOT NULL, "complaint_id" character varying NOT NULL, "author_id" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "complaint_steps_complaints_complaint" FOREIGN KEY ("complaint_id") REFERENCES "complaints" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "complaint_steps_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "complaint_steps_users_author" FOREIGN KEY ("author_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "complaintstep_complaint_id_created_at" to table: "complaint_steps"
CREATE INDEX "complaintstep_complaint_id_created_at" ON "complaint_steps" ("complaint_id", "created_at");
-- Create index "complaintstep_organization_id" to table: "complaint_steps"
CREATE INDEX "complaintstep_organization_id" ON "complaint_steps" ("organization_id");
-- Create "credit_requests" table
CREATE TABLE "credit_requests" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "old_credit_limit" bigint NULL, "new_credit_limit" bigint NOT NULL, "old_payment_term_days" bigint NULL, "new_payment_term_days" bigint NOT NULL, "reason" text NOT NULL, "status" character varying NOT NULL DEFAULT 'PENDING', "decided_at" timestamptz NULL, "account_id" character varying NOT NULL, "organization_id" character varying NOT NULL, "requested_by_id" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "credit_requests_accounts_credit_requests" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "credit_requests_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "credit_requests_users_requested_by" FOREIGN KEY ("requested_by_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "creditrequest_account_id_status" to table: "credit_requests"
CREATE INDEX "creditrequest_account_id_status" ON "credit_requests" ("account_id", "status");
-- Create index "creditrequest_organization_id" to table: "credit_requests"
CREATE INDEX "creditrequest_organization_id" ON "credit_requests" ("organization_id");
-- Create index "creditrequest_organization_id_status_created_at" to table: "credit_requests"
CREATE INDEX "creditrequest_organization_id_status_created_at" ON "credit_requests" ("organization_id", "status", "created_at");
-- Create "credit_decisions" table
CREATE TABLE "credit_decisions" ("id" character varying NOT NULL, "step" character varying NOT NULL, "approved" boolean NOT NULL, "note" text NULL, "decided_at" timestamptz NOT NULL, "organization_id" character varying NOT NULL, "request_id" character varying NOT NULL, "decided_by_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "credit_decisions_credit_requests_request" FOREIGN KEY ("request_id") REFERENCES "credit_requests" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "credit_decisions_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "credit_decisions_users_decided_by" FOREIGN KEY ("decided_by_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION);
-- Create index "creditdecision_organization_id" to table: "credit_decisions"
CREATE INDEX "creditdecision_organization_id" ON "credit_decisions" ("organization_id");
-- Create index "creditdecision_request_id_step" to table: "credit_decisions"
CREATE UNIQUE INDEX "creditdecision_request_id_step" ON "credit_decisions" ("request_id", "step");
-- Modify "departments" table
ALTER TABLE "departments" ADD COLUMN "head_id" character varying NULL, ADD CONSTRAINT "departments_users_head" FOREIGN KEY ("head_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL;
-- Create "service_issues" table
CREATE TABLE "service_issues" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "summary" character varying NOT NULL, "due_at" timestamptz NOT NULL, "resolved_at" timestamptz NULL, "resolution" text NULL, "account_id" character varying NOT NULL, "organization_id" character varying NOT NULL, "callback_id" character varying NOT NULL, "resolved_by_id" character varying NULL, PRIMARY KEY ("id"), CONSTRAINT "service_issues_accounts_service_issues" FOREIGN KEY ("account_id") REFERENCES "accounts" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "service_issues_callbacks_callback" FOREIGN KEY ("callback_id") REFERENCES "callbacks" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "service_issues_organizations_organization" FOREIGN KEY ("organization_id") REFERENCES "organizations" ("id") ON UPDATE NO ACTION ON DELETE NO ACTION, CONSTRAINT "service_issues_users_resolved_by" FOREIGN KEY ("resolved_by_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE SET NULL);
-- Create index "serviceissue_account_id" to table: "service_issues"
CREATE INDEX "serviceissue_account_id" ON "service_issues" ("account_id");
-- Create index "serviceissue_callback_id" to table: "service_issues"
CREATE INDEX "serviceissue_callback_id" ON "service_issues" ("callback_id");
-- Create index "serviceissue_organization_id" to table: "service_issues"
CREATE INDEX "serviceissue_organization_id" ON "service_issues" ("organization_id");
-- Create index "serviceissue_organization_id_resolved_at_due_at" to table: "service_issues"
CREATE INDEX "serviceissue_organization_id_resolved_at_due_at" ON "service_issues" ("organization_id", "resolved_at", "due_at");
-- Accounts that exist already: the service clocks. quiet_since is the last
-- contact, or the creation; last_activity_at the later of it and the last order.
UPDATE accounts SET quiet_since = COALESCE(last_contact_at, created_at) WHERE quiet_since IS NULL;
UPDATE accounts SET last_activity_at = CASE WHEN last_order_at > quiet_since THEN last_order_at ELSE quiet_since END WHERE last_activity_at IS NULL;
