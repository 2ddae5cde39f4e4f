// Nest glue shared by the gateway and the secretariat (the framework-free core stays in the other libs).
export * from './problem';
export * from './kafka.client';
export * from './auth.guard';
export * from './logging';
export * from './database';
export * from './validation';
export * from './paths';
export * from './config';
export * from './health';
export * from './rate-limit';
export * from './openapi';
export * from './scheduler';
export * from './kafka-tls';
export * from './kafka-admin';
export * from './oidc';
export * from './token-liveness';
export * from './browser-auth';
