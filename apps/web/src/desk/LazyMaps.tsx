// The maps (d3-geo, topojson and their components) are not in the desk's first load: each is fetched the first time
// a page draws one, a blank frame of the map's size standing in meanwhile.
import type { ComponentProps } from 'preact';
import { lazyComponent } from './lazy';
import type { PictureMap as PictureMapType } from './PictureMap';
import type { WorldMap as WorldMapType } from './WorldMap';

export const WorldMap = lazyComponent<ComponentProps<typeof WorldMapType>>(
  () => import('./WorldMap').then((m) => m.WorldMap),
  () => <figure class="map-wrap map-loading" aria-busy="true" />,
);

export const PictureMap = lazyComponent<ComponentProps<typeof PictureMapType>>(
  () => import('./PictureMap').then((m) => m.PictureMap),
  () => <figure class="map-wrap picture-map map-loading" aria-busy="true" />,
);
