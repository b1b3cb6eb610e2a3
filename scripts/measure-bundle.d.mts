/** Types of measure-bundle.mjs, for the TypeScript that imports it (the project does not set allowJs). */

export interface BundleInput {
  /** Source of the entry module, resolved from the repo root. */
  contents?: string;
  /** Or: repo-relative modules that the entry re-exports with `export *`. */
  modules?: string[];
  /** Packages left as imports (peers the app has anyway); they do not count. */
  external?: string[];
  /** Resolve `contents` as an app that installed `tether-rpc` would: through its `exports`, to `dist/`. */
  asConsumer?: boolean;
}

export interface BundleSize {
  /** Minified bytes. */
  min: number;
  /** Those bytes gzipped at level 9. */
  gz: number;
  /** Inputs by their minified bytes in the output, largest first. */
  top: { file: string; bytes: number }[];
}

export declare function gzipSize(bytes: Uint8Array): number;
export declare function measureBundle(input: BundleInput): Promise<BundleSize>;
