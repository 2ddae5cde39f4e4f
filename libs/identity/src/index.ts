export * from './tokens';
export * from './oidc';
