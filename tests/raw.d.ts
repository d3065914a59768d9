/** Vite's ?raw imports: the file's text, for tests that compare config files. */
declare module '*?raw' {
  const text: string;
  export default text;
}
