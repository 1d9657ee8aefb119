import { defineService, type Backend } from '../lib/model/service';
import type { ServiceContext } from '../lib/model';

/**
 * The API paths the front-end calls on the proxy's host, each routed to one backend, with the key
 * the front-end's config.json gives its URL (services/front-end.ts reads this list).
 */
const routes: readonly Backend[] = [
  { service: 'resource-api', route: '/resources-api/', configKey: 'resourceApi' },
  { service: 'inventory-api', route: '/inventory-api/', configKey: 'inventoryApi' },
  { service: 'renting-api', route: '/renting-api/', configKey: 'rentingApi' },
  { service: 'clients-api', route: '/clients-api/', configKey: 'clientApi' },
];

const LISTEN_PORT = 8080;

/** nginx `default.conf`: `/` to the front-end, each API path to its backend with the prefix stripped, CORS for the front-end's origin. */
function nginxConfig(ctx: ServiceContext): string {
  const origin = `https://${ctx.hostOf('front-end')}`;
  const cors = [
    `add_header Access-Control-Allow-Origin "${origin}" always;`,
    'add_header Access-Control-Allow-Methods "GET, POST, PUT, DELETE, OPTIONS" always;',
    'add_header Access-Control-Allow-Headers "Content-Type, Authorization" always;',
  ];
  const location = (path: string, upstream: string, extra: string[] = []) => [
    `  location ${path} {`,
    ...extra.map((line) => `    ${line}`),
    `    proxy_pass ${upstream}/;`,
    '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;',
    '  }',
  ];
  const preflight = ['if ($request_method = OPTIONS) {', ...cors.map((l) => `  ${l}`), '  return 204;', '}', ...cors];
  return [
    'server {',
    `  listen ${LISTEN_PORT};`,
    '  server_name _;',
    '  location = /healthz {',
    '    access_log off;',
    '    return 200 "ok\\n";',
    '  }',
    // Upstreams from the backend declarations, as the environment's mesh provider names them.
    ...location('/', ctx.urlOf('front-end')),
    ...routes.flatMap((r) => location(r.route!, ctx.urlOf(r.service), preflight)),
    '}',
    '',
  ].join('\n');
}

export default defineService({
  name: 'front-end-proxy',
  description: 'nginx in front of the APIs: one public host (api.<domain>) for the browser, CORS for the front-end.',
  component: 'proxy',
  // The unprivileged build of the official nginx image: runs as uid 101 and listens on 8080.
  image: { kind: 'public', image: 'public.ecr.aws/nginx/nginx-unprivileged:1.27.3-alpine' },
  port: LISTEN_PORT,
  serviceName: 'front-end-service-proxy',
  host: 'api',
  backends: [{ service: 'front-end' }, ...routes],
  health: { httpPath: '/healthz' },
  resources: { cpuMillis: [50, 200], memoryMiB: [64, 64] },
  security: {
    // nginx keeps its pid file and proxy buffers under /tmp in the unprivileged image.
    scratchPaths: ['/tmp'],
  },
  configFiles: (ctx) => [{ mountPath: '/etc/nginx/conf.d/default.conf', content: nginxConfig(ctx) }],
});

export { routes as apiRoutes };
