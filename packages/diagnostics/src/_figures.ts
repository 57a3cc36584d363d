/**
 * Pieces the experiments' Vega-Lite figures share, so that every figure reads the same way: log
 * axes labelled at powers of ten only, legends placed by how many entries they have (a row above
 * or below the panels, or a column beside them), and
 * titles split into a short headline and a subtitle with the sizes.
 */

/** A log-scale y (or x) encoding's `scale` and `axis`: labels only at powers of ten. */
export function logScale(title: string | null, format = '~g'): Record<string, unknown> {
  // log10 of a power of ten can come out as 2.9999999999999996: compare with a tolerance.
  const decade = 'abs(log(datum.value) / LN10 - round(log(datum.value) / LN10)) < 1e-6';
  return {
    scale: { type: 'log' },
    axis: {
      title,
      labelExpr: `${decade} ? format(datum.value, '${format}') : ''`,
      gridOpacity: 0.35,
    },
  };
}

/** A title with a subtitle (the sizes and settings; several lines as an array), both aligned left. */
export function titled(text: string, subtitle?: string | string[]): Record<string, unknown> {
  return subtitle === undefined ? { text } : { text, subtitle };
}

/** A legend under the plot, in `columns` columns. */
export function bottomLegend(title: string | null, columns = 3): Record<string, unknown> {
  return { title, orient: 'bottom', direction: 'horizontal', columns };
}

/** A legend in one row above the plot, its title on the left; `lines` as in {@link sideLegend}. */
export function topLegend(title: string | null, lines = false): Record<string, unknown> {
  return {
    ...sideLegend(title, lines),
    orient: 'top',
    direction: 'horizontal',
    columns: 6,
    titleOrient: 'left',
  };
}

/**
 * A legend right of the plot, one entry a line, large enough to read at a glance; `lines` draws
 * each entry as a stroke (with its dash) rather than a dot.
 */
export function sideLegend(title: string | null, lines = false): Record<string, unknown> {
  return {
    title,
    orient: 'right',
    direction: 'vertical',
    columns: 1,
    labelFontSize: 13,
    titleFontSize: 13,
    rowPadding: 9,
    ...(lines ? { symbolType: 'stroke', symbolSize: 500, symbolStrokeWidth: 3 } : { symbolSize: 160 }),
  };
}
