// class-transformer ships the declaration of its metadata storage under types/ but the code under cjs/ (used here and
// by the OpenAPI schemas in @corridor/platform).
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
