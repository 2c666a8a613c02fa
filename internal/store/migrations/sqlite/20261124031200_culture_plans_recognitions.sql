-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_culture_campaigns" table
CREATE TABLE `new_culture_campaigns` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `title` text NOT NULL, `kind` text NOT NULL, `theme` text NULL, `description` text NULL, `starts_on` text NOT NULL, `ends_on` text NOT NULL, `audience_all` bool NOT NULL DEFAULT (true), `status` text NOT NULL DEFAULT ('DRAFT'), `decided_at` datetime NULL, `decision_reason` text NULL, `organization_id` text NOT NULL, `organizing_department_id` text NULL, `submitted_by_id` text NULL, `approved_by_id` text NULL, `plan_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `culture_campaigns_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `culture_campaigns_departments_organizing_department` FOREIGN KEY (`organizing_department_id`) REFERENCES `departments` (`id`) ON DELETE SET NULL, CONSTRAINT `culture_campaigns_users_submitted_by` FOREIGN KEY (`submitted_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `culture_campaigns_users_approved_by` FOREIGN KEY (`approved_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `culture_campaigns_culture_plans_plan` FOREIGN KEY (`plan_id`) REFERENCES `culture_plans` (`id`) ON DELETE SET NULL);
-- Copy rows from old table "culture_campaigns" to new temporary table "new_culture_campaigns"
INSERT INTO `new_culture_campaigns` (`id`, `created_at`, `updated_at`, `version`, `title`, `kind`, `theme`, `description`, `starts_on`, `ends_on`, `audience_all`, `status`, `decided_at`, `decision_reason`, `organization_id`, `organizing_department_id`, `submitted_by_id`, `approved_by_id`) SELECT `id`, `created_at`, `updated_at`, `version`, `title`, `kind`, `theme`, `description`, `starts_on`, `ends_on`, `audience_all`, `status`, `decided_at`, `decision_reason`, `organization_id`, `organizing_department_id`, `submitted_by_id`, `approved_by_id` FROM `culture_campaigns`;
-- Drop "culture_campaigns" table after copying rows
DROP TABLE `culture_campaigns`;
-- Rename temporary table "new_culture_campaigns" to "culture_campaigns"
ALTER TABLE `new_culture_campaigns` RENAME TO `culture_campaigns`;
-- Create index "culturecampaign_organization_id" to table: "culture_campaigns"
CREATE INDEX `culturecampaign_organization_id` ON `culture_campaigns` (`organization_id`);
-- Create index "culturecampaign_organization_id_status_starts_on" to table: "culture_campaigns"
CREATE INDEX `culturecampaign_organization_id_status_starts_on` ON `culture_campaigns` (`organization_id`, `status`, `starts_on`);
-- Create "culture_plans" table
CREATE TABLE `culture_plans` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `year` integer NOT NULL, `title` text NOT NULL, `goals` text NULL, `budget_notes` text NULL, `status` text NOT NULL DEFAULT ('DRAFT'), `decided_at` datetime NULL, `decision_reason` text NULL, `organization_id` text NOT NULL, `submitted_by_id` text NULL, `approved_by_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `culture_plans_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `culture_plans_users_submitted_by` FOREIGN KEY (`submitted_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `culture_plans_users_approved_by` FOREIGN KEY (`approved_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Create index "cultureplan_organization_id" to table: "culture_plans"
CREATE INDEX `cultureplan_organization_id` ON `culture_plans` (`organization_id`);
-- Create index "cultureplan_organization_id_year" to table: "culture_plans"
CREATE UNIQUE INDEX `cultureplan_organization_id_year` ON `culture_plans` (`organization_id`, `year`);
-- Create "recognitions" table
CREATE TABLE `recognitions` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL, `title` text NOT NULL, `citation` text NOT NULL, `organization_id` text NOT NULL, `campaign_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `recognitions_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `recognitions_culture_campaigns_campaign` FOREIGN KEY (`campaign_id`) REFERENCES `culture_campaigns` (`id`) ON DELETE NO ACTION);
-- Create index "recognition_organization_id" to table: "recognitions"
CREATE INDEX `recognition_organization_id` ON `recognitions` (`organization_id`);
-- Create index "recognition_campaign_id_created_at" to table: "recognitions"
CREATE INDEX `recognition_campaign_id_created_at` ON `recognitions` (`campaign_id`, `created_at`);
-- Create "recognition_people" table
CREATE TABLE `recognition_people` (`recognition_id` text NOT NULL, `user_id` text NOT NULL, PRIMARY KEY (`recognition_id`, `user_id`), CONSTRAINT `recognition_people_recognition_id` FOREIGN KEY (`recognition_id`) REFERENCES `recognitions` (`id`) ON DELETE CASCADE, CONSTRAINT `recognition_people_user_id` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE);
-- Create "recognition_departments" table
CREATE TABLE `recognition_departments` (`recognition_id` text NOT NULL, `department_id` text NOT NULL, PRIMARY KEY (`recognition_id`, `department_id`), CONSTRAINT `recognition_departments_recognition_id` FOREIGN KEY (`recognition_id`) REFERENCES `recognitions` (`id`) ON DELETE CASCADE, CONSTRAINT `recognition_departments_department_id` FOREIGN KEY (`department_id`) REFERENCES `departments` (`id`) ON DELETE CASCADE);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
