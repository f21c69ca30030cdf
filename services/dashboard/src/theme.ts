// Light and dark themes: the system preference (prefers-color-scheme) until the user picks one with
// the toggle; the pick is remembered (localStorage) and wins from then on. The theme is the
// `data-theme` attribute of <html>; CSS variables do the rest, and charts re-read them on change.

export type Theme = 'light' | 'dark';
export const THEME_STORAGE_KEY = 'carousel.theme';

const media = (): MediaQueryList => matchMedia('(prefers-color-scheme: dark)');

function stored(): Theme | null {
  try {
    const v = localStorage.getItem(THEME_STORAGE_KEY);
    return v === 'light' || v === 'dark' ? v : null;
  } catch {
    return null;
  }
}

export function currentTheme(): Theme {
  return document.documentElement.dataset['theme'] === 'dark' ? 'dark' : 'light';
}

/** Applies the stored or system theme, follows system changes while nothing is stored, and wires the toggle. */
export function initTheme(toggle: HTMLButtonElement, onChange: (t: Theme) => void): void {
  const apply = (t: Theme): void => {
    document.documentElement.dataset['theme'] = t;
    document.documentElement.style.colorScheme = t;
    toggle.setAttribute('aria-pressed', String(t === 'dark'));
    onChange(t);
  };
  apply(stored() ?? (media().matches ? 'dark' : 'light'));
  media().addEventListener('change', (ev) => {
    if (stored() === null) apply(ev.matches ? 'dark' : 'light');
  });
  toggle.addEventListener('click', () => {
    const next: Theme = currentTheme() === 'dark' ? 'light' : 'dark';
    try {
      localStorage.setItem(THEME_STORAGE_KEY, next);
    } catch {
      // Not remembered; still applied.
    }
    apply(next);
  });
}
