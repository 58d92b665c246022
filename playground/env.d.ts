/** Every `.lspec` file under examples/, listed by the playground build (scripts/build-playground.mjs). */
declare module 'virtual:lifespec-examples' {
  const files: readonly { readonly path: string; readonly text: string }[];
  export default files;
}
