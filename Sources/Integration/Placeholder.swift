// Integration module: grows in later issues.
