-- Drop index "account_organization_id_next_call_due_at" from table: "accounts"
DROP INDEX `account_organization_id_next_call_due_at`;
-- Drop index "account_organization_id_next_visit_due_at" from table: "accounts"
DROP INDEX `account_organization_id_next_visit_due_at`;
-- Drop index "account_owner_id_next_call_due_at" from table: "accounts"
DROP INDEX `account_owner_id_next_call_due_at`;
-- Drop index "account_owner_id_next_visit_due_at" from table: "accounts"
DROP INDEX `account_owner_id_next_visit_due_at`;
-- Create index "account_organization_id_next_call_due_at_id" to table: "accounts"
CREATE INDEX `account_organization_id_next_call_due_at_id` ON `accounts` (`organization_id`, `next_call_due_at`, `id`);
-- Create index "account_organization_id_next_visit_due_at_id" to table: "accounts"
CREATE INDEX `account_organization_id_next_visit_due_at_id` ON `accounts` (`organization_id`, `next_visit_due_at`, `id`);
-- Create index "account_owner_id_next_call_due_at_id" to table: "accounts"
CREATE INDEX `account_owner_id_next_call_due_at_id` ON `accounts` (`owner_id`, `next_call_due_at`, `id`);
-- Create index "account_owner_id_next_visit_due_at_id" to table: "accounts"
CREATE INDEX `account_owner_id_next_visit_due_at_id` ON `accounts` (`owner_id`, `next_visit_due_at`, `id`);
-- Create "due_counts" table
CREATE TABLE `due_counts` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `kind` text NOT NULL, `tier` text NOT NULL, `due_at` datetime NOT NULL, `n` integer NOT NULL, `organization_id` text NOT NULL, CONSTRAINT `due_counts_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION);
-- Create index "duecount_organization_id" to table: "due_counts"
CREATE INDEX `duecount_organization_id` ON `due_counts` (`organization_id`);
-- Create index "duecount_organization_id_kind_due_at" to table: "due_counts"
CREATE INDEX `duecount_organization_id_kind_due_at` ON `due_counts` (`organization_id`, `kind`, `due_at`);
-- The database keeps due_counts: every insert, delete or update of an
-- account that moves a due date adds one row of −1 for where it was and
-- one of +1 for where it is (see the PostgreSQL migration, which does the
-- same per statement).
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
-- The accounts already there.
INSERT INTO `due_counts` (`organization_id`, `kind`, `tier`, `due_at`, `n`)
SELECT `organization_id`, 'CALL', `tier`, `next_call_due_at`, count(*) FROM `accounts` WHERE `next_call_due_at` IS NOT NULL GROUP BY 1, 3, 4
UNION ALL
SELECT `organization_id`, 'VISIT', `tier`, `next_visit_due_at`, count(*) FROM `accounts` WHERE `next_visit_due_at` IS NOT NULL GROUP BY 1, 3, 4;
