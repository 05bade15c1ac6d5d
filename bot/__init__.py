"""First-line IT service desk bot: the core, its storage and its doors."""
