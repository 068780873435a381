/** Shared figure helpers: colour maps, PNG maps, SVG figures and SVG → PNG. */
export { colormap, colorAt, type ColormapName } from './colormaps.js';
export { mapToRgba, mapToPng, encodeRgbaPng, colorbarPng, finiteRange, type MapColourOptions } from './png.js';
export { mapFigureSvg, histogramSvg, svgToPng, niceTicks, niceLength, escapeXml, fontPath, FONT_FAMILY, type MapFigureOptions, type HistogramOptions } from './svg.js';
