-- Create "rate_limits" table
CREATE TABLE `rate_limits` (`id` text NOT NULL, `tat` integer NOT NULL, PRIMARY KEY (`id`));
