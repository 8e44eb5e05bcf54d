export declare const ENGINE_SOURCES: string[];
export declare const ENGINE_MARKER: string;
export declare function newestSource(paths: string[]): number;
export declare function isStale(root: string, output: string, sources: string[]): boolean;
