// The maps' shapes are buttons for the keyboard: focusable (a real `tabindex' attribute on the SVG element), named,
// and Enter or Space selects them as a click does.
import type { PictureItem } from '@corridor/gateway-api';
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { act } from 'preact/test-utils';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initI18n } from '../shared/i18n';
import { PictureMap } from './PictureMap';
import { WorldMap } from './WorldMap';

async function mount(node: preact.ComponentChild): Promise<HTMLElement> {
  const host = document.createElement('div');
  document.body.appendChild(host);
  await act(async () => {
    render(node, host);
  });
  return host;
}

async function press(target: Element, key: string): Promise<void> {
  await act(() => {
    target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
  });
}

const item: PictureItem = {
  seq: 1,
  origin: 'NE',
  sender: 'NE',
  alertId: 'a1',
  category: 'PROTECTION_REFERRAL',
  priority: 'FLASH',
  classification: 'AMBER',
  title: 'Boat in distress',
  at: new Date().toISOString(),
  waypoints: [],
  summary: {},
  referral: { need: 'DISTRESS_AT_SEA', peopleCount: 3, place: 'Zuwara', lat: 33, lon: 12 },
  acknowledgedBy: null,
  acknowledgedAt: null,
};

describe('map shapes from the keyboard', () => {
  beforeAll(async () => {
    await initI18n('en');
    globalThis.fetch = () => Promise.reject(new Error('no server in unit tests'));
  });
  afterEach(() => {
    document.body.replaceChildren();
  });

  it('draws no shape, so no invisible focusable button, for an alert without a place on the map', async () => {
    const unplaced: PictureItem = {
      ...item,
      alertId: 'a2',
      referral: { ...item.referral!, lat: null, lon: null },
    };
    const host = await mount(
      <PictureMap items={[item, unplaced]} active={null} onPick={() => undefined} description="map" />,
    );
    const shapes = [...host.querySelectorAll('[data-testid=picture-shape]')];
    expect(shapes.map((s) => s.getAttribute('data-key'))).toEqual(['NE/a1']);
  });

  it('selects a picture shape with Enter', async () => {
    function Picture() {
      const [active, setActive] = useState<string | null>(null);
      return <PictureMap items={[item]} active={active} onPick={setActive} description="map" />;
    }
    const host = await mount(<Picture />);
    const shape = host.querySelector('[data-testid=picture-shape]')!;
    expect(shape.getAttribute('tabindex')).toBe('0');
    expect(shape.getAttribute('role')).toBe('button');
    expect(shape.getAttribute('aria-label')).toContain('from NE');
    expect(shape.getAttribute('aria-pressed')).toBe('false');
    await press(shape, 'Enter');
    expect(host.querySelector('[data-testid=picture-shape]')!.getAttribute('aria-pressed')).toBe('true');
    // The same element stays (focus is not lost), and the highlight drawn on top is hidden from assistive technology.
    expect(host.querySelector('[data-testid=picture-shape]')).toBe(shape);
    expect(host.querySelector('.pic-overlay')!.getAttribute('aria-hidden')).toBe('true');
  });

  it('selects a place of the route map with Space, and the caption names it', async () => {
    const host = await mount(
      <WorldMap
        points={[
          { lon: 8, lat: 17, label: 'Agadez', kind: 'origin' },
          { lon: 14, lat: 27, label: 'Sabha', kind: 'destination' },
        ]}
        line
        description="route"
      />,
    );
    const places = host.querySelectorAll('[data-testid=map-point]');
    expect(places).toHaveLength(2);
    expect(places[1].getAttribute('tabindex')).toBe('0');
    expect(places[1].getAttribute('aria-label')).toContain('Place 2 of 2');
    await press(places[1], ' ');
    expect(places[1].getAttribute('aria-pressed')).toBe('true');
    expect(host.querySelector('[data-testid=map-selected]')!.textContent).toContain('Sabha');
  });
});
