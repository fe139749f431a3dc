import { code128, drawingSVG, qrcode, type RenderOptions } from 'bwip-js/browser';

/**
 * The payment code as symbols a scanner reads, drawn by bwip-js (the Barcode Writer in Pure
 * PostScript, ported): a QR code for phones and camera scanners, Code 128 for laser scanners at
 * older tills. Both are vector SVG, so they stay sharp at any size and pixel density.
 */

// Black on white with the quiet zones the standards ask for, a scanner needs the margin as much
// as the bars: 4 modules around a QR code (a module is 2 points, padding counts points) and 10
// on each side of Code 128 (a module is 1 point).
const INK = { barcolor: '000000', backgroundcolor: 'FFFFFF' } as const;

export function qrSvg(digits: string): SVGSVGElement {
  // Level M survives a scratched screen or a glare spot and still fits 18 digits in version 1.
  const options: RenderOptions & { eclevel: string } = { bcid: 'qrcode', text: digits, eclevel: 'M', padding: 8, ...INK };
  return toElement(qrcode(options, drawingSVG()));
}

export function barcodeSvg(digits: string): SVGSVGElement {
  const options: RenderOptions = { bcid: 'code128', text: digits, height: 18, paddingwidth: 10, paddingheight: 2, ...INK };
  return toElement(code128(options, drawingSVG()));
}

/** Parses bwip-js's SVG text into an element: no innerHTML, so nothing in it could ever run. */
function toElement(svgText: string): SVGSVGElement {
  const parsed = new DOMParser().parseFromString(svgText, 'image/svg+xml').documentElement;
  if (!(parsed instanceof SVGSVGElement)) throw new Error('bwip-js did not return an SVG document');
  const svg = document.importNode(parsed, true);
  // Decorative to assistive technology: the figure around it carries the label.
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  return svg;
}
