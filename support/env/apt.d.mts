// Types of apt.mjs (plain JavaScript so that scripts/setup.mjs can run it on an old Node).

export declare function canInstallWithApt(): boolean;
export declare function aptCommand(packages: string[], options?: { recommends?: boolean }): string;
export declare function aptInstall(packages: string[], options?: { recommends?: boolean }): void;
