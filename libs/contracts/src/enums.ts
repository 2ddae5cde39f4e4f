// Name <-> value maps for the wire enums, for JSON APIs and logs (names without the proto prefix).
import { Category, Classification, HandlingCode, MessageKind, Priority } from './gen/corridor/v1/common_pb';
import {
  FraudType,
  ModusOperandi,
  ReferralNeed,
  RiskToLife,
  SuspectRole,
  TransportMode,
} from './gen/corridor/v1/vocabulary_pb';

type EnumObject = Record<string, string | number>;

function namesOf<E extends EnumObject>(e: E): string[] {
  return Object.keys(e).filter((k) => Number.isNaN(Number(k)) && k !== 'UNSPECIFIED');
}

export function enumName<E extends EnumObject>(e: E, value: number): string {
  const name = (e as Record<number, string>)[value];
  return name ?? 'UNSPECIFIED';
}

export function enumValue<E extends EnumObject>(e: E, name: string): E[keyof E] | undefined {
  const v = (e as Record<string, string | number>)[name];
  return typeof v === 'number' && v !== 0 ? (v as E[keyof E]) : undefined;
}

export const CATEGORY_NAMES = namesOf(Category);
export const CLASSIFICATION_NAMES = namesOf(Classification);
export const HANDLING_NAMES = namesOf(HandlingCode);
export const PRIORITY_NAMES = namesOf(Priority);
export const MESSAGE_KIND_NAMES = namesOf(MessageKind);

/** The coded vocabularies of alert fields (proto/corridor/v1/vocabulary.proto), by the name the desk's catalogues use. */
export const VOCABULARIES = {
  transportMode: namesOf(TransportMode),
  modusOperandi: namesOf(ModusOperandi),
  riskToLife: namesOf(RiskToLife),
  fraudType: namesOf(FraudType),
  suspectRole: namesOf(SuspectRole),
  referralNeed: namesOf(ReferralNeed),
} as const;
export type Vocabulary = keyof typeof VOCABULARIES;

/** TLP 2.0 label as written by humans ("AMBER+STRICT") from the enum. */
export function tlpLabel(c: Classification): string {
  return c === Classification.AMBER_STRICT ? 'AMBER+STRICT' : enumName(Classification, c);
}

/** Enum from a TLP label, accepting both "AMBER+STRICT" and "AMBER_STRICT". */
export function parseTlp(label: string): Classification | undefined {
  return enumValue(Classification, label.toUpperCase().replace('+', '_'));
}
