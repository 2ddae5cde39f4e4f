export * from './errors';
export * from './agreement';
export * from './fields';
export * from './evaluate';
export * from './protection';
export * from './retention';
export * from './mrz';
export * from './agreement-document';
