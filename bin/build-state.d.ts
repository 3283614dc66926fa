/** dist/main.js when it is newer than every source file under src/, else null. */
export function freshBuild(root: string): string | null;
