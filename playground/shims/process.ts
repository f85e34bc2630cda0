/** `process` for the page's bundle: no environment variables; locations print relative to the package root the page compiles in. */
export const process = { env: {} as Record<string, string | undefined>, cwd: () => '/drift', platform: 'browser' }
