/** Written by `npm run assets`: URL versions for the year-long-cached files in public/assets. */
export const ASSET_VERSIONS = {
  htmx: '4.0.1',
  css: '6aa0093b1f',
  embedCss: 'd1eb397b5b',
} as const;
