-- Create "accounts" table
CREATE TABLE `accounts` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `name` text NOT NULL, `industry` text NULL, `region` text NULL, `address` text NULL, `phone` text NULL, `fax` text NULL, `email` text NULL, `website` text NULL, `business_scope` text NULL, `main_products` text NULL, `industry_position` text NULL, `recent_developments` text NULL, `company_size` text NULL, `source` text NULL, `lifecycle_stage` text NOT NULL DEFAULT ('PROSPECT'), `cooperation_intent` text NOT NULL DEFAULT ('MEDIUM'), `tier` text NOT NULL DEFAULT ('C'), `credit_limit` integer NULL, `payment_term_days` integer NULL, `contract_signed_at` datetime NULL, `last_order_at` datetime NULL, `last_call_at` datetime NULL, `last_visit_at` datetime NULL, `next_call_due_at` datetime NULL, `next_visit_due_at` datetime NULL, `organization_id` text NOT NULL, `owner_id` text NULL, `service_rep_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `accounts_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `accounts_users_owner` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `accounts_users_service_rep` FOREIGN KEY (`service_rep_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
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
-- Create index "account_organization_id_next_call_due_at" to table: "accounts"
CREATE INDEX `account_organization_id_next_call_due_at` ON `accounts` (`organization_id`, `next_call_due_at`);
-- Create index "account_organization_id_next_visit_due_at" to table: "accounts"
CREATE INDEX `account_organization_id_next_visit_due_at` ON `accounts` (`organization_id`, `next_visit_due_at`);
-- Create "audit_events" table
CREATE TABLE `audit_events` (`id` text NOT NULL, `created_at` datetime NOT NULL, `action` text NOT NULL, `entity_type` text NOT NULL, `entity_id` text NOT NULL, `changes` json NOT NULL, `request_id` text NULL, `organization_id` text NOT NULL, `actor_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `audit_events_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `audit_events_users_actor` FOREIGN KEY (`actor_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Create index "auditevent_organization_id" to table: "audit_events"
CREATE INDEX `auditevent_organization_id` ON `audit_events` (`organization_id`);
-- Create index "auditevent_organization_id_entity_id_created_at" to table: "audit_events"
CREATE INDEX `auditevent_organization_id_entity_id_created_at` ON `audit_events` (`organization_id`, `entity_id`, `created_at`);
-- Create index "auditevent_organization_id_created_at" to table: "audit_events"
CREATE INDEX `auditevent_organization_id_created_at` ON `audit_events` (`organization_id`, `created_at`);
-- Create "contacts" table
CREATE TABLE `contacts` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `name` text NOT NULL, `title` text NULL, `mobile` text NULL, `direct_line` text NULL, `email` text NULL, `wechat` text NULL, `is_decision_maker` bool NOT NULL DEFAULT (false), `account_id` text NOT NULL, `organization_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `contacts_accounts_contacts` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION, CONSTRAINT `contacts_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION);
-- Create index "contact_organization_id" to table: "contacts"
CREATE INDEX `contact_organization_id` ON `contacts` (`organization_id`);
-- Create index "contact_account_id" to table: "contacts"
CREATE INDEX `contact_account_id` ON `contacts` (`account_id`);
-- Create "departments" table
CREATE TABLE `departments` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `organization_id` text NOT NULL, `parent_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `departments_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `departments_departments_children` FOREIGN KEY (`parent_id`) REFERENCES `departments` (`id`) ON DELETE SET NULL);
-- Create index "department_organization_id" to table: "departments"
CREATE INDEX `department_organization_id` ON `departments` (`organization_id`);
-- Create "organizations" table
CREATE TABLE `organizations` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `slug` text NOT NULL, `name` text NOT NULL, `timezone` text NOT NULL DEFAULT ('Asia/Shanghai'), PRIMARY KEY (`id`));
-- Create index "organizations_slug_key" to table: "organizations"
CREATE UNIQUE INDEX `organizations_slug_key` ON `organizations` (`slug`);
-- Create "settings" table
CREATE TABLE `settings` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `key` text NOT NULL, `value` text NOT NULL);
-- Create index "settings_key_key" to table: "settings"
CREATE UNIQUE INDEX `settings_key_key` ON `settings` (`key`);
-- Create "users" table
CREATE TABLE `users` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `subject` text NOT NULL, `name` text NOT NULL DEFAULT (''), `email` text NOT NULL DEFAULT (''), `roles` json NOT NULL, `last_seen_at` datetime NOT NULL, `organization_id` text NOT NULL, `department_id` text NULL, `manager_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `users_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `users_departments_department` FOREIGN KEY (`department_id`) REFERENCES `departments` (`id`) ON DELETE SET NULL, CONSTRAINT `users_users_reports` FOREIGN KEY (`manager_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Create index "user_organization_id" to table: "users"
CREATE INDEX `user_organization_id` ON `users` (`organization_id`);
-- Create index "user_organization_id_subject" to table: "users"
CREATE UNIQUE INDEX `user_organization_id_subject` ON `users` (`organization_id`, `subject`);
-- Create index "user_manager_id" to table: "users"
CREATE INDEX `user_manager_id` ON `users` (`manager_id`);
