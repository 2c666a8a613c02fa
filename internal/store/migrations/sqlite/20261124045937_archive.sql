-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_accounts" table
CREATE TABLE `new_accounts` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `name` text NOT NULL, `industry` text NULL, `region` text NULL, `address` text NULL, `phone` text NULL, `fax` text NULL, `email` text NULL, `website` text NULL, `business_scope` text NULL, `main_products` text NULL, `industry_position` text NULL, `recent_developments` text NULL, `company_size` text NULL, `source` text NULL, `lifecycle_stage` text NOT NULL DEFAULT ('PROSPECT'), `cooperation_intent` text NOT NULL DEFAULT ('MEDIUM'), `tier` text NOT NULL DEFAULT ('C'), `credit_limit` integer NULL, `payment_term_days` integer NULL, `contract_signed_at` datetime NULL, `last_order_at` datetime NULL, `member` bool NOT NULL DEFAULT (false), `outstanding_balance` integer NOT NULL DEFAULT (0), `service_assigned_at` datetime NULL, `service_handover_at` datetime NULL, `service_taken_over_at` datetime NULL, `last_contact_at` datetime NULL, `last_call_at` datetime NULL, `last_visit_at` datetime NULL, `next_call_due_at` datetime NULL, `next_visit_due_at` datetime NULL, `quiet_since` datetime NULL, `last_activity_at` datetime NULL, `organization_id` text NOT NULL, `owner_id` text NULL, `service_rep_id` text NULL, `intelligence_owner_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `accounts_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `accounts_users_owner` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `accounts_users_service_rep` FOREIGN KEY (`service_rep_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `accounts_users_intelligence_owner` FOREIGN KEY (`intelligence_owner_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Copy rows from old table "accounts" to new temporary table "new_accounts"
INSERT INTO `new_accounts` (`id`, `created_at`, `updated_at`, `version`, `name`, `industry`, `region`, `address`, `phone`, `fax`, `email`, `website`, `business_scope`, `main_products`, `industry_position`, `recent_developments`, `company_size`, `source`, `lifecycle_stage`, `cooperation_intent`, `tier`, `credit_limit`, `payment_term_days`, `contract_signed_at`, `last_order_at`, `member`, `outstanding_balance`, `service_assigned_at`, `service_handover_at`, `service_taken_over_at`, `last_contact_at`, `last_call_at`, `last_visit_at`, `next_call_due_at`, `next_visit_due_at`, `quiet_since`, `last_activity_at`, `organization_id`, `owner_id`, `service_rep_id`) SELECT `id`, `created_at`, `updated_at`, `version`, `name`, `industry`, `region`, `address`, `phone`, `fax`, `email`, `website`, `business_scope`, `main_products`, `industry_position`, `recent_developments`, `company_size`, `source`, `lifecycle_stage`, `cooperation_intent`, `tier`, `credit_limit`, `payment_term_days`, `contract_signed_at`, `last_order_at`, `member`, `outstanding_balance`, `service_assigned_at`, `service_handover_at`, `service_taken_over_at`, `last_contact_at`, `last_call_at`, `last_visit_at`, `next_call_due_at`, `next_visit_due_at`, `quiet_since`, `last_activity_at`, `organization_id`, `owner_id`, `service_rep_id` FROM `accounts`;
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
-- Create index "account_organization_id_contract_signed_at_id" to table: "accounts"
CREATE INDEX `account_organization_id_contract_signed_at_id` ON `accounts` (`organization_id`, `contract_signed_at`, `id`);
-- Create "client_documents" table
CREATE TABLE `client_documents` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `category` text NOT NULL, `title` text NOT NULL, `year` integer NOT NULL, `number` integer NOT NULL, `serial_number` text NOT NULL, `file_name` text NOT NULL, `content_type` text NOT NULL, `size` integer NOT NULL, `account_id` text NOT NULL, `organization_id` text NOT NULL, `uploaded_by_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `client_documents_accounts_documents` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION, CONSTRAINT `client_documents_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `client_documents_users_uploaded_by` FOREIGN KEY (`uploaded_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Create index "clientdocument_organization_id" to table: "client_documents"
CREATE INDEX `clientdocument_organization_id` ON `client_documents` (`organization_id`);
-- Create index "clientdocument_organization_id_year_number" to table: "client_documents"
CREATE UNIQUE INDEX `clientdocument_organization_id_year_number` ON `client_documents` (`organization_id`, `year`, `number`);
-- Create index "clientdocument_account_id_serial_number" to table: "client_documents"
CREATE INDEX `clientdocument_account_id_serial_number` ON `client_documents` (`account_id`, `serial_number`);
-- Create "document_contents" table
CREATE TABLE `document_contents` (`id` text NOT NULL, `data` blob NOT NULL, `client_document_content` text NOT NULL, `organization_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `document_contents_client_documents_content` FOREIGN KEY (`client_document_content`) REFERENCES `client_documents` (`id`) ON DELETE NO ACTION, CONSTRAINT `document_contents_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION);
-- Create index "document_contents_client_document_content_key" to table: "document_contents"
CREATE UNIQUE INDEX `document_contents_client_document_content_key` ON `document_contents` (`client_document_content`);
-- Create index "documentcontent_organization_id" to table: "document_contents"
CREATE INDEX `documentcontent_organization_id` ON `document_contents` (`organization_id`);
-- Create "intelligence_items" table
CREATE TABLE `intelligence_items` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `headline` text NOT NULL, `source` text NOT NULL, `summary` text NOT NULL, `entry_point` text NOT NULL, `account_id` text NOT NULL, `organization_id` text NOT NULL, `author_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `intelligence_items_accounts_intelligence` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION, CONSTRAINT `intelligence_items_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `intelligence_items_users_author` FOREIGN KEY (`author_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Create index "intelligenceitem_organization_id" to table: "intelligence_items"
CREATE INDEX `intelligenceitem_organization_id` ON `intelligence_items` (`organization_id`);
-- Create index "intelligenceitem_account_id_created_at" to table: "intelligence_items"
CREATE INDEX `intelligenceitem_account_id_created_at` ON `intelligence_items` (`account_id`, `created_at`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
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
