// What the secretariat's HTTP clients share with it (the CLI): request classes and their rules. Framework-free:
// class-validator and class-transformer only.
export * from './agreements';
