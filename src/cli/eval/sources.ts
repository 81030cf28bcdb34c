/**
 * Where the corpus comes from: Debian 12 packages, and inside each the paths holding images. The
 * photo rules name natural photographs found by looking at each package's images (scientific,
 * astronomical and microscope images count as 'other'); everything else is artwork, renders,
 * screenshots, diagrams and clip art, capped per source so that no one kind floods the corpus.
 * Sources are taken in this order, and within a source in the order of SHA-256(package/path), so
 * a rebuild picks the same files; `--rebuild-corpus` applies these rules and rewrites corpus.json.
 */
import { THRESHOLDS } from '../../core/hashes';

export interface Source {
  package: string;
  /** Paths inside the package (no leading slash) that are candidates. */
  include: RegExp;
  exclude?: RegExp;
  /** Files (by path) that are natural photographs; every other candidate is 'other'. */
  photos?: RegExp;
  /** Most originals kept from this source (after the size, duplicate and near-duplicate checks). */
  cap?: number;
  /**
   * Versions of one design the package itself names as such (a wallpaper's light and dark
   * versions, its sizes for other screens): the path's design key. Two
   * originals of one design are related, not unrelated: a match between them is reported as
   * related, neither recalled nor false, and their pairs are not among the unrelated ones.
   */
  design?: (path: string) => string | undefined;
  note: string;
}

/** The capture of `re` in `path`, prefixed with `name` (a design key), or undefined. */
const key = (name: string, re: RegExp) => (path: string) => {
  const m = re.exec(path);
  return m ? `${name}:${m.slice(1).join('')}` : undefined;
};

const IMG = String.raw`\.(jpe?g|png|webp|tiff?)$`;
const ext = (re: string) => new RegExp(`${re}.*${IMG}`, 'i');

