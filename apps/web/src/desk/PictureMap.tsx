// The situational picture's map: every route of the period as a line through its stops, referrals at their last
// known position, documents at their issuing state; country outlines from world-atlas served with the page (no tile
// server). The list beside it carries the same items; the item focused there is drawn highlighted here. Each shape is
// a button too: focusable, named, Enter or Space selects it as a click does.
import type { PictureItem } from '@corridor/gateway-api';
import { geoArea, geoCentroid, geoMercator, geoPath } from 'd3-geo';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import { useMemo } from 'preact/hooks';
import { isolatedPlain } from '../shared/bidi';
import { t } from '../shared/i18n';
import { categoryLabel, priorityLabel } from '../shared/labels';
import { numericOf } from './countries';
import { layerOf, pictureKey, placesOf, type Place } from './picture';
import { MapBackdrop, useWorld, type World } from './WorldMap';

const WIDTH = 900;
const HEIGHT = 460;
/** Sahel to the Mediterranean: what an empty picture shows. */
const DEFAULT_VIEW: [number, number][] = [
  [-18, 0],
  [40, 48],
];

/** A country's centre: the centroid of its largest polygon (France's is in Europe, not in French Guiana). */
export function countryCentres(world: World): Map<string, [number, number]> {
  const centres = new Map<string, [number, number]>();
  for (const f of world.features) {
    if (f.id === undefined || !f.geometry) {
      continue;
    }
    let shape: Feature<Polygon | MultiPolygon> = f as Feature<Polygon | MultiPolygon>;
    if (f.geometry.type === 'MultiPolygon') {
      let best = -1;
      for (const coordinates of f.geometry.coordinates) {
        const polygon: Feature<Polygon> = {
          type: 'Feature',
          properties: {},
          geometry: { type: 'Polygon', coordinates },
        };
        const area = geoArea(polygon);
        if (area > best) {
          best = area;
          shape = polygon;
        }
      }
    }
    centres.set(String(f.id), geoCentroid(shape));
  }
  return centres;
}

export function PictureMap({
  items,
  active,
  onPick,
  description,
}: {
  items: PictureItem[];
  active: string | null;
  onPick: (key: string) => void;
  description: string;
}) {
  const { world, failure } = useWorld();
  const centres = useMemo(
    () => (world ? countryCentres(world) : new Map<string, [number, number]>()),
    [world],
  );
  const centreOf = (code: string): [number, number] | null => {
    const numeric = numericOf(code);
    return numeric ? (centres.get(numeric) ?? null) : null;
  };
  // Only what has a place on the map is drawn: an empty shape would be an invisible, focusable button (a document of
  // a state the atlas does not know, such as ICAO's specimen UTO, stays on the list beside the map).
  const placed = items
    .map((item) => ({ item, key: pictureKey(item), places: placesOf(item, centreOf) }))
    .filter((entry) => entry.places.length > 0);
  const all = placed.flatMap((p) => p.places.map((q) => [q.lon, q.lat] as [number, number]));
  const fit: [number, number][] = all.length
    ? all.flatMap(([lon, lat]) => [
        [lon - 3, Math.max(-80, lat - 2)],
        [lon + 3, Math.min(80, lat + 2)],
      ])
    : DEFAULT_VIEW;
  const projection = geoMercator()
    .fitExtent(
      [
        [20, 20],
        [WIDTH - 20, HEIGHT - 20],
      ],
      { type: 'MultiPoint', coordinates: fit },
    )
    .clipExtent([
      [0, 0],
      [WIDTH, HEIGHT],
    ]);
  const path = geoPath(projection);
  const xy = (q: Place): [number, number] | null => {
    const p = projection([q.lon, q.lat]);
    return p && Number.isFinite(p[0]) && Number.isFinite(p[1]) ? p : null;
  };
  const shapes = (entry: (typeof placed)[number]) => {
    const layer = layerOf(entry.item);
    const places = entry.places;
    const points = places.flatMap((q) => {
      const p = xy(q);
      return p ? [{ q, x: p[0], y: p[1] }] : [];
    });
    return (
      <>
        {layer === 'routes' && places.length > 1 ? (
          <path
            class="pic-line"
            d={path({ type: 'LineString', coordinates: places.map((q) => [q.lon, q.lat]) }) ?? ''}
          />
        ) : null}
        {points.map(({ q, x, y }, i) =>
          layer === 'documents' ? (
            <rect key={i} class="pic-mark" x={x - 5} y={y - 5} width={10} height={10} />
          ) : layer === 'referrals' ? (
            <path key={i} class="pic-mark" d={`M${x},${y - 7}L${x + 7},${y + 6}L${x - 7},${y + 6}Z`} />
          ) : (
            <circle
              key={i}
              class={`pic-mark${q.approximate ? ' is-approximate' : ''}`}
              cx={x}
              cy={y}
              r={q.kind === 'transit' ? 3 : 5}
            />
          ),
        )}
      </>
    );
  };
  const classOf = (item: PictureItem, isActive: boolean): string =>
    `pic pic-${layerOf(item)} priority-${item.priority}${isActive ? ' is-active' : ''}`;
  // The shapes keep their order (a focused shape must not move); the active one is drawn again on top of them all.
  const activeEntry = placed.find((p) => p.key === active);
  return (
    <figure class="map-wrap picture-map" data-testid="picture-map">
      <svg class="map" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="group" aria-label={description}>
        <title>{description}</title>
        <MapBackdrop path={path} world={world} width={WIDTH} height={HEIGHT} named={false} />
        {placed.map((entry) => {
          const { item, key } = entry;
          const isActive = key === active;
          return (
            <g
              key={key}
              class={classOf(item, isActive)}
              data-testid="picture-shape"
              data-key={key}
              data-layer={layerOf(item)}
              role="button"
              // lower case: on SVG elements Preact sets attributes, and only `tabindex' makes them focusable
              tabindex={0}
              aria-pressed={isActive ? 'true' : 'false'}
              aria-label={shapeLabel(item)}
              onClick={() => onPick(key)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  onPick(key);
                }
              }}
            >
              {shapes(entry)}
            </g>
          );
        })}
        {activeEntry ? (
          <g class={`${classOf(activeEntry.item, true)} pic-overlay`} aria-hidden="true">
            {shapes(activeEntry)}
          </g>
        ) : null}
      </svg>
      <figcaption class="map-caption">
        {failure ? t('map.outlinesUnavailable', { reason: failure }) : t('picture.caption')}
      </figcaption>
    </figure>
  );
}

/** A shape's name for assistive technology: priority, category, sender and title, as the list beside it says. */
export function shapeLabel(item: PictureItem): string {
  return [
    priorityLabel(item.priority),
    categoryLabel(item.category),
    t('feed.from', { sender: item.sender }),
    item.title ? isolatedPlain(item.title) : t('feed.untitled'),
  ].join(t('sep.list'));
}
