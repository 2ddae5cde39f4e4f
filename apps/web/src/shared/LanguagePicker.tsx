// The reader's language, chosen in the page header; the choice is kept in this browser (i18n.ts).
import { currentLanguage, LANGUAGES, setLanguage, t, type Language } from './i18n';

const LANGUAGE_NAMES: Record<Language, string> = {
  en: 'English',
  fr: 'Français',
  ar: 'العربية',
  it: 'Italiano',
};

export function LanguagePicker({ onChange }: { onChange: (lang: Language) => void }) {
  return (
    <div class="language">
      <label for="language-select">{t('header.language')}</label>
      <select
        id="language-select"
        data-testid="language-select"
        value={currentLanguage()}
        onChange={(e) => {
          const lang = e.currentTarget.value as Language;
          void setLanguage(lang).then(() => onChange(lang));
        }}
      >
        {LANGUAGES.map((l) => (
          <option value={l} lang={l} key={l}>
            {LANGUAGE_NAMES[l]}
          </option>
        ))}
      </select>
    </div>
  );
}
