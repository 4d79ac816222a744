import type { Activity } from '@activityd/protocol';

/** An activity as Plex Media Server shows it. */
export interface PlexActivity {
  uuid: string;
  type: string;
  cancellable: boolean;
  userID: number;
  title: string;
  subtitle: string;
  progress: number;
  Context: Record<string, unknown>;
  Response: Record<string, unknown>;
}

/** Plex's `userID` for admins and work with no user. */
const ADMIN_USER_ID = 1;

/** Renames and retypes a native activity the way Plex clients expect: -1 for indeterminate progress, strings and objects never null. */
export function toPlex(a: Activity): PlexActivity {
  return {
    uuid: a.id,
    type: a.type,
    cancellable: a.cancellable,
    userID: a.owner ?? ADMIN_USER_ID,
    title: a.title,
    subtitle: a.subtitle ?? '',
    progress: a.progress === null ? -1 : Math.round(a.progress),
    Context: a.context ?? {},
    Response: a.result ?? {},
  };
}

/** `started`, `updated` or `ended`, from the native event type. */
export function plexEvent(type: string): 'started' | 'updated' | 'ended' {
  return type === 'activity.started' ? 'started' : type === 'activity.ended' ? 'ended' : 'updated';
}

const escape = (v: unknown) => String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const xmlValue = (v: unknown) => (typeof v === 'boolean' ? (v ? '1' : '0') : typeof v === 'object' && v !== null ? JSON.stringify(v) : v === null || v === undefined ? '' : v);
const attributes = (o: Record<string, unknown>) =>
  Object.entries(o).filter(([k]) => /^[A-Za-z_][\w.-]*$/.test(k)).map(([k, v]) => ` ${k}="${escape(xmlValue(v))}"`).join('');

/** The list as Plex's XML: `<MediaContainer size=".."><Activity ...><Context .../></Activity></MediaContainer>`, booleans as 1/0. */
export function plexXml(activities: readonly PlexActivity[]): string {
  const items = activities.map(({ Context, Response, ...a }) =>
    `<Activity${attributes({ ...a })}><Context${attributes(Context)} /><Response${attributes(Response)} /></Activity>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<MediaContainer size="${activities.length}">${items.join('')}</MediaContainer>\n`;
}
