/**
 * The drawn parts of the edits, as SVG for sharp's composite: a channel logo and caption (the
 * watermark a re-poster stamps on), and a phone's status bar, app bar and navigation bar (a
 * screenshot of a post). Text is neutral filler; only its shape and place matter to the hashes.
 */

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** A round channel logo with a star and two letters, `size` px square. */
export function logoSvg(size: number): Buffer {
  const r = size / 2;
  const star = Array.from({ length: 10 }, (_, i) => {
    const a = (Math.PI / 5) * i - Math.PI / 2;
    const rr = i % 2 ? r * 0.22 : r * 0.5;
    return `${(r + rr * Math.cos(a)).toFixed(1)},${(r * 0.82 + rr * Math.sin(a)).toFixed(1)}`;
  }).join(' ');
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">` +
      `<circle cx="${r}" cy="${r}" r="${r * 0.96}" fill="#b01818" fill-opacity="0.85" stroke="#fff" stroke-width="${Math.max(1, size / 30)}"/>` +
      `<polygon points="${star}" fill="#fff"/>` +
      `<text x="${r}" y="${r * 1.62}" font-family="DejaVu Sans" font-weight="bold" font-size="${(r * 0.42).toFixed(1)}" fill="#fff" text-anchor="middle">NX</text>` +
      `</svg>`,
  );
}

/** A caption strip across the bottom: a dark translucent band with a handle and a line of text. */
export function captionSvg(width: number, height: number, text = '@newsroom_channel  ·  share before it is deleted'): Buffer {
  const fs = Math.max(8, Math.round(height * 0.5));
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<rect width="${width}" height="${height}" fill="#000" fill-opacity="0.55"/>` +
      `<text x="${Math.round(height * 0.4)}" y="${Math.round(height * 0.68)}" font-family="DejaVu Sans" font-size="${fs}" fill="#fff">${esc(text)}</text>` +
      `</svg>`,
  );
}

export const PHONE = { width: 1080, height: 2340, statusBar: 96, appBar: 168, navBar: 144 } as const;

/** The status bar's signal strength: four bars of rising height, in `fill`. */
const signalBars = (fill: string) =>
  [0, 1, 2, 3].map((i) => `<rect x="${842 + i * 16}" y="${62 - 10 - i * 8}" width="10" height="${18 + i * 8}" rx="2" fill="${fill}"/>`).join('');

/** The navigation bar's three buttons (back, home, recents) drawn in `stroke`, the bar's top at `top`. */
const navButtons = (top: number, stroke: string) =>
  `<path d="M250 ${top + 72} l40 -28 v56 z" fill="none" stroke="${stroke}" stroke-width="6" stroke-linejoin="round"/>` +
  `<circle cx="540" cy="${top + 72}" r="30" fill="none" stroke="${stroke}" stroke-width="6"/>` +
  `<rect x="800" y="${top + 44}" width="56" height="56" rx="6" fill="none" stroke="${stroke}" stroke-width="6"/>`;

/** The phone's status bar (time, signal, wi-fi, battery) and app bar (back, avatar, channel name, menu). */
export function phoneTopSvg(): Buffer {
  const { width: W, statusBar: S, appBar: A } = PHONE;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${S + A}">` +
      `<rect width="${W}" height="${S}" fill="#f1f3f4"/>` +
      `<text x="48" y="64" font-family="DejaVu Sans" font-size="38" fill="#202124">9:41</text>` +
      `<circle cx="190" cy="50" r="9" fill="#5f6368"/><circle cx="222" cy="50" r="9" fill="#5f6368"/>` +
      signalBars('#202124') +
      `<path d="M920 40 q26 -22 52 0 l-26 30 z" fill="#202124"/>` +
      `<rect x="990" y="34" width="54" height="30" rx="6" fill="none" stroke="#202124" stroke-width="4"/><rect x="996" y="40" width="34" height="18" fill="#202124"/><rect x="1046" y="42" width="6" height="14" fill="#202124"/>` +
      `<rect y="${S}" width="${W}" height="${A}" fill="#ffffff"/>` +
      `<path d="M44 ${S + 84} l30 -30 M44 ${S + 84} l30 30 M44 ${S + 84} h52" stroke="#202124" stroke-width="7" fill="none" stroke-linecap="round"/>` +
      `<circle cx="170" cy="${S + 84}" r="48" fill="#3c6e91"/><text x="170" y="${S + 100}" font-family="DejaVu Sans" font-size="44" fill="#fff" text-anchor="middle">N</text>` +
      `<text x="240" y="${S + 76}" font-family="DejaVu Sans" font-weight="bold" font-size="42" fill="#202124">Daily Newsroom</text>` +
      `<text x="240" y="${S + 126}" font-family="DejaVu Sans" font-size="32" fill="#5f6368">12,408 subscribers</text>` +
      `<circle cx="1030" cy="${S + 54}" r="6" fill="#202124"/><circle cx="1030" cy="${S + 84}" r="6" fill="#202124"/><circle cx="1030" cy="${S + 114}" r="6" fill="#202124"/>` +
      `<rect y="${S + A - 2}" width="${W}" height="2" fill="#dadce0"/>` +
      `</svg>`,
  );
}

/** Below the post: a caption, a reaction row, a message field; then the navigation bar (back, home, recents). */
export function phoneBottomSvg(height: number): Buffer {
  const { width: W, navBar: N } = PHONE;
  const body = height - N;
  const field = body - 150;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}">` +
      `<rect width="${W}" height="${height}" fill="#ffffff"/>` +
      `<text x="40" y="70" font-family="DejaVu Sans" font-size="36" fill="#202124">Watch until the end. Forwarded from a channel.</text>` +
      `<text x="40" y="124" font-family="DejaVu Sans" font-size="30" fill="#5f6368">18.2K views  ·  14:07</text>` +
      [0, 1, 2]
        .map(
          (i) =>
            `<rect x="${40 + i * 180}" y="160" width="160" height="64" rx="32" fill="#e8f0fe"/><text x="${84 + i * 180}" y="204" font-family="DejaVu Sans" font-size="32" fill="#1a73e8">${[1250, 348, 97][i]}</text>`,
        )
        .join('') +
      `<rect x="30" y="${field}" width="${W - 60}" height="110" rx="55" fill="#f1f3f4"/><text x="90" y="${field + 68}" font-family="DejaVu Sans" font-size="36" fill="#80868b">Message</text>` +
      `<rect y="${body}" width="${W}" height="${N}" fill="#f1f3f4"/>` +
      navButtons(body, '#3c4043') +
      `</svg>`,
  );
}

/** A photo viewer's status bar in the dark: time, signal and battery in white on black. */
export function viewerStatusSvg(): Buffer {
  const { width: W, statusBar: S } = PHONE;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${S}">` +
      `<rect width="${W}" height="${S}" fill="#000"/>` +
      `<text x="48" y="64" font-family="DejaVu Sans" font-size="38" fill="#e8eaed">21:07</text>` +
      signalBars('#e8eaed') +
      `<rect x="990" y="34" width="54" height="30" rx="6" fill="none" stroke="#e8eaed" stroke-width="4"/><rect x="996" y="40" width="24" height="18" fill="#e8eaed"/>` +
      `</svg>`,
  );
}

/** The viewer's navigation bar (back, home, recents) in white on black. */
export function viewerNavSvg(): Buffer {
  const { width: W, navBar: N } = PHONE;
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${N}">` +
      `<rect width="${W}" height="${N}" fill="#000"/>` +
      navButtons(0, '#e8eaed') +
      `</svg>`,
  );
}
