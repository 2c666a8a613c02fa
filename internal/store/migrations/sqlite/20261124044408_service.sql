-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_accounts" table
CREATE TABLE `new_accounts` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `name` text NOT NULL, `industry` text NULL, `region` text NULL, `address` text NULL, `phone` text NULL, `fax` text NULL, `email` text NULL, `website` text NULL, `business_scope` text NULL, `main_products` text NULL, `industry_position` text NULL, `recent_developments` text NULL, `company_size` text NULL, `source` text NULL, `lifecycle_stage` text NOT NULL DEFAULT ('PROSPECT'), `cooperation_intent` text NOT NULL DEFAULT ('MEDIUM'), `tier` text NOT NULL DEFAULT ('C'), `credit_limit` integer NULL, `payment_term_days` integer NULL, `contract_signed_at` datetime NULL, `last_order_at` datetime NULL, `member` bool NOT NULL DEFAULT (false), `outstanding_balance` integer NOT NULL DEFAULT (0), `service_assigned_at` datetime NULL, `service_handover_at` datetime NULL, `service_taken_over_at` datetime NULL, `last_contact_at` datetime NULL, `last_call_at` datetime NULL, `last_visit_at` datetime NULL, `next_call_due_at` datetime NULL, `next_visit_due_at` datetime NULL, `quiet_since` datetime NULL, `last_activity_at` datetime NULL, `organization_id` text NOT NULL, `owner_id` text NULL, `service_rep_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `accounts_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `accounts_users_owner` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `accounts_users_service_rep` FOREIGN KEY (`service_rep_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Copy rows from old table "accounts" to new temporary table "new_accounts"
INSERT INTO `new_accounts` (`id`, `created_at`, `updated_at`, `version`, `name`, `industry`, `region`, `address`, `phone`, `fax`, `email`, `website`, `business_scope`, `main_products`, `industry_position`, `recent_developments`, `company_size`, `source`, `lifecycle_stage`, `cooperation_intent`, `tier`, `credit_limit`, `payment_term_days`, `contract_signed_at`, `last_order_at`, `last_contact_at`, `last_call_at`, `last_visit_at`, `next_call_due_at`, `next_visit_due_at`, `organization_id`, `owner_id`, `service_rep_id`) SELECT `id`, `created_at`, `updated_at`, `version`, `name`, `industry`, `region`, `address`, `phone`, `fax`, `email`, `website`, `business_scope`, `main_products`, `industry_position`, `recent_developments`, `company_size`, `source`, `lifecycle_stage`, `cooperation_intent`, `tier`, `credit_limit`, `payment_term_days`, `contract_signed_at`, `last_order_at`, `last_contact_at`, `last_call_at`, `last_visit_at`, `next_call_due_at`, `next_visit_due_at`, `organization_id`, `owner_id`, `service_rep_id` FROM `accounts`;
-- Drop "accounts" table after copying rows
DROP TABLE `accounts`;
-- Rename temporary table "new_accounts" to "accounts"
ALTER TABLE `new_accounts` RENAME TO `accounts`;
-- Create index "account_organization_id" to table: "accounts"
CREATE INDEX `account_organization_id` ON `accounts` (`organization_id`);
-- Create index "account_organization_id_owner_id" to table: "accounts"
CREATE INDEX `account_organization_id_owner_id` ON `accounts` (`organization_id`, `owner_id`);
-- Create index "account_organization_id_service_rep_id" to table: "accounts"
CREATE INDEX `account_organization_id_service_rep_id` ON `accounts` (`organization_id`, `service_rep_id`);
-- Create index "account_organization_id_tier" to table: "accounts"
CREATE INDEX `account_organization_id_tier` ON `accounts` (`organization_id`, `tier`);
-- Create index "account_organization_id_name" to table: "accounts"
CREATE INDEX `account_organization_id_name` ON `accounts` (`organization_id`, `name`);
-- Create index "account_organization_id_region" to table: "accounts"
CREATE INDEX `account_organization_id_region` ON `accounts` (`organization_id`, `region`);
-- Create index "account_organization_id_next_call_due_at_id" to table: "accounts"
CREATE INDEX `account_organization_id_next_call_due_at_id` ON `accounts` (`organization_id`, `next_call_due_at`, `id`);
-- Create index "account_organization_id_next_visit_due_at_id" to table: "accounts"
CREATE INDEX `account_organization_id_next_visit_due_at_id` ON `accounts` (`organization_id`, `next_visit_due_at`, `id`);
-- Create index "account_owner_id_next_call_due_at_id" to table: "accounts"
CREATE INDEX `account_owner_id_next_call_due_at_id` ON `accounts` (`owner_id`, `next_call_due_at`, `id`);
-- Create index "account_owner_id_next_visit_due_at_id" to table: "accounts"
CREATE INDEX `account_owner_id_next_visit_due_at_id` ON `accounts` (`owner_id`, `next_visit_due_at`, `id`);
-- Create index "account_organization_id_service_dffcc9efd4599a2709ee332bc374fb2f" to table: "accounts"
CREATE INDEX `account_organization_id_service_dffcc9efd4599a2709ee332bc374fb2f` ON `accounts` (`organization_id`, `service_handover_at`, `service_assigned_at`, `id`);
-- Create index "account_organization_id_last_order_at_id" to table: "accounts"
CREATE INDEX `account_organization_id_last_order_at_id` ON `accounts` (`organization_id`, `last_order_at`, `id`);
-- Create index "account_organization_id_quiet_since_id" to table: "accounts"
CREATE INDEX `account_organization_id_quiet_since_id` ON `accounts` (`organization_id`, `quiet_since`, `id`);
-- Create index "account_organization_id_last_activity_at_id" to table: "accounts"
CREATE INDEX `account_organization_id_last_activity_at_id` ON `accounts` (`organization_id`, `last_activity_at`, `id`);
-- Create index "account_organization_id_lifecycle_stage" to table: "accounts"
CREATE INDEX `account_organization_id_lifecycle_stage` ON `accounts` (`organization_id`, `lifecycle_stage`);
-- Create "new_departments" table
CREATE TABLE `new_departments` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `organization_id` text NOT NULL, `head_id` text NULL, `parent_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `departments_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `departments_users_head` FOREIGN KEY (`head_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `departments_departments_children` FOREIGN KEY (`parent_id`) REFERENCES `departments` (`id`) ON DELETE SET NULL);
-- Copy rows from old table "departments" to new temporary table "new_departments"
INSERT INTO `new_departments` (`id`, `created_at`, `updated_at`, `name`, `organization_id`, `parent_id`) SELECT `id`, `created_at`, `updated_at`, `name`, `organization_id`, `parent_id` FROM `departments`;
-- Drop "departments" table after copying rows
DROP TABLE `departments`;
-- Rename temporary table "new_departments" to "departments"
ALTER TABLE `new_departments` RENAME TO `departments`;
-- Create index "department_organization_id" to table: "departments"
CREATE INDEX `department_organization_id` ON `departments` (`organization_id`);
-- Create "new_organizations" table
CREATE TABLE `new_organizations` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `slug` text NOT NULL, `name` text NOT NULL, `timezone` text NOT NULL DEFAULT ('Asia/Shanghai'), `call_days_a` integer NOT NULL DEFAULT (7), `call_days_b` integer NOT NULL DEFAULT (7), `call_days_c` integer NOT NULL DEFAULT (14), `visit_months_a` integer NOT NULL DEFAULT (2), `visit_months_b` integer NOT NULL DEFAULT (3), `visit_months_c` integer NOT NULL DEFAULT (4), `service_new_account_days` integer NOT NULL DEFAULT (7), `service_no_order_days` integer NOT NULL DEFAULT (7), `service_call_within_days` integer NOT NULL DEFAULT (7), `service_not_cooperating_months` integer NOT NULL DEFAULT (1), `service_contacts_per_month` integer NOT NULL DEFAULT (2), `service_no_follow_up_months` integer NOT NULL DEFAULT (2), PRIMARY KEY (`id`));
-- Copy rows from old table "organizations" to new temporary table "new_organizations"
INSERT INTO `new_organizations` (`id`, `created_at`, `updated_at`, `slug`, `name`, `timezone`, `call_days_a`, `call_days_b`, `call_days_c`, `visit_months_a`, `visit_months_b`, `visit_months_c`) SELECT `id`, `created_at`, `updated_at`, `slug`, `name`, `timezone`, `call_days_a`, `call_days_b`, `call_days_c`, `visit_months_a`, `visit_months_b`, `visit_months_c` FROM `organizations`;
-- Drop "organizations" table after copying rows
DROP TABLE `organizations`;
-- Rename temporary table "new_organizations" to "organizations"
ALTER TABLE `new_organizations` RENAME TO `organizations`;
-- Create index "organizations_slug_key" to table: "organizations"
CREATE UNIQUE INDEX `organizations_slug_key` ON `organizations` (`slug`);
-- Create "callbacks" table
CREATE TABLE `callbacks` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `member` bool NOT NULL DEFAULT (false), `due_at` datetime NOT NULL, `status` text NOT NULL DEFAULT ('OPEN'), `reached_at` datetime NULL, `completed_at` datetime NULL, `late` bool NOT NULL DEFAULT (false), `satisfaction` integer NULL, `suggestions` text NULL, `account_id` text NOT NULL, `organization_id` text NOT NULL, `batch_id` text NOT NULL, `assignee_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `callbacks_accounts_callbacks` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION, CONSTRAINT `callbacks_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `callbacks_callback_batches_batch` FOREIGN KEY (`batch_id`) REFERENCES `callback_batches` (`id`) ON DELETE NO ACTION, CONSTRAINT `callbacks_users_assignee` FOREIGN KEY (`assignee_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Create index "callback_organization_id" to table: "callbacks"
CREATE INDEX `callback_organization_id` ON `callbacks` (`organization_id`);
-- Create index "callback_batch_id_account_id" to table: "callbacks"
CREATE UNIQUE INDEX `callback_batch_id_account_id` ON `callbacks` (`batch_id`, `account_id`);
-- Create index "callback_assignee_id_status_due_at_id" to table: "callbacks"
CREATE INDEX `callback_assignee_id_status_due_at_id` ON `callbacks` (`assignee_id`, `status`, `due_at`, `id`);
-- Create index "callback_account_id_status" to table: "callbacks"
CREATE INDEX `callback_account_id_status` ON `callbacks` (`account_id`, `status`);
-- Create "callback_batches" table
CREATE TABLE `callback_batches` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `title` text NOT NULL, `due_at` datetime NOT NULL, `organization_id` text NOT NULL, `created_by_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `callback_batches_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `callback_batches_users_created_by` FOREIGN KEY (`created_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Create index "callbackbatch_organization_id" to table: "callback_batches"
CREATE INDEX `callbackbatch_organization_id` ON `callback_batches` (`organization_id`);
-- Create "case_studies" table
CREATE TABLE `case_studies` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `title` text NOT NULL, `lesson` text NOT NULL, `category` text NOT NULL, `organization_id` text NOT NULL, `complaint_id` text NOT NULL, `author_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `case_studies_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `case_studies_complaints_complaint` FOREIGN KEY (`complaint_id`) REFERENCES `complaints` (`id`) ON DELETE NO ACTION, CONSTRAINT `case_studies_users_author` FOREIGN KEY (`author_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Create index "casestudy_organization_id" to table: "case_studies"
CREATE INDEX `casestudy_organization_id` ON `case_studies` (`organization_id`);
-- Create index "casestudy_organization_id_category_created_at" to table: "case_studies"
CREATE INDEX `casestudy_organization_id_category_created_at` ON `case_studies` (`organization_id`, `category`, `created_at`);
-- Create "complaints" table
CREATE TABLE `complaints` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `number` integer NOT NULL, `summary` text NOT NULL, `category` text NOT NULL, `severity` text NOT NULL, `status` text NOT NULL DEFAULT ('OPEN'), `resolved_on_spot` bool NOT NULL DEFAULT (false), `promised_reply_at` datetime NULL, `resolved_at` datetime NULL, `resolution` text NULL, `replied_late` bool NOT NULL DEFAULT (false), `account_id` text NOT NULL, `organization_id` text NOT NULL, `filed_by_id` text NULL, `escalated_to_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `complaints_accounts_complaints` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION, CONSTRAINT `complaints_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `complaints_users_filed_by` FOREIGN KEY (`filed_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `complaints_users_escalated_to` FOREIGN KEY (`escalated_to_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Create index "complaint_organization_id" to table: "complaints"
CREATE INDEX `complaint_organization_id` ON `complaints` (`organization_id`);
-- Create index "complaint_organization_id_number" to table: "complaints"
CREATE UNIQUE INDEX `complaint_organization_id_number` ON `complaints` (`organization_id`, `number`);
-- Create index "complaint_organization_id_status_promised_reply_at" to table: "complaints"
CREATE INDEX `complaint_organization_id_status_promised_reply_at` ON `complaints` (`organization_id`, `status`, `promised_reply_at`);
-- Create index "complaint_account_id_created_at" to table: "complaints"
CREATE INDEX `complaint_account_id_created_at` ON `complaints` (`account_id`, `created_at`);
-- Create "complaint_follow_ups" table
CREATE TABLE `complaint_follow_ups` (`id` text NOT NULL, `satisfied` bool NOT NULL, `note` text NULL, `created_at` datetime NOT NULL, `organization_id` text NOT NULL, `complaint_id` text NOT NULL, `author_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `complaint_follow_ups_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `complaint_follow_ups_complaints_complaint` FOREIGN KEY (`complaint_id`) REFERENCES `complaints` (`id`) ON DELETE NO ACTION, CONSTRAINT `complaint_follow_ups_users_author` FOREIGN KEY (`author_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Create index "complaintfollowup_organization_id" to table: "complaint_follow_ups"
CREATE INDEX `complaintfollowup_organization_id` ON `complaint_follow_ups` (`organization_id`);
-- Create index "complaintfollowup_complaint_id_created_at" to table: "complaint_follow_ups"
CREATE INDEX `complaintfollowup_complaint_id_created_at` ON `complaint_follow_ups` (`complaint_id`, `created_at`);
-- Create "complaint_steps" table
CREATE TABLE `complaint_steps` (`id` text NOT NULL, `note` text NOT NULL, `created_at` datetime NOT NULL, `organization_id` text NOT NULL, `complaint_id` text NOT NULL, `author_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `complaint_steps_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `complaint_steps_complaints_complaint` FOREIGN KEY (`complaint_id`) REFERENCES `complaints` (`id`) ON DELETE NO ACTION, CONSTRAINT `complaint_steps_users_author` FOREIGN KEY (`author_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Create index "complaintstep_organization_id" to table: "complaint_steps"
CREATE INDEX `complaintstep_organization_id` ON `complaint_steps` (`organization_id`);
-- Create index "complaintstep_complaint_id_created_at" to table: "complaint_steps"
CREATE INDEX `complaintstep_complaint_id_created_at` ON `complaint_steps` (`complaint_id`, `created_at`);
-- Create "credit_decisions" table
CREATE TABLE `credit_decisions` (`id` text NOT NULL, `step` text NOT NULL, `approved` bool NOT NULL, `note` text NULL, `decided_at` datetime NOT NULL, `organization_id` text NOT NULL, `request_id` text NOT NULL, `decided_by_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `credit_decisions_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `credit_decisions_credit_requests_request` FOREIGN KEY (`request_id`) REFERENCES `credit_requests` (`id`) ON DELETE NO ACTION, CONSTRAINT `credit_decisions_users_decided_by` FOREIGN KEY (`decided_by_id`) REFERENCES `users` (`id`) ON DELETE NO ACTION);
-- Create index "creditdecision_organization_id" to table: "credit_decisions"
CREATE INDEX `creditdecision_organization_id` ON `credit_decisions` (`organization_id`);
-- Create index "creditdecision_request_id_step" to table: "credit_decisions"
CREATE UNIQUE INDEX `creditdecision_request_id_step` ON `credit_decisions` (`request_id`, `step`);
-- Create "credit_requests" table
CREATE TABLE `credit_requests` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `old_credit_limit` integer NULL, `new_credit_limit` integer NOT NULL, `old_payment_term_days` integer NULL, `new_payment_term_days` integer NOT NULL, `reason` text NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `decided_at` datetime NULL, `account_id` text NOT NULL, `organization_id` text NOT NULL, `requested_by_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `credit_requests_accounts_credit_requests` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION, CONSTRAINT `credit_requests_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `credit_requests_users_requested_by` FOREIGN KEY (`requested_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Create index "creditrequest_organization_id" to table: "credit_requests"
CREATE INDEX `creditrequest_organization_id` ON `credit_requests` (`organization_id`);
-- Create index "creditrequest_organization_id_status_created_at" to table: "credit_requests"
CREATE INDEX `creditrequest_organization_id_status_created_at` ON `credit_requests` (`organization_id`, `status`, `created_at`);
-- Create index "creditrequest_account_id_status" to table: "credit_requests"
CREATE INDEX `creditrequest_account_id_status` ON `credit_requests` (`account_id`, `status`);
-- Create "service_issues" table
CREATE TABLE `service_issues` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `summary` text NOT NULL, `due_at` datetime NOT NULL, `resolved_at` datetime NULL, `resolution` text NULL, `account_id` text NOT NULL, `organization_id` text NOT NULL, `callback_id` text NOT NULL, `resolved_by_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `service_issues_accounts_service_issues` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION, CONSTRAINT `service_issues_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `service_issues_callbacks_callback` FOREIGN KEY (`callback_id`) REFERENCES `callbacks` (`id`) ON DELETE NO ACTION, CONSTRAINT `service_issues_users_resolved_by` FOREIGN KEY (`resolved_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Create index "serviceissue_organization_id" to table: "service_issues"
CREATE INDEX `serviceissue_organization_id` ON `service_issues` (`organization_id`);
-- Create index "serviceissue_organization_id_resolved_at_due_at" to table: "service_issues"
CREATE INDEX `serviceissue_organization_id_resolved_at_due_at` ON `service_issues` (`organization_id`, `resolved_at`, `due_at`);
-- Create index "serviceissue_callback_id" to table: "service_issues"
CREATE INDEX `serviceissue_callback_id` ON `service_issues` (`callback_id`);
-- Create index "serviceissue_account_id" to table: "service_issues"
CREATE INDEX `serviceissue_account_id` ON `service_issues` (`account_id`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
-- Accounts that exist already: the service clocks. quiet_since is the last
-- contact, or the creation; last_activity_at the later of it and the last order.
UPDATE accounts SET quiet_since = COALESCE(last_contact_at, created_at) WHERE quiet_since IS NULL;
UPDATE accounts SET last_activity_at = CASE WHEN last_order_at > quiet_since THEN last_order_at ELSE quiet_since END WHERE last_activity_at IS NULL;
-- Rebuilding accounts dropped its triggers: the due_counts triggers again
-- (as in 20261124014411_due_counts).
DELIMITER //
CREATE TRIGGER `accounts_due_counts_insert` AFTER INSERT ON `accounts` BEGIN
  INSERT INTO `due_counts` (`organization_id`, `kind`, `tier`, `due_at`, `n`)
  SELECT NEW.`organization_id`, 'CALL', NEW.`tier`, NEW.`next_call_due_at`, 1 WHERE NEW.`next_call_due_at` IS NOT NULL
  UNION ALL
  SELECT NEW.`organization_id`, 'VISIT', NEW.`tier`, NEW.`next_visit_due_at`, 1 WHERE NEW.`next_visit_due_at` IS NOT NULL;
END//
CREATE TRIGGER `accounts_due_counts_delete` AFTER DELETE ON `accounts` BEGIN
  INSERT INTO `due_counts` (`organization_id`, `kind`, `tier`, `due_at`, `n`)
  SELECT OLD.`organization_id`, 'CALL', OLD.`tier`, OLD.`next_call_due_at`, -1 WHERE OLD.`next_call_due_at` IS NOT NULL
  UNION ALL
  SELECT OLD.`organization_id`, 'VISIT', OLD.`tier`, OLD.`next_visit_due_at`, -1 WHERE OLD.`next_visit_due_at` IS NOT NULL;
END//
CREATE TRIGGER `accounts_due_counts_update` AFTER UPDATE OF `tier`, `next_call_due_at`, `next_visit_due_at` ON `accounts`
WHEN OLD.`tier` IS NOT NEW.`tier` OR OLD.`next_call_due_at` IS NOT NEW.`next_call_due_at` OR OLD.`next_visit_due_at` IS NOT NEW.`next_visit_due_at` BEGIN
  INSERT INTO `due_counts` (`organization_id`, `kind`, `tier`, `due_at`, `n`)
  SELECT OLD.`organization_id`, 'CALL', OLD.`tier`, OLD.`next_call_due_at`, -1 WHERE OLD.`next_call_due_at` IS NOT NULL
  UNION ALL
  SELECT OLD.`organization_id`, 'VISIT', OLD.`tier`, OLD.`next_visit_due_at`, -1 WHERE OLD.`next_visit_due_at` IS NOT NULL
  UNION ALL
  SELECT NEW.`organization_id`, 'CALL', NEW.`tier`, NEW.`next_call_due_at`, 1 WHERE NEW.`next_call_due_at` IS NOT NULL
  UNION ALL
  SELECT NEW.`organization_id`, 'VISIT', NEW.`tier`, NEW.`next_visit_due_at`, 1 WHERE NEW.`next_visit_due_at` IS NOT NULL;
END//
DELIMITER ;
