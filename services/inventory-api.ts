import { defineService } from '../lib/model/service';

export default defineService({
  name: 'inventory-api',
  description: 'Stock of each resource (Node 16 with Express).',
  component: 'api',
  image: { kind: 'ecr' },
  port: 5001,
  host: 'inventory-api',
  table: { name: 'inventory' },
  backends: [{ service: 'resource-api', envVar: 'RESOURCE_API_ENDPOINT' }],
  env: ({ cluster }) => ({ AWS_DEFAULT_REGION: cluster.region, AWS_REGION: cluster.region }),
  // No health endpoint exists; GET /summary answers 200 once Express serves (the course's own check).
  health: { httpPath: '/summary' },
  resources: { cpuMillis: [100, 500], memoryMiB: [192, 192] },
  security: {
    // The course's Dockerfile sets no USER; Express needs no privilege on port 5001.
    runAsUser: 10001,
    scratchPaths: ['/tmp'],
  },
});
