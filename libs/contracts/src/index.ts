export * from './gen/corridor/v1/common_pb';
export * from './gen/corridor/v1/alert_pb';
export * from './gen/corridor/v1/envelope_pb';
export * from './gen/corridor/v1/agreement_pb';
export * from './gen/corridor/v1/control_pb';
export * from './gen/corridor/v1/audit_pb';
export * from './topics';
export * from './enums';
export { create, toBinary, fromBinary, equals, clone, toJson, fromJson } from '@bufbuild/protobuf';
