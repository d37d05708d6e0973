/** Hash routes (`#/search`, `#/why`, `#/weights`, `#/models/<report>`): each view has an address to open or share. */
import { useEffect, useState } from 'preact/hooks';

export const VIEWS = ['search', 'why', 'weights', 'models'] as const;
export type View = (typeof VIEWS)[number];

/**
 * The view and its argument from a hash.
 *
 * @example parseRoute('#/models/eval-rerank') // { view: 'models', arg: 'eval-rerank' }
 */
export function parseRoute(hash: string): { view: View; arg: string } {
  const [view = '', ...rest] = hash.replace(/^#\/?/, '').split('/');
  return { view: (VIEWS as readonly string[]).includes(view) ? (view as View) : 'search', arg: decodeURIComponent(rest.join('/')) };
}

/** The current route, following hash changes. */
export function useRoute(): { view: View; arg: string } {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}
