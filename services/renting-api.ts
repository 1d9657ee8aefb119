import { defineService } from '../lib/model/service';

export default defineService({
  name: 'renting-api',
  description: 'Rentals of resources by clients (Ruby on Rails).',
  component: 'api',
  image: { kind: 'ecr' },
  port: 5004,
  host: 'renting-api',
  table: { name: 'renting' },
  // The course declares no mesh backends for renting-api although it calls these three over HTTP.
  backends: [
    { service: 'inventory-api', envVar: 'INVENTORY_API_ENDPOINT' },
    { service: 'clients-api', envVar: 'CLIENTS_API_ENDPOINT' },
    { service: 'resource-api', envVar: 'RESOURCES_API_ENDPOINT' },
  ],
  env: ({ cluster }) => ({ AWS_REGION: cluster.region }),
  health: { tcp: true, why: 'the API has no endpoint that answers without data; a TCP connect shows Puma listens' },
  resources: { cpuMillis: [200, 1000], memoryMiB: [384, 384] },
  security: {
    // The course's Dockerfile sets no USER; Puma needs no privilege on port 5004.
    runAsUser: 10001,
    writableRootFilesystem: { why: 'Rails writes tmp/ and log/ inside its application directory' },
  },
});
