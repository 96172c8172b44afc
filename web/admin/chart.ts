import uPlot from 'uplot';
import type { DailyAnalytics } from '../../sdk/index.js';

/** A day of GET /api/v1/contests/:id/analytics/daily: the SDK's type, derived from the route's schema. */
export type DailyPoint = DailyAnalytics;

const SERIES: Array<[keyof DailyPoint, string, string]> = [
  ['visits', 'Visits (referral links)', '#1f6feb'],
  ['signups', 'Signups', '#2da44e'],
  ['referredSignups', 'Referred signups', '#8250df'],
  ['purchases', 'Purchases', '#bf3989'],
];

export const CHART_HEIGHT = 260;

/**
 * The chart's width for its box: the box's own, or before the box is laid out (it reads 0) the
 * viewport's less the page margins, so a phone does not get a 900 px chart to scroll sideways.
 */
export const chartWidth = (target: HTMLElement) =>
  Math.max(280, Math.min(target.clientWidth || document.documentElement.clientWidth - 40, 1100));

/** Draws the daily series with uPlot into `target` (replacing what was there). */
export function drawDailyChart(target: HTMLElement, points: DailyPoint[]): uPlot {
  target.replaceChildren();
  const xs = points.map((p) => Date.parse(`${p.date}T00:00:00Z`) / 1000);
  const data: uPlot.AlignedData = [xs, ...SERIES.map(([key]) => points.map((p) => p[key] as number))];
  return new uPlot(
    {
      width: chartWidth(target),
      height: CHART_HEIGHT,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
      scales: { x: { time: true } },
      series: [{ label: 'Day (UTC)' }, ...SERIES.map(([, label, stroke]) => ({ label, stroke, width: 2 }))],
      axes: [{}, { label: 'per day' }],
    },
    data,
    target,
  );
}
