/** Fresh methods with state of their own (tests run several workers in one process). */
export declare function demoMethods(): any;
/** What `--worker demo/methods.ts` loads. */
export declare const methods: any;
