import { defineService } from '../lib/model/service';

export default defineService({
  name: 'resource-api',
  description: 'Books and other resources of the store (Python Flask on gunicorn).',
  component: 'api',
  image: { kind: 'ecr' },
  port: 5000,
  host: 'resource-api',
  table: { name: 'resources' },
  env: ({ cluster }) => ({ AWS_DEFAULT_REGION: cluster.region }),
  // No health endpoint exists; GET /list answers 200 once gunicorn serves (the course's own check).
  health: { httpPath: '/list' },
  resources: { cpuMillis: [100, 500], memoryMiB: [192, 192] },
  security: {
    // The course's Dockerfile sets no USER; gunicorn needs no privilege on port 5000.
    runAsUser: 10001,
    // gunicorn keeps worker heartbeat files in /tmp.
    scratchPaths: ['/tmp'],
  },
});
