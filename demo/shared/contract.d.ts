import * as z from 'zod/mini';
export declare const Order: z.ZodMiniObject<{
    id: z.ZodMiniString<string>;
    sku: z.ZodMiniString<string>;
    qty: z.ZodMiniInt;
    total: z.ZodMiniNumber<number>;
    user: z.ZodMiniString<string>;
}, z.core.$strip>;
export declare const contract: {
    readonly 'orders.create': {
        readonly description: "Create an order; notifies the caller when it is created.";
        readonly params: z.ZodMiniObject<{
            sku: z.ZodMiniString<string>;
            qty: z.ZodMiniInt;
            delayMs: z.ZodMiniOptional<z.ZodMiniInt>;
        }, z.core.$strip>;
        readonly result: z.ZodMiniObject<{
            id: z.ZodMiniString<string>;
            sku: z.ZodMiniString<string>;
            qty: z.ZodMiniInt;
            total: z.ZodMiniNumber<number>;
            user: z.ZodMiniString<string>;
        }, z.core.$strip>;
    };
    readonly 'orders.list': {
        readonly description: "The caller's orders.";
        readonly params: z.ZodMiniOptional<z.ZodMiniObject<{}, z.core.$strip>>;
        readonly result: z.ZodMiniArray<z.ZodMiniObject<{
            id: z.ZodMiniString<string>;
            sku: z.ZodMiniString<string>;
            qty: z.ZodMiniInt;
            total: z.ZodMiniNumber<number>;
            user: z.ZodMiniString<string>;
        }, z.core.$strip>>;
    };
    readonly 'orders.get': {
        readonly description: "One of the caller’s orders.";
        readonly params: z.ZodMiniObject<{
            id: z.ZodMiniString<string>;
        }, z.core.$strip>;
        readonly result: z.ZodMiniObject<{
            id: z.ZodMiniString<string>;
            sku: z.ZodMiniString<string>;
            qty: z.ZodMiniInt;
            total: z.ZodMiniNumber<number>;
            user: z.ZodMiniString<string>;
        }, z.core.$strip>;
    };
    readonly 'orders.runs': {
        readonly description: "How many times orders.create ran in this worker (tests use it).";
        readonly params: z.ZodMiniOptional<z.ZodMiniObject<{}, z.core.$strip>>;
        readonly result: z.ZodMiniObject<{
            runs: z.ZodMiniNumber<number>;
        }, z.core.$strip>;
    };
    readonly 'demo.where': {
        readonly description: "Which worker and gateway served the call.";
        readonly params: z.ZodMiniOptional<z.ZodMiniObject<{}, z.core.$strip>>;
        readonly result: z.ZodMiniObject<{
            worker: z.ZodMiniString<string>;
            gateway: z.ZodMiniString<string>;
        }, z.core.$strip>;
    };
    readonly 'tasks.get_stats': {
        readonly description: "Counts of tasks.";
        readonly params: z.ZodMiniOptional<z.ZodMiniObject<{
            include_completed: z.ZodMiniDefault<z.ZodMiniBoolean<boolean>>;
        }, z.core.$strip>>;
        readonly result: z.ZodMiniObject<{
            total: z.ZodMiniNumber<number>;
            completed: z.ZodMiniNumber<number>;
            pending: z.ZodMiniNumber<number>;
        }, z.core.$strip>;
    };
    readonly 'demo.fail': {
        readonly description: "Always fails with an application error.";
        readonly params: z.ZodMiniOptional<z.ZodMiniObject<{}, z.core.$strip>>;
        readonly result: z.ZodMiniNever;
    };
    readonly 'demo.crash': {
        readonly description: "Throws an unexpected exception (becomes -32603).";
        readonly params: z.ZodMiniOptional<z.ZodMiniObject<{}, z.core.$strip>>;
        readonly result: z.ZodMiniNever;
    };
    readonly 'demo.slow': {
        readonly description: "Answers after `ms` milliseconds.";
        readonly params: z.ZodMiniObject<{
            ms: z.ZodMiniInt;
        }, z.core.$strip>;
        readonly result: z.ZodMiniObject<{
            waited: z.ZodMiniNumber<number>;
        }, z.core.$strip>;
    };
};