export const SOURCES: Source[] = [
  {
    package: 'python3-skimage',
    include: ext('^usr/lib/python3/dist-packages/skimage/data/'),
    photos: /\/(astronaut|brick|camera|chelsea|coffee|coins|grass|gravel|motorcycle_left|motorcycle_right|rocket|clock_motion)\./,
    note: "scikit-image's sample images: astronaut, camera, chelsea, coffee, coins, rocket, textures; moon, hubble, retina, cells as 'other'",
  },
  { package: 'python3-sklearn', include: ext('^usr/lib/python3/dist-packages/sklearn/datasets/images/'), photos: /./, note: 'china.jpg, flower.jpg' },
  { package: 'python-matplotlib-data', include: ext('^usr/share/matplotlib/mpl-data/sample_data/'), photos: /grace_hopper/, note: 'grace_hopper.jpg' },
  { package: 'digikam-data', include: /^usr\/share\/digikam\/about\/images\/.*\.jpg$/, photos: /./, note: "digiKam's about-page photograph" },
  {
    package: 'opencv-doc',
    include: ext('^usr/share/doc/opencv-doc/examples/(data|hfs/data|reg|dnn_superres)/'),
    // right*.jpg are the other halves of the left*.jpg stereo and calibration pairs: the same scenes.
    exclude: /\/right\d*\.jpg$/,
    photos:
      /\/(aero\d|aloe[LR]|apple|baboon|basketball\d|board|box|box_in_scene|building|butterfly|chicky_512|ela_original|fruits|graf\d|home|left\d*|right\d*|leuven[AB]|licenseplate_motion|messi5|orange|pca_test1|rubberwhale\d|squirrel_cls|stuff|sudoku|text_defocus|text_motion|00\d)\.(jpg|png)$/,
    note: "OpenCV's sample data: street, aerial, object, sport, animal and (left camera) calibration photographs; logos and synthetic shapes as 'other'",
  },
  {
    package: 'mate-backgrounds',
    include: ext('^usr/share/backgrounds/mate/'),
    photos: /\/nature\//,
    // MATE-Stripes-Dark and -Light; Ubuntu-Mate-Warm-no-logo and -Dark-no-logo.
    design: key('mate', /\/(MATE-Stripes|Ubuntu-Mate)-(?:Dark|Light|Warm)/),
    note: 'MATE wallpapers: nature photographs, abstract art',
  },
  {
    package: 'plasma-workspace-wallpapers',
    include: ext('^usr/share/wallpapers/[^/]+/contents/images(_dark)?/'),
    photos: /\/(BytheWater|ColdRipple|ColorfulCups|DarkestHour|EveningGlow|FallenLeaf|Grey|Kite|OneStandsOut|Path|summer_1am)\//,
    // One wallpaper's directory holds its sizes (landscape, portrait) in images/ and its dark version in images_dark/.
    design: key('plasma', /^usr\/share\/wallpapers\/([^/]+)\//),
    note: 'KDE Plasma wallpapers: eleven photographs, the rest renders and art',
  },
  {
    package: 'lomiri-wallpapers-16.04',
    include: ext('^usr/share/backgrounds/'),
    photos: /\/(?!analogpattern|greentock|umang)[^/]+$/,
    note: 'Ubuntu Touch wallpaper contest photographs',
  },
  {
    package: 'lomiri-wallpapers-20.04',
    include: ext('^usr/share/backgrounds/'),
    photos: /Kleiber/,
    note: 'Ubuntu Touch 20.04 wallpapers: one photograph, art',
  },
  { package: 'lomiri-wallpapers', include: ext('^usr/share/backgrounds/'), note: 'warty-final artwork' },
  {
    package: 'lxqt-themes',
    include: ext('^usr/share/lxqt/wallpapers/'),
    photos: /\/(after-the-rain|appleflower|beam|Butterfly-Kenneth-Wimer|butterfly|cloud|drop|flowers|fog|this-is-not-windows|Valendas)\./,
    note: 'LXQt wallpapers: eleven photographs, the rest art',
  },
  {
    package: 'stellarium-data',
    include: ext('^usr/share/stellarium/landscapes/(garching|guereins|hurricane|grossmugl|mars|moon)/'),
    exclude: /_(illum|fog)_/,
    photos: /./,
    note: 'Stellarium landscape panoramas (photographs of fields, snow, Mars, the Apollo 17 site; transparent sky made white)',
  },
  // The rest: artwork, renders, screenshots, diagrams, clip art, scientific images.
  { package: 'ukui-wallpapers', include: ext('^usr/share/backgrounds/'), note: 'UKUI wallpapers (art)' },
  {
    package: 'gnome-backgrounds',
    include: ext('^usr/share/backgrounds/gnome/'),
    // name-l and name-d: one wallpaper's light and dark versions.
    design: key('gnome', /\/([^/]+)-[ld]\.[a-z]+$/),
    note: 'GNOME 43 wallpapers (renders, patterns)',
  },
  { package: 'sway-backgrounds', include: ext('^usr/share/backgrounds/sway/'), note: 'sway wallpapers (art)' },
  {
    package: 'desktop-base',
    include: ext('^usr/share/(desktop-base|plymouth)/'),
    cap: 12,
    // No design key: one theme's pictures are mostly different pictures (a logo sprite, a login
    // screen, a menu wallpaper), not versions of one.
    note: "Debian's themes: wallpapers, boot and login screens",
  },
  { package: 'stellarium-data', include: ext('^usr/share/stellarium/skycultures/'), cap: 20, note: 'Stellarium sky-culture constellation artwork' },
  { package: 'stellarium-data', include: ext('^usr/share/stellarium/nebulae/default/'), cap: 15, note: 'Stellarium nebula images (astronomical)' },
  { package: 'openclipart-png', include: ext('^usr/share/openclipart/png/'), cap: 30, note: 'Open Clip Art Library: flat clip art, logos, symbols' },
  {
    package: 'gimp-help-en',
    include: ext('^usr/share/gimp/2.0/help/en/images/(dialogs|toolbox|preferences|using)/'),
    cap: 20,
    note: 'GIMP manual: screenshots of dialogs and tools',
  },
  { package: 'kstars-data', include: ext('^usr/share/doc/HTML/en/kstars/'), cap: 10, note: 'KStars handbook: screenshots of sky charts' },
  { package: 'marble-data', include: ext('^usr/share/doc/HTML/en/marble/'), cap: 6, note: 'Marble handbook: screenshots of maps' },
  {
    package: 'opencv-doc',
    include: ext('^usr/share/doc/opencv-doc/opencv4/html/'),
    cap: 8,
    note: 'OpenCV documentation figures: diagrams, plots, result images',
  },
  { package: 'pysiogame', include: ext('^usr/share/games/pysiogame/res/images/(art4apps|unit_bg)/'), cap: 15, note: 'pySioGame educational game art' },
  { package: 'tuxpaint-stamps-default', include: ext('^usr/share/tuxpaint/stamps/'), cap: 12, note: 'Tux Paint stamps (cut-out pictures on white)' },
  {
    package: 'imagemagick-6-doc',
    include: ext('^usr/share/doc/imagemagick-6-common/html/'),
    cap: 12,
    // Magick++'s thumbnail sample, plain and framed (black bars and a bevelled frame around the same
    // picture): a bordered copy of one picture, found matching by a query's recrop (2026-12-05).
    design: key('magick', /\/(thumbnail-sample)-(?:framed|plain)\.jpg$/),
    note: 'ImageMagick documentation images',
  },
  { package: 'krita-data', include: ext('^usr/share/krita/patterns/'), cap: 6, note: 'Krita patterns (textures)' },
  { package: 'mypaint-data-extras', include: ext('^usr/share/mypaint/backgrounds/'), cap: 5, note: 'MyPaint paper backgrounds (textures)' },
];

/** Shorter than this on either side: not an original (too little to crop, border or thumbnail). */
export const MIN_SIDE = 200;
/** Originals are prepared to fit in this square (upload-sized; keeps a full run under half an hour). */
export const MAX_SIDE = 1024;
/** Near-duplicates: two originals this close by either hash are one picture (the held-out set has none). */
export const NEAR_PDQ = THRESHOLDS.pdq.maxDistance;
export const NEAR_BLOCKHASH = 40;
/** Below this PDQ quality a "photo" is counted as 'other' (the node does not share such a PDQ hash). */
export const PHOTO_MIN_QUALITY = THRESHOLDS.pdq.minQuality;

/** The design an original belongs to (see Source.design), or undefined when it stands alone. */
export function designOf(item: { package: string; path: string }): string | undefined {
  for (const src of SOURCES) {
    if (src.package !== item.package || !src.include.test(item.path) || !src.design) continue;
    const d = src.design(item.path);
    if (d) return `${item.package}/${d}`;
  }
  return undefined;
}
