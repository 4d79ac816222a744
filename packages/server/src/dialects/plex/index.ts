/** The Plex Media Server activities dialect. */
export { plexRoutes } from './plex-routes.js';
export { toPlex, plexXml, type PlexActivity } from './plex-activity.js';
