import pino, { type Logger, type LoggerOptions } from 'pino';

/** Hides credentials that may appear in a URL's query string. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|x-plex-token)=)[^&]*/gi, '$1[REDACTED]');
}

/** pino options that never let a secret into the logs: tokens in headers or query strings, signatures. */
export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-plex-token"]', 'req.headers["x-admiralcloud-hash"]', 'token'],
      censor: '[REDACTED]',
    },
    serializers: {
      req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, url: redactUrl(req.url ?? ''), id: req.id }),
    },
  };
}

/** The server's structured logger. */
export function createLogger(level = 'info'): Logger {
  return pino(loggerOptions(level));
}
