-- Create "articles" table
CREATE TABLE `articles` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `title` text NOT NULL, `body` text NOT NULL, `status` text NOT NULL DEFAULT ('SUBMITTED'), `position` integer NOT NULL DEFAULT (0), `organization_id` text NOT NULL, `issue_id` text NOT NULL, `department_id` text NULL, `author_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `articles_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `articles_bulletin_issues_issue` FOREIGN KEY (`issue_id`) REFERENCES `bulletin_issues` (`id`) ON DELETE NO ACTION, CONSTRAINT `articles_departments_department` FOREIGN KEY (`department_id`) REFERENCES `departments` (`id`) ON DELETE SET NULL, CONSTRAINT `articles_users_author` FOREIGN KEY (`author_id`) REFERENCES `users` (`id`) ON DELETE SET NULL);
-- Create index "article_organization_id" to table: "articles"
CREATE INDEX `article_organization_id` ON `articles` (`organization_id`);
-- Create index "article_issue_id_status_position" to table: "articles"
CREATE INDEX `article_issue_id_status_position` ON `articles` (`issue_id`, `status`, `position`);
-- Create "bulletin_issues" table
CREATE TABLE `bulletin_issues` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` integer NOT NULL DEFAULT (1), `year` integer NOT NULL, `special` bool NOT NULL DEFAULT (false), `number` integer NOT NULL, `total_number` integer NULL, `title` text NOT NULL, `status` text NOT NULL DEFAULT ('PLANNED'), `published_at` datetime NULL, `organization_id` text NOT NULL, `publication_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `bulletin_issues_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION, CONSTRAINT `bulletin_issues_publications_publication` FOREIGN KEY (`publication_id`) REFERENCES `publications` (`id`) ON DELETE NO ACTION);
-- Create index "bulletinissue_organization_id" to table: "bulletin_issues"
CREATE INDEX `bulletinissue_organization_id` ON `bulletin_issues` (`organization_id`);
-- Create index "bulletinissue_publication_id_year_special_number" to table: "bulletin_issues"
CREATE UNIQUE INDEX `bulletinissue_publication_id_year_special_number` ON `bulletin_issues` (`publication_id`, `year`, `special`, `number`);
-- Create index "bulletinissue_publication_id_total_number" to table: "bulletin_issues"
CREATE UNIQUE INDEX `bulletinissue_publication_id_total_number` ON `bulletin_issues` (`publication_id`, `total_number`);
-- Create "publications" table
CREATE TABLE `publications` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `audience` text NOT NULL DEFAULT ('STAFF'), `tiers` json NULL, `cadence` text NOT NULL, `months` json NULL, `window_start_day` integer NOT NULL DEFAULT (1), `window_end_day` integer NOT NULL DEFAULT (28), `organization_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `publications_organizations_organization` FOREIGN KEY (`organization_id`) REFERENCES `organizations` (`id`) ON DELETE NO ACTION);
-- Create index "publication_organization_id" to table: "publications"
CREATE INDEX `publication_organization_id` ON `publications` (`organization_id`);
