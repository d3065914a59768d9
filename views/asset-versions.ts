/** Written by `npm run assets`: URL versions for the year-long-cached files in public/assets. */
export const ASSET_VERSIONS = {
  htmx: '4.0.1',
  css: 'a049fcf4d4',
  embedCss: 'd1eb397b5b',
} as const;
