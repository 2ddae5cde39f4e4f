// Codes shown in the reader's language: categories, priorities, events, and the coded vocabularies of alerts.
// A code the catalogue does not know (a newer partner, or an old free-text value) is shown as the sender wrote it.
import { t } from './i18n';
import { words } from './format';

export const CATEGORIES = [
  'ROUTE',
  'DOCUMENT',
  'SUSPECT',
  'FINANCIAL_FLOW',
  'PROTECTION_REFERRAL',
  'BULLETIN',
] as const;
export const PRIORITIES = ['FLASH', 'URGENT', 'ROUTINE'] as const;

export function categoryLabel(category: string | null | undefined): string {
  return category ? t(`category.${category}`, { defaultValue: words(category) }) : t('category.UNKNOWN');
}

export function priorityLabel(priority: string | null | undefined): string {
  return priority ? t(`priority.${priority}`, { defaultValue: priority }) : t('priority.ROUTINE');
}

/** A value of a coded vocabulary (transportMode, fraudType...) in the reader's language, else as written. */
export function codeLabel(vocabulary: string, value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return /^[A-Z][A-Z0-9_]*$/.test(text)
    ? t(`code.${vocabulary}.${text}`, { defaultValue: words(text) })
    : text;
}
