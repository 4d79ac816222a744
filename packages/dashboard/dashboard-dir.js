import { fileURLToPath } from 'node:url';

/** Where the built dashboard is (Vite's output): the folder a server passes to `buildServer({ dashboardDir })`. */
export const DASHBOARD_DIR = fileURLToPath(new URL('./dist/', import.meta.url));
