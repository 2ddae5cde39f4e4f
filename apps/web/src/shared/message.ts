// Messages kept as catalogue keys with values, translated when shown (a change of language re-renders them).
import { t } from './i18n';

export interface Message {
  key: string;
  values?: Record<string, unknown>;
}

function isMessage(value: unknown): value is Message {
  return Boolean(value) && typeof value === 'object' && typeof (value as Message).key === 'string';
}

/** The message in the current language; values that are messages themselves are translated first. */
export function say(message: Message): string {
  const values = Object.fromEntries(
    Object.entries(message.values ?? {}).map(([k, v]) => [k, isMessage(v) ? say(v) : v]),
  );
  return t(message.key, values);
}
