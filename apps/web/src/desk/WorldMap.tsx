// An offline SVG map fitted to some points: country outlines from world-atlas (Natural Earth 1:110m, served with the
// page, no tile server), drawn with d3-geo; the route as a line; place labels isolated (FSI ... PDI). Each place is a
// button: focusable, named, Enter or Space (or a click) selects it, and the caption says which is selected.
import { geoCentroid, geoGraticule10, geoMercator, geoPath, type GeoPath } from 'd3-geo';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { useEffect, useState } from 'preact/hooks';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import worldUrl from 'world-atlas/countries-110m.json?url';
import { isolatedPlain } from '../shared/bidi';
import { t } from '../shared/i18n';

export interface MapPoint {
  lon: number;
  lat: number;
  label: string;
  kind: 'origin' | 'transit' | 'destination' | 'position';
}

const WIDTH = 760;
const HEIGHT = 340;
export type World = FeatureCollection<Geometry, { name?: string }>;
let worldPromise: Promise<World> | null = null;

export function loadWorld(): Promise<World> {
  worldPromise ??= fetch(worldUrl, { credentials: 'same-origin' })
    .then(async (res) => {
      if (!res.ok) {
        throw new Error(`HTTP ${res.status}`);
      }
      const topology = (await res.json()) as Topology<{ countries: GeometryCollection<{ name?: string }> }>;
      return feature(topology, topology.objects.countries);
    })
    .catch((error: unknown) => {
      worldPromise = null;
      throw error;
    });
  return worldPromise;
}

/** The country outlines for a map component: loaded once per page, with the reason when they could not be. */
export function useWorld(): { world: World | null; failure: string | null } {
  const [world, setWorld] = useState<World | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    loadWorld().then(
      (w) => current && setWorld(w),
      (e: unknown) => current && setFailure(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      current = false;
    };
  }, []);
  return { world, failure };
}

/** What every map draws first: the sphere, the graticule and the country outlines (named on hover when asked). */
export function MapBackdrop({
  path,
  world,
  width,
  height,
  named,
}: {
  path: GeoPath;
  world: World | null;
  width: number;
  height: number;
  named: boolean;
}) {
  return (
    <>
      <rect class="sphere" x={0} y={0} width={width} height={height} />
      <path class="graticule" d={path(geoGraticule10()) ?? ''} />
      <g class="countries">
        {(world?.features ?? []).map((f: Feature<Geometry, { name?: string }>, i) => {
          const d = path(f);
          return d ? (
            <path key={i} class="country" d={d}>
              {named && f.properties?.name ? <title>{f.properties.name}</title> : null}
            </path>
          ) : null;
        })}
      </g>
    </>
  );
}

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Greedy label placement: the first spot around each point that stays inside the map and clear of the other points
 * and labels already placed (an estimate of the text box is enough at this scale).
 */
export function placeLabels(placed: { x: number; y: number; label: string }[]) {
  const boxes: Box[] = placed.map((q) => ({ x0: q.x - 6, y0: q.y - 6, x1: q.x + 6, y1: q.y + 6 }));
  const spots: { x: number; y: number; anchor: 'start' | 'end' | 'middle'; text: string }[] = [];
  const candidates: [number, number, 'start' | 'end' | 'middle'][] = [
    [9, -6, 'start'],
    [9, 14, 'start'],
    [-9, -6, 'end'],
    [-9, 14, 'end'],
    [0, -12, 'middle'],
    [0, 22, 'middle'],
  ];
  for (const q of placed) {
    if (!q.label) {
      continue;
    }
    const width = q.label.length * 6.6 + 4;
    type Spot = (typeof spots)[number] & { box: Box };
    let chosen: Spot | null = null;
    let fallback: Spot | null = null;
    for (const [dx, dy, anchor] of candidates) {
      const x = q.x + dx;
      const y = q.y + dy;
      const x0 = anchor === 'start' ? x : anchor === 'end' ? x - width : x - width / 2;
      const box = { x0, y0: y - 11, x1: x0 + width, y1: y + 3 };
      const inside = box.x0 >= 0 && box.y0 >= 0 && box.x1 <= WIDTH && box.y1 <= HEIGHT;
      const clear = boxes.every((b) => box.x1 <= b.x0 || box.x0 >= b.x1 || box.y1 <= b.y0 || box.y0 >= b.y1);
      const spot: Spot = { x, y, anchor, text: q.label, box };
      if (inside && !fallback) {
        fallback = spot;
      }
      if (inside && clear) {
        chosen = spot;
        break;
      }
    }
    const spot = chosen ?? fallback;
    if (spot) {
      boxes.push(spot.box);
      spots.push({ x: spot.x, y: spot.y, anchor: spot.anchor, text: spot.text });
    }
  }
  return spots;
}

