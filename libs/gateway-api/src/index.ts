// What the gateway's HTTP and socket clients share with it (the CLI, the web desk): request classes and their rules,
// publishing answers, the desk's socket.io event maps. Framework-free: class-validator and class-transformer only.
export * from './requests';
export * from './publishing';
export * from './desk-events';
export * from './delivery-events';
export * from './validation';
export * from './compiled-validation';
export * from './registers';
