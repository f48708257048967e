// Server module: grows in later issues.
