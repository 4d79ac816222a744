/** The AdmiralCloud activity-controller dialect. */
export { admiralCloudRoutes } from './ac-routes.js';
export { toJob, type AcJob } from './ac-activity.js';
