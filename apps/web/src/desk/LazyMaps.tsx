// The maps (d3-geo, topojson and their components) are not in the desk's first load: each is fetched the first time
// a page draws one, a blank frame of the map's size standing in meanwhile.
import type { ComponentProps, FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PictureMap as PictureMapType } from './PictureMap';
import type { WorldMap as WorldMapType } from './WorldMap';

function lazyComponent<P extends object>(
  load: () => Promise<FunctionComponent<P>>,
  placeholder: string,
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
    return <figure class={`map-wrap ${placeholder}`} aria-busy="true" />;
  };
}

export const WorldMap = lazyComponent<ComponentProps<typeof WorldMapType>>(
  () => import('./WorldMap').then((m) => m.WorldMap),
  'map-loading',
);

export const PictureMap = lazyComponent<ComponentProps<typeof PictureMapType>>(
  () => import('./PictureMap').then((m) => m.PictureMap),
  'picture-map map-loading',
);
