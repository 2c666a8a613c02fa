-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Add column "last_contact_at" to table: "accounts"
ALTER TABLE `accounts` ADD COLUMN `last_contact_at` datetime NULL;
-- Create index "account_owner_id_next_call_due_at" to table: "accounts"
CREATE INDEX `account_owner_id_next_call_due_at` ON `accounts` (`owner_id`, `next_call_due_at`);
-- Create index "account_owner_id_next_visit_due_at" to table: "accounts"
CREATE INDEX `account_owner_id_next_visit_due_at` ON `accounts` (`owner_id`, `next_visit_due_at`);
-- Create "new_organizations" table
CREATE TABLE `new_organizations` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `slug` text NOT NULL, `name` text NOT NULL, `timezone` text NOT NULL DEFAULT ('Asia/Shanghai'), `call_days_a` integer NOT NULL DEFAULT (7), `call_days_b` integer NOT NULL DEFAULT (7), `call_days_c` integer NOT NULL DEFAULT (14), `visit_months_a` integer NOT NULL DEFAULT (2), `visit_months_b` integer NOT NULL DEFAULT (3), `visit_months_c` integer NOT NULL DEFAULT (4), PRIMARY KEY (`id`));
-- Copy rows from old table "organizations" to new temporary table "new_organizations"
INSERT INTO `new_organizations` (`id`, `created_at`, `updated_at`, `slug`, `name`, `timezone`) SELECT `id`, `created_at`, `updated_at`, `slug`, `name`, `timezone` FROM `organizations`;
-- Drop "organizations" table after copying rows
DROP TABLE `organizations`;
-- Rename temporary table "new_organizations" to "organizations"
ALTER TABLE `new_organizations` RENAME TO `organizations`;
-- Create index "organizations_slug_key" to table: "organizations"
CREATE UNIQUE INDEX `organizations_slug_key` ON `organizations` (`slug`);
-- Create "new_users" table
CREATE TABLE `new_users` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subject` text NOT NULL, `name` text NOT NULL DEFAULT (''), `email` text NOT NULL DEFAULT (''), `roles` json NOT NULL, `last_seen_at` datetime NOT NULL, `calendar_token_version` integer NOT NULL DEFAULT (0), `organization_id` text NOT NULL, `department_id` text NULL, `manager_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `users_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `users_departments_department` FOREIGN KEY (`department_id`) REFERENCES `departments` (`id`) ON DELETE SET NULL, CONSTRAINT `users_users_reports` FOREIGN KEY (`manager_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Copy rows from old table "users" to new temporary table "new_users"
INSERT INTO `new_users` (`id`, `created_at`, `updated_at`, `subject`, `name`, `email`, `roles`, `last_seen_at`, `organization_id`, `department_id`, `manager_id`) SELECT `id`, `created_at`, `updated_at`, `subject`, `name`, `email`, `roles`, `last_seen_at`, `organization_id`, `department_id`, `manager_id` FROM `users`;
-- Drop "users" table after copying rows
DROP TABLE `users`;
-- Rename temporary table "new_users" to "users"
ALTER TABLE `new_users` RENAME TO `users`;
-- Create index "user_organization_id" to table: "users"
CREATE INDEX `user_organization_id` ON `users` (`organization_id`);
-- Create index "user_organization_id_subject" to table: "users"
CREATE UNIQUE INDEX `user_organization_id_subject` ON `users` (`organization_id`, `subject`);
-- Create index "user_manager_id" to table: "users"
CREATE INDEX `user_manager_id` ON `users` (`manager_id`);
-- Create "greeting_outlines" table
CREATE TABLE `greeting_outlines` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `title` text NOT NULL, `body` text NOT NULL, `status` text NOT NULL DEFAULT ('SUBMITTED'), `decided_at` datetime NULL, `decision_note` text NULL, `organization_id` text NOT NULL, `author_id` text NULL, `decided_by_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `greeting_outlines_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `greeting_outlines_users_author` FOREIGN KEY (`author_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `greeting_outlines_users_decided_by` FOREIGN KEY (`decided_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Create index "greetingoutline_organization_id" to table: "greeting_outlines"
CREATE INDEX `greetingoutline_organization_id` ON `greeting_outlines` (`organization_id`);
-- Create index "greetingoutline_organization_id_status" to table: "greeting_outlines"
CREATE INDEX `greetingoutline_organization_id_status` ON `greeting_outlines` (`organization_id`, `status`);
-- Create "holidays" table
CREATE TABLE `holidays` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `day` text NOT NULL, `kind` text NOT NULL, `name` text NULL, `organization_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `holidays_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION);
-- Create index "holiday_organization_id" to table: "holidays"
CREATE INDEX `holiday_organization_id` ON `holidays` (`organization_id`);
-- Create index "holiday_organization_id_day" to table: "holidays"
CREATE UNIQUE INDEX `holiday_organization_id_day` ON `holidays` (`organization_id`, `day`);
-- Create "interactions" table
CREATE TABLE `interactions` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL, `occurred_at` datetime NOT NULL, `summary` text NULL, `decision_maker_met` bool NOT NULL DEFAULT (false), `account_id` text NOT NULL, `organization_id` text NOT NULL, `logged_by_id` text NULL, `interaction_greeting_outline` text NULL, PRIMARY KEY (`id`), CONSTRAINT `interactions_accounts_interactions` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION, CONSTRAINT `interactions_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `interactions_users_logged_by` FOREIGN KEY (`logged_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `interactions_greeting_outlines_greeting_outline` FOREIGN KEY (`interaction_greeting_outline`) REFERENCES `greeting_outlines` (`id`) ON DELETE SET NULL);
-- Create index "interaction_organization_id" to table: "interactions"
CREATE INDEX `interaction_organization_id` ON `interactions` (`organization_id`);
-- Create index "interaction_account_id_occurred_at" to table: "interactions"
CREATE INDEX `interaction_account_id_occurred_at` ON `interactions` (`account_id`, `occurred_at`);
-- Create index "interaction_organization_id_occurred_at" to table: "interactions"
CREATE INDEX `interaction_organization_id_occurred_at` ON `interactions` (`organization_id`, `occurred_at`);
-- Create "tier_changes" table
CREATE TABLE `tier_changes` (`id` text NOT NULL, `from_tier` text NOT NULL, `to_tier` text NOT NULL, `reason` text NOT NULL, `created_at` datetime NOT NULL, `account_id` text NOT NULL, `organization_id` text NOT NULL, `decided_by_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `tier_changes_accounts_tier_changes` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION, CONSTRAINT `tier_changes_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `tier_changes_users_decided_by` FOREIGN KEY (`decided_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Create index "tierchange_organization_id" to table: "tier_changes"
CREATE INDEX `tierchange_organization_id` ON `tier_changes` (`organization_id`);
-- Create index "tierchange_account_id_created_at" to table: "tier_changes"
CREATE INDEX `tierchange_account_id_created_at` ON `tier_changes` (`account_id`, `created_at`);
-- Create "visit_reports" table
CREATE TABLE `visit_reports` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `needs_analysis` text NOT NULL, `environment_assessment` text NULL, `service_entry_point` text NULL, `proposal_due_at` datetime NOT NULL, `proposal_submitted_at` datetime NULL, `proposal_summary` text NULL, `account_id` text NOT NULL, `interaction_id` text NOT NULL, `organization_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `visit_reports_accounts_visit_reports` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION, CONSTRAINT `visit_reports_interactions_visit_report` FOREIGN KEY (`interaction_id`) REFERENCES `interactions` (`id`) ON DELETE NO ACTION, CONSTRAINT `visit_reports_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION);
-- Create index "visit_reports_interaction_id_key" to table: "visit_reports"
CREATE UNIQUE INDEX `visit_reports_interaction_id_key` ON `visit_reports` (`interaction_id`);
-- Create index "visitreport_organization_id" to table: "visit_reports"
CREATE INDEX `visitreport_organization_id` ON `visit_reports` (`organization_id`);
-- Create index "visitreport_organization_id_pro_cf0ec5f4d83a1d83267deb25d64a8fc9" to table: "visit_reports"
CREATE INDEX `visitreport_organization_id_pro_cf0ec5f4d83a1d83267deb25d64a8fc9` ON `visit_reports` (`organization_id`, `proposal_submitted_at`, `proposal_due_at`);
-- Create "interaction_contacts" table
CREATE TABLE `interaction_contacts` (`interaction_id` text NOT NULL, `contact_id` text NOT NULL, PRIMARY KEY (`interaction_id`, `contact_id`), CONSTRAINT `interaction_contacts_interaction_id` FOREIGN KEY (`interaction_id`) REFERENCES `interactions` (`id`) ON DELETE CASCADE, CONSTRAINT `interaction_contacts_contact_id` FOREIGN KEY (`contact_id`) REFERENCES `contacts` (`id`) ON DELETE CASCADE);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
