-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_contacts" table
CREATE TABLE `new_contacts` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `name` text NOT NULL, `title` text NULL, `mobile` text NULL, `direct_line` text NULL, `email` text NULL, `wechat` text NULL, `is_decision_maker` bool NOT NULL DEFAULT (false), `search_text` text NULL, `account_id` text NOT NULL, `organization_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `contacts_accounts_contacts` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION, CONSTRAINT `contacts_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION);
-- Copy rows from old table "contacts" to new temporary table "new_contacts"
INSERT INTO `new_contacts` (`id`, `created_at`, `updated_at`, `version`, `name`, `title`, `mobile`, `direct_line`, `email`, `wechat`, `is_decision_maker`, `account_id`, `organization_id`) SELECT `id`, `created_at`, `updated_at`, `version`, `name`, `title`, `mobile`, `direct_line`, `email`, `wechat`, `is_decision_maker`, `account_id`, `organization_id` FROM `contacts`;
-- Drop "contacts" table after copying rows
DROP TABLE `contacts`;
-- Rename temporary table "new_contacts" to "contacts"
ALTER TABLE `new_contacts` RENAME TO `contacts`;
-- Create index "contact_organization_id" to table: "contacts"
CREATE INDEX `contact_organization_id` ON `contacts` (`organization_id`);
-- Create index "contact_account_id" to table: "contacts"
CREATE INDEX `contact_account_id` ON `contacts` (`account_id`);
-- Create index "contact_organization_id_name" to table: "contacts"
CREATE INDEX `contact_organization_id_name` ON `contacts` (`organization_id`, `name`);
-- Create index "contact_search_text" to table: "contacts"
CREATE INDEX `contact_search_text` ON `contacts` (`search_text`);
-- Create "new_articles" table
CREATE TABLE `new_articles` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `title` text NOT NULL, `body` text NOT NULL, `status` text NOT NULL DEFAULT ('SUBMITTED'), `position` integer NOT NULL DEFAULT (0), `search_text` text NULL, `organization_id` text NOT NULL, `issue_id` text NOT NULL, `department_id` text NULL, `author_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `articles_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `articles_bulletin_issues_issue` FOREIGN KEY (`issue_id`) REFERENCES `bulletin_issues` (`id`) ON DELETE NO ACTION, CONSTRAINT `articles_departments_department` FOREIGN KEY (`department_id`) REFERENCES `departments` (`id`) ON DELETE SET NULL, CONSTRAINT `articles_users_author` FOREIGN KEY (`author_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Copy rows from old table "articles" to new temporary table "new_articles"
INSERT INTO `new_articles` (`id`, `created_at`, `updated_at`, `version`, `title`, `body`, `status`, `position`, `organization_id`, `issue_id`, `department_id`, `author_id`) SELECT `id`, `created_at`, `updated_at`, `version`, `title`, `body`, `status`, `position`, `organization_id`, `issue_id`, `department_id`, `author_id` FROM `articles`;
-- Drop "articles" table after copying rows
DROP TABLE `articles`;
-- Rename temporary table "new_articles" to "articles"
ALTER TABLE `new_articles` RENAME TO `articles`;
-- Create index "article_organization_id" to table: "articles"
CREATE INDEX `article_organization_id` ON `articles` (`organization_id`);
-- Create index "article_issue_id_status_position" to table: "articles"
CREATE INDEX `article_issue_id_status_position` ON `articles` (`issue_id`, `status`, `position`);
-- Create index "article_search_text" to table: "articles"
CREATE INDEX `article_search_text` ON `articles` (`search_text`);
-- Create "new_accounts" table
CREATE TABLE `new_accounts` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `name` text NOT NULL, `industry` text NULL, `region` text NULL, `address` text NULL, `phone` text NULL, `fax` text NULL, `email` text NULL, `website` text NULL, `business_scope` text NULL, `main_products` text NULL, `industry_position` text NULL, `recent_developments` text NULL, `company_size` text NULL, `source` text NULL, `lifecycle_stage` text NOT NULL DEFAULT ('PROSPECT'), `cooperation_intent` text NOT NULL DEFAULT ('MEDIUM'), `tier` text NOT NULL DEFAULT ('C'), `credit_limit` integer NULL, `payment_term_days` integer NULL, `contract_signed_at` datetime NULL, `last_order_at` datetime NULL, `member` bool NOT NULL DEFAULT (false), `outstanding_balance` integer NOT NULL DEFAULT (0), `service_assigned_at` datetime NULL, `service_handover_at` datetime NULL, `service_taken_over_at` datetime NULL, `last_contact_at` datetime NULL, `last_call_at` datetime NULL, `last_visit_at` datetime NULL, `next_call_due_at` datetime NULL, `next_visit_due_at` datetime NULL, `quiet_since` datetime NULL, `search_text` text NULL, `last_activity_at` datetime NULL, `organization_id` text NOT NULL, `owner_id` text NULL, `service_rep_id` text NULL, `intelligence_owner_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `accounts_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `accounts_users_owner` FOREIGN KEY (`owner_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `accounts_users_service_rep` FOREIGN KEY (`service_rep_id`) REFERENCES `users` (`id`) ON DELETE SET NULL, CONSTRAINT `accounts_users_intelligence_owner` FOREIGN KEY (`intelligence_owner_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Copy rows from old table "accounts" to new temporary table "new_accounts"
INSERT INTO `new_accounts` (`id`, `created_at`, `updated_at`, `version`, `name`, `industry`, `region`, `address`, `phone`, `fax`, `email`, `website`, `business_scope`, `main_products`, `industry_position`, `recent_developments`, `company_size`, `source`, `lifecycle_stage`, `cooperation_intent`, `tier`, `credit_limit`, `payment_term_days`, `contract_signed_at`, `last_order_at`, `member`, `outstanding_balance`, `service_assigned_at`, `service_handover_at`, `service_taken_over_at`, `last_contact_at`, `last_call_at`, `last_visit_at`, `next_call_due_at`, `next_visit_due_at`, `quiet_since`, `last_activity_at`, `organization_id`, `owner_id`, `service_rep_id`, `intelligence_owner_id`) SELECT `id`, `created_at`, `updated_at`, `version`, `name`, `industry`, `region`, `address`, `phone`, `fax`, `email`, `website`, `business_scope`, `main_products`, `industry_position`, `recent_developments`, `company_size`, `source`, `lifecycle_stage`, `cooperation_intent`, `tier`, `credit_limit`, `payment_term_days`, `contract_signed_at`, `last_order_at`, `member`, `outstanding_balance`, `service_assigned_at`, `service_handover_at`, `service_taken_over_at`, `last_contact_at`, `last_call_at`, `last_visit_at`, `next_call_due_at`, `next_visit_due_at`, `quiet_since`, `last_activity_at`, `organization_id`, `owner_id`, `service_rep_id`, `intelligence_owner_id` FROM `accounts`;
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
-- Create index "account_search_text" to table: "accounts"
CREATE INDEX `account_search_text` ON `accounts` (`search_text`);
-- Create "new_client_documents" table
CREATE TABLE `new_client_documents` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `category` text NOT NULL, `title` text NOT NULL, `year` integer NOT NULL, `number` integer NOT NULL, `serial_number` text NOT NULL, `file_name` text NOT NULL, `content_type` text NOT NULL, `size` integer NOT NULL, `search_text` text NULL, `account_id` text NOT NULL, `organization_id` text NOT NULL, `uploaded_by_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `client_documents_accounts_documents` FOREIGN KEY (`account_id`) REFERENCES `accounts` (`id`) ON DELETE NO ACTION, CONSTRAINT `client_documents_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `client_documents_users_uploaded_by` FOREIGN KEY (`uploaded_by_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Copy rows from old table "client_documents" to new temporary table "new_client_documents"
INSERT INTO `new_client_documents` (`id`, `created_at`, `updated_at`, `category`, `title`, `year`, `number`, `serial_number`, `file_name`, `content_type`, `size`, `account_id`, `organization_id`, `uploaded_by_id`) SELECT `id`, `created_at`, `updated_at`, `category`, `title`, `year`, `number`, `serial_number`, `file_name`, `content_type`, `size`, `account_id`, `organization_id`, `uploaded_by_id` FROM `client_documents`;
-- Drop "client_documents" table after copying rows
DROP TABLE `client_documents`;
-- Rename temporary table "new_client_documents" to "client_documents"
ALTER TABLE `new_client_documents` RENAME TO `client_documents`;
-- Create index "clientdocument_organization_id" to table: "client_documents"
CREATE INDEX `clientdocument_organization_id` ON `client_documents` (`organization_id`);
-- Create index "clientdocument_organization_id_year_number" to table: "client_documents"
CREATE UNIQUE INDEX `clientdocument_organization_id_year_number` ON `client_documents` (`organization_id`, `year`, `number`);
-- Create index "clientdocument_account_id_serial_number" to table: "client_documents"
CREATE INDEX `clientdocument_account_id_serial_number` ON `client_documents` (`account_id`, `serial_number`);
-- Create index "clientdocument_search_text" to table: "client_documents"
CREATE INDEX `clientdocument_search_text` ON `client_documents` (`search_text`);
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
-- Search: an FTS5 trigram index of each searched table's search_text
-- (external content: the table holds the text, the index its trigrams),
-- kept by triggers. A migration that rebuilds one of these tables drops its
-- triggers and renumbers its rows: it must create the triggers again and
-- rebuild the index (TestMigrationsKeepTheTriggers checks both).
CREATE VIRTUAL TABLE `accounts_search` USING fts5(search_text, content='accounts', content_rowid='rowid', tokenize='trigram');
CREATE VIRTUAL TABLE `contacts_search` USING fts5(search_text, content='contacts', content_rowid='rowid', tokenize='trigram');
CREATE VIRTUAL TABLE `client_documents_search` USING fts5(search_text, content='client_documents', content_rowid='rowid', tokenize='trigram');
CREATE VIRTUAL TABLE `articles_search` USING fts5(search_text, content='articles', content_rowid='rowid', tokenize='trigram');
DELIMITER //
CREATE TRIGGER `accounts_search_insert` AFTER INSERT ON `accounts` BEGIN
  INSERT INTO `accounts_search` (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END//
CREATE TRIGGER `accounts_search_delete` AFTER DELETE ON `accounts` BEGIN
  INSERT INTO `accounts_search` (`accounts_search`, rowid, search_text) VALUES ('delete', OLD.rowid, OLD.search_text);
END//
CREATE TRIGGER `accounts_search_update` AFTER UPDATE OF search_text ON `accounts` BEGIN
  INSERT INTO `accounts_search` (`accounts_search`, rowid, search_text) VALUES ('delete', OLD.rowid, OLD.search_text);
  INSERT INTO `accounts_search` (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END//
CREATE TRIGGER `contacts_search_insert` AFTER INSERT ON `contacts` BEGIN
  INSERT INTO `contacts_search` (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END//
CREATE TRIGGER `contacts_search_delete` AFTER DELETE ON `contacts` BEGIN
  INSERT INTO `contacts_search` (`contacts_search`, rowid, search_text) VALUES ('delete', OLD.rowid, OLD.search_text);
END//
CREATE TRIGGER `contacts_search_update` AFTER UPDATE OF search_text ON `contacts` BEGIN
  INSERT INTO `contacts_search` (`contacts_search`, rowid, search_text) VALUES ('delete', OLD.rowid, OLD.search_text);
  INSERT INTO `contacts_search` (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END//
CREATE TRIGGER `client_documents_search_insert` AFTER INSERT ON `client_documents` BEGIN
  INSERT INTO `client_documents_search` (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END//
CREATE TRIGGER `client_documents_search_delete` AFTER DELETE ON `client_documents` BEGIN
  INSERT INTO `client_documents_search` (`client_documents_search`, rowid, search_text) VALUES ('delete', OLD.rowid, OLD.search_text);
END//
CREATE TRIGGER `client_documents_search_update` AFTER UPDATE OF search_text ON `client_documents` BEGIN
  INSERT INTO `client_documents_search` (`client_documents_search`, rowid, search_text) VALUES ('delete', OLD.rowid, OLD.search_text);
  INSERT INTO `client_documents_search` (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END//
CREATE TRIGGER `articles_search_insert` AFTER INSERT ON `articles` BEGIN
  INSERT INTO `articles_search` (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END//
CREATE TRIGGER `articles_search_delete` AFTER DELETE ON `articles` BEGIN
  INSERT INTO `articles_search` (`articles_search`, rowid, search_text) VALUES ('delete', OLD.rowid, OLD.search_text);
END//
CREATE TRIGGER `articles_search_update` AFTER UPDATE OF search_text ON `articles` BEGIN
  INSERT INTO `articles_search` (`articles_search`, rowid, search_text) VALUES ('delete', OLD.rowid, OLD.search_text);
  INSERT INTO `articles_search` (rowid, search_text) VALUES (NEW.rowid, NEW.search_text);
END//
DELIMITER ;
INSERT INTO `accounts_search` (`accounts_search`) VALUES ('rebuild');
INSERT INTO `contacts_search` (`contacts_search`) VALUES ('rebuild');
INSERT INTO `client_documents_search` (`client_documents_search`) VALUES ('rebuild');
INSERT INTO `articles_search` (`articles_search`) VALUES ('rebuild');
