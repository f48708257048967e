/// The landlord's tables. Created on start with `IF NOT EXISTS`, so every sidecar of a bench can
/// start at once; times are UTC (`time_zone = '+00:00'` on every connection).
enum LandlordSchema {
    static let statements = [
        """
        CREATE TABLE IF NOT EXISTS `github_app_installations` (
          `installation_id` BIGINT NOT NULL PRIMARY KEY,
          `app_id` BIGINT NULL,
          `site` VARCHAR(255) NULL,
          `linked_by` VARCHAR(255) NULL,
          `last_site` VARCHAR(255) NULL,
          `account_login` VARCHAR(255) NULL,
          `account_type` VARCHAR(32) NULL,
          `account_id` BIGINT NULL,
          `repository` VARCHAR(255) NULL,
          `default_branch` VARCHAR(255) NULL,
          `announced_at` DATETIME(6) NULL,
          `last_sync_at` DATETIME(6) NULL,
          `last_sync_hash` VARCHAR(64) NULL,
          `last_sync_errors` LONGTEXT NULL CHECK (`last_sync_errors` IS NULL OR JSON_VALID(`last_sync_errors`)),
          `last_manual_sync_at` DATETIME(6) NULL,
          `rollback_head` VARCHAR(64) NULL,
          `repository_removed_at` DATETIME(6) NULL,
          `status_message` TEXT NULL,
          `suspended_at` DATETIME(6) NULL,
          `deleted_at` DATETIME(6) NULL,
          `created_at` DATETIME(6) NOT NULL,
          `updated_at` DATETIME(6) NOT NULL,
          UNIQUE KEY `site_link` (`site`)
        ) ENGINE=InnoDB CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci
        """,
        """
        CREATE TABLE IF NOT EXISTS `github_app_deliveries` (
          `delivery_id` VARCHAR(100) NOT NULL PRIMARY KEY,
          `event` VARCHAR(100) NOT NULL,
          `action` VARCHAR(100) NULL,
          `installation_id` BIGINT NULL,
          `payload` LONGTEXT NOT NULL,
          `status` VARCHAR(16) NOT NULL,
          `attempts` INT NOT NULL DEFAULT 0,
          `next_attempt_at` DATETIME(6) NULL,
          `last_error` TEXT NULL,
          `received_at` DATETIME(6) NOT NULL,
          `processed_at` DATETIME(6) NULL,
          KEY `due` (`next_attempt_at`),
          KEY `by_installation` (`installation_id`, `received_at`)
        ) ENGINE=InnoDB CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci
        """,
        """
        CREATE TABLE IF NOT EXISTS `github_app_states` (
          `nonce` CHAR(32) NOT NULL PRIMARY KEY,
          `site` VARCHAR(255) NOT NULL,
          `user` VARCHAR(255) NOT NULL,
          `expires_at` DATETIME(6) NOT NULL,
          `used_at` DATETIME(6) NULL,
          KEY `expiry` (`expires_at`)
        ) ENGINE=InnoDB CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci
        """,
    ]
}
