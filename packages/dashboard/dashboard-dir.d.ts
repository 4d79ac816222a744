/**
 * Where the built dashboard is (Vite's output): the folder a server passes to `buildServer({ dashboardDir })`.
 * @example
 * import { DASHBOARD_DIR } from '@activityd/dashboard';
 * const app = await buildServer({ hub, dashboardDir: DASHBOARD_DIR });
 */
export declare const DASHBOARD_DIR: string;
