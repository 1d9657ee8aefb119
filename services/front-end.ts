import { defineService } from '../lib/model/service';
import { apiRoutes } from './front-end-proxy';

export default defineService({
  name: 'front-end',
  description: 'The Bookstore web application (Angular, served by nginx).',
  component: 'frontend',
  image: { kind: 'ecr' },
  port: 80,
  host: 'bookstore',
  health: { httpPath: '/' },
  resources: { cpuMillis: [50, 200], memoryMiB: [64, 64] },
  security: {
    root: { why: "the course's image is the official nginx image, whose master process starts as root to bind port 80" },
    addCapabilities: {
      names: ['CHOWN', 'NET_BIND_SERVICE', 'SETGID', 'SETUID'],
      why: "nginx's master binds port 80, chowns its cache and switches its workers to the nginx user",
    },
    scratchPaths: ['/var/cache/nginx', '/var/run', '/tmp'],
  },
  // Not a secret: the public API URLs the browser calls (the course shipped this as a Secret), one
  // per route of the proxy, keyed by the route's own configKey (checked on load).
  configFiles: (ctx) => [
    {
      mountPath: '/usr/share/nginx/html/assets/json/config.json',
      content:
        JSON.stringify(
          {
            api: Object.fromEntries(apiRoutes.map((r) => [r.configKey!, `https://${ctx.hostOf('front-end-proxy')}${r.route!.replace(/\/$/, '')}`])),
          },
          null,
          2,
        ) + '\n',
    },
  ],
});
