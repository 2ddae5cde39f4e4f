export * from './options';
export * from './cookies';
export * from './session.store';
export * from './session.monitor';
export * from './auth.controller';
export * from './browser-auth.module';
