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
  /** Only the photographs are candidates (a source added for its photos, whose other images are many and of kinds the corpus has). */
  photosOnly?: boolean;
  /** One original per design: the first kept; later versions of it are not candidates (a photo in several projections or encodings counts once). */
  onePerDesign?: boolean;
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
  // Added 2026-12-05 (`npm run eval -- --extend-corpus`): the natural photographs a survey of
  // Debian 12 found outside the sources above, each looked at; their packages' other images are left
  // out (photosOnly). gcompris-qt-data holds some 260 more inside Qt .rcc resource files, which this
  // script does not read.
  { package: 'kphotoalbum', include: ext('^usr/share/kphotoalbum/demo/'), photos: /./, note: "KPhotoAlbum's demo album: people, pets, travel photographs" },
  {
    package: 'tuxpaint-data',
    photosOnly: true,
    include: /^usr\/share\/tuxpaint\/(templates\/[^/]+\.jpg|starters\/(skyline-sf-dusk-back\.jpeg|reef-back\.png))$/,
    // Three close-ups that read as textures are not photographs of a scene.
    photos: /^(?!.*\/(burnt_bark|mudstone|mossy_bark)\.)/,
    note: 'Tux Paint templates: nature, sea, lighthouse, sheep photographs; two photo starter backgrounds (bark and stone close-ups left out)',
  },
  {
    package: 'gimp-help-en',
    include:
      /^usr\/share\/gimp\/2\.0\/help\/en\/images\/(filters\/examples\/(taj_orig\.jpg|kvitveis-orig\.png|colors-retinex1\.png|enhance\/high-pass-origin\.png|blur\/mean_curvature-(ex-1|denoise)\.jpg|distort\/spherize-ex-orig\.jpg|map\/little_planet-equirect\.jpg|light-and-shadow\/vignette-ex-orig\.jpg)|tutorials\/(quickie-(jpeg-100|background-foreground-select|remove-background-source|crop-example-source|flip-example-source|rotate-example-source|scale-example)\.jpg|tone-mapping\/(apple-orchard-truck-from-camera|tree-exposed-for-sky-ground-is-dark|power-lines)\.jpg))$/,
    photos: /./,
    note: 'GIMP manual: the untouched originals of its filter and tutorial examples (Taj Mahal, car, duck, guards, chimp, squirrel, flowers)',
  },
  {
    package: 'budgie-control-center-data',
    include: ext('^usr/share/pixmaps/budgie-faces/'),
    photos: /./,
    note: 'Budgie user-avatar photographs (512 px; legacy/ ones are too small)',
  },
  {
    package: 'hugin-data',
    photosOnly: true,
    onePerDesign: true,
    include: ext('^usr/share/hugin/xrc/data/help_en_EN/'),
    photos:
      /\/(800px-C_Marchi-GrandCentral-adj|Medinet_habu_horizontal_\w+|Vertical-\w+|Big_ben_\w+|CA_fringes0[01]|CA_tCA0\d|SB_\w+|250px-Little_planet|360px-Pantheon-150x100-rect-panini|250px-LagardePont-defish|300px-Lamp_enfuse|Aliasing\w+|(Barrel|Bubble|Pincushion)-distortion)\.jpg$/,
    // One scene in several projections (Big_ben_*, Medinet/Vertical), crops (CA_*, Aliasing*), overlays (SB_*), distortions.
    design: (p) => {
      const m = /\/(Big_ben|Medinet_habu|Vertical-|CA_fringes|CA_tCA|SB_|Aliasing|Barrel-distortion|Bubble-distortion|Pincushion-distortion)/.exec(p);
      if (!m) return undefined;
      return `hugin:${m[1] === 'Vertical-' ? 'Medinet_habu' : m[1].endsWith('-distortion') ? 'distortion' : m[1]}`;
    },
    note: 'Hugin help: panorama photographs in several projections',
  },
  {
    package: 'scribus-template',
    photosOnly: true,
    onePerDesign: true,
    include: ext('^usr/share/scribus/templates/'),
    exclude: /\/scribus_project_de\//, // the same craigbradney.jpg as scribus_project_pl
    photos: /\/(nl1-bw\/kites-bw|scribus_project_pl\/craigbradney|menu1(-bw)?\/teriyaki(-bw)?|menu2\/pizza|br2\/(sunset|nature)|cal2\/moon)\./,
    design: key('scribus', /\/(teriyaki)(?:-bw)?\.png$/),
    note: 'Scribus template pictures: kites, portrait, food, sunset, canyon, moon behind branches',
  },
  {
    package: 'palapeli-data',
    photosOnly: true,
    include: ext('^usr/share/palapeli/(collection|backgrounds)/'),
    photos: /\/collection\//,
    note: 'Palapeli puzzles: bridge, bee, chameleon, castle, citrus',
  },
  { package: 'puzzle-jigsaw', include: ext('^usr/share/puzzle-jigsaw/samples/'), photos: /./, note: 'tiger and cat photographs' },
  {
    package: 'nip2',
    photosOnly: true,
    include: ext('^usr/share/doc/nip2/examples/'),
    photos: /\/(slanted_oval_vase2|framing_picture)\.jpg$/,
    note: 'nip2 examples: vases, tulips',
  },
  {
    package: 'golang-golang-x-image-dev',
    photosOnly: true,
    onePerDesign: true,
    include: ext('^usr/share/gocode/src/golang.org/x/image/testdata/'),
    photos: /\/(yellow_rose|blue-purple-pink-large|go-turns-two-280x360)[^/]*$/,
    design: key('goimage', /\/(yellow_rose|blue-purple-pink-large|go-turns-two)/),
    note: 'x/image test data: a rose and gopher-plush photographs, each as PNG and several WebP encodings',
  },
  {
    package: 'golang-github-disintegration-imaging-dev',
    photosOnly: true,
    onePerDesign: true,
    include: ext('^usr/share/gocode/src/github.com/disintegration/imaging/testdata/'),
    photos: /\/(flowers|branches)\.(png|jpg)$/,
    design: key('imaging', /\/(branches)\.(?:png|jpg)$/),
    note: 'imaging test data: flowers, blossoming branches',
  },
  {
    package: 'libvips-doc',
    photosOnly: true,
    include: ext('^usr/share/gtk-doc/html/libvips/'),
    photos: /\/owl\.jpg$/,
    note: 'libvips documentation: an owl photograph',
  },
  {
    package: 'libvigraimpex-doc',
    photosOnly: true,
    onePerDesign: true,
    include: ext('^usr/share/doc/libvigraimpex-dev/html/bears'),
    photos: /\/bears\.jpg$/,
    design: key('vigra', /\/(bears)/),
    note: 'VIGRA documentation: a bears photograph',
  },
  { package: 'darktable', include: /^usr\/share\/darktable\/style\/image-1\.jpg$/, photos: /./, note: 'a leaf photograph' },
  { package: 'sddm-theme-maldives', include: /^usr\/share\/sddm\/themes\/maldives\/background\.jpg$/, photos: /./, note: 'a beach jetty photograph' },
  {
    package: 'gnome-user-docs',
    onePerDesign: true,
    include: /^usr\/share\/help\/C\/gnome-help\/figures\/color-(camera|display|printer)\.png$/,
    photos: /./,
    design: () => 'gnome-help:robin',
    note: 'a robin photograph in three colour renderings',
  },
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
