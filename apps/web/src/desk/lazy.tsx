// A component fetched the first time a page draws it (a chunk of its own, out of the first load), with a stand-in
// meanwhile; once loaded, later mounts draw it at once.
import type { FunctionComponent, VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export function lazyComponent<P extends object>(
  load: () => Promise<FunctionComponent<P>>,
  placeholder: () => VNode,
): FunctionComponent<P> {
  let loaded: FunctionComponent<P> | null = null;
  let loading: Promise<FunctionComponent<P>> | null = null;
  return function Lazy(props: P) {
    const [component, setComponent] = useState(() => loaded);
    useEffect(() => {
      if (component) {
        return;
      }
      let current = true;
      loading ??= load().then((c) => (loaded = c));
      loading.then(
        (c) => current && setComponent(() => c),
        () => {
          loading = null;
        },
      );
      return () => {
        current = false;
      };
    }, [component]);
    if (component) {
      const Component = component;
      return <Component {...props} />;
    }
    return placeholder();
  };
}