export function WorldMap({
  points,
  line,
  description,
}: {
  points: MapPoint[];
  line: boolean;
  description: string;
}) {
  const { world, failure } = useWorld();
  const [selected, setSelected] = useState<number | null>(null);
  const coordinates = points.map((p) => [p.lon, p.lat] as [number, number]);
  // Margin around every point, so a single point or a short hop still shows its region.
  const fit = coordinates.flatMap(([lon, lat]) =>
    [
      [-4, -3],
      [4, 3],
      [-4, 3],
      [4, -3],
    ].map(([dx, dy]) => [lon + dx, Math.max(-80, Math.min(80, lat + dy))]),
  );
  const centre = geoCentroid({ type: 'MultiPoint', coordinates });
  const projection = geoMercator()
    .rotate([-centre[0], 0])
    .fitExtent(
      [
        [24, 24],
        [WIDTH - 24, HEIGHT - 24],
      ],
      { type: 'MultiPoint', coordinates: fit },
    )
    .clipExtent([
      [0, 0],
      [WIDTH, HEIGHT],
    ]);
  const path = geoPath(projection);
  const placed = points.flatMap((p) => {
    const xy = projection([p.lon, p.lat]);
    return xy && Number.isFinite(xy[0]) && Number.isFinite(xy[1])
      ? [{ x: xy[0], y: xy[1], label: p.label, kind: p.kind }]
      : [];
  });
  const chosen = selected !== null && selected < placed.length ? placed[selected] : null;
  const select = (i: number): void => setSelected(selected === i ? null : i);
  const routeLine = line && coordinates.length > 1 ? path({ type: 'LineString', coordinates }) : null;
  return (
    <figure class="map-wrap" data-testid="map">
      <svg
        class="map"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="group"
        aria-label={description}
        preserveAspectRatio="xMidYMid meet"
      >
        <title>{description}</title>
        <MapBackdrop path={path} world={world} width={WIDTH} height={HEIGHT} named />
        {routeLine ? <path class="route-line" d={routeLine} data-testid="route-line" /> : null}
        <g class="markers">
          {placed.map((q, i) => (
            <circle
              key={i}
              class={`point point-${q.kind}${i === selected ? ' is-selected' : ''}`}
              cx={q.x.toFixed(1)}
              cy={q.y.toFixed(1)}
              r={q.kind === 'transit' ? 4 : 6}
              data-testid="map-point"
              role="button"
              // lower case: on SVG elements Preact sets attributes, and only `tabindex' makes them focusable
              tabindex={0}
              aria-pressed={i === selected ? 'true' : 'false'}
              aria-label={t('map.point', {
                n: i + 1,
                count: placed.length,
                place: q.label ? isolatedPlain(q.label) : '?',
              })}
              onClick={() => select(i)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  select(i);
                }
              }}
            />
          ))}
          <g class="labels">
            {placeLabels(placed).map((s, i) => (
              <text
                key={i}
                class="label"
                x={s.x.toFixed(1)}
                y={s.y.toFixed(1)}
                text-anchor={s.anchor}
                direction="ltr"
              >
                {isolatedPlain(s.text)}
              </text>
            ))}
          </g>
        </g>
      </svg>
      <figcaption class="map-caption">
        {failure ? t('map.outlinesUnavailable', { reason: failure }) : t('map.caption')}{' '}
        <span data-testid="map-selected" aria-live="polite">
          {chosen ? t('map.selectedPoint', { place: isolatedPlain(chosen.label || '?') }) : ''}
        </span>
      </figcaption>
    </figure>
  );
}
