/** File name → text of every .sql file in `dir`, comments included. */
export function migrationSources(dir: string): Record<string, string>;
