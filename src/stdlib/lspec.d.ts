/** Stdlib sources are embedded as text by esbuild's text loader and the test config. */
declare module '*.lspec' {
  const text: string;
  export default text;
}
