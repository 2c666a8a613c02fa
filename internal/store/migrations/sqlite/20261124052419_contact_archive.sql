-- Add column "archived_at" to table: "contacts"
ALTER TABLE `contacts` ADD COLUMN `archived_at` datetime NULL;
