/**
 * The console's built files, written by `npm run build:console` (src/console/build.ts) to
 * assets.gen.js beside this file (git-ignored; npm install, npm start, npm test and wrangler's build
 * step write it). A module rather than files on disk, so the Workers bundle carries it as it is.
 */
export interface ConsoleAsset {
  /** Content-Type. */
  type: string;
  body: string;
}

export interface ConsoleBuild {
  /** The page at /console: a shell that loads the script and the style sheet below. */
  html: string;
  /** By file name under /console/assets/; names carry a content hash, so they are cached for good. */
  assets: Record<string, ConsoleAsset>;
}

export const CONSOLE_BUILD: ConsoleBuild;
