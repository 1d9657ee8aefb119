import { defineService } from '../lib/model/service';

export default defineService({
  name: 'clients-api',
  description: "The store's clients (ASP.NET Core 3.1).",
  component: 'api',
  image: { kind: 'ecr' },
  port: 5003,
  host: 'clients-api',
  table: { name: 'clients' },
  env: ({ cluster, environment }) => ({
    ASPNETCORE_ENVIRONMENT: environment.name === 'development' ? 'Development' : 'Production',
    AWS_DEFAULT_REGION: cluster.region,
  }),
  health: { tcp: true, why: 'the API has no endpoint that answers without data; a TCP connect shows Kestrel listens' },
  resources: { cpuMillis: [100, 500], memoryMiB: [256, 256] },
  security: {
    // The course's Dockerfile sets no USER; Kestrel needs no privilege on port 5003.
    runAsUser: 10001,
    // .NET writes its temporary files and diagnostics sockets to /tmp.
    scratchPaths: ['/tmp'],
  },
});
