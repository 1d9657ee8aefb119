/**
 * The Application health check in Argo CD's values, run as Argo CD runs it: a Lua script over the
 * live object (here in fengari, a Lua VM for JavaScript), returning { status, message }.
 */
import { lauxlib, lua, lualib, to_luastring, to_jsstring } from 'fengari';
import { APPLICATION_HEALTH_KEY, APPLICATION_HEALTH_LUA } from '../platform/argo-cd';
import { find, rendered } from './helpers';

/** Pushes a JSON value onto the Lua stack as Lua tables (nil for undefined). */
function push(L: any, value: unknown): void {
  if (value === undefined || value === null) lua.lua_pushnil(L);
  else if (typeof value === 'string') lua.lua_pushstring(L, to_luastring(value));
  else if (typeof value === 'number') lua.lua_pushnumber(L, value);
  else if (typeof value === 'boolean') lua.lua_pushboolean(L, value);
  else {
    lua.lua_newtable(L);
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      lua.lua_pushstring(L, to_luastring(key));
      push(L, v);
      lua.lua_settable(L, -3);
    }
  }
}

/** The health the script gives an Application object. */
function health(script: string, obj: unknown): { status: string; message: string } {
  const L = lauxlib.luaL_newstate();
  lualib.luaL_openlibs(L);
  push(L, obj);
  lua.lua_setglobal(L, to_luastring('obj'));
  if (lauxlib.luaL_loadstring(L, to_luastring(script)) !== lua.LUA_OK || lua.lua_pcall(L, 0, 1, 0) !== lua.LUA_OK) {
    throw new Error(`Lua error: ${to_jsstring(lua.lua_tostring(L, -1))}`);
  }
  const field = (name: string) => {
    lua.lua_getfield(L, -1, to_luastring(name));
    const text = lua.lua_isnil(L, -1) ? '' : to_jsstring(lua.lua_tostring(L, -1));
    lua.lua_pop(L, 1);
    return text;
  };
  return { status: field('status'), message: field('message') };
}

const automated = { syncPolicy: { automated: { prune: true, selfHeal: true } } };
const manual = { syncPolicy: { syncOptions: ['CreateNamespace=true'] } };

describe('the Application health check (Argo CD resource.customizations.health)', () => {
  it('is the script in the rendered Argo CD values of every cluster', () => {
    for (const cluster of rendered().project.clusters) {
      const values = find(`${cluster.name}/argocd/argo-cd.yaml`, 'Application', 'argo-cd').spec.source.helm.valuesObject;
      expect(values.configs.cm[APPLICATION_HEALTH_KEY]).toBe(APPLICATION_HEALTH_LUA);
    }
  });

  it('makes a wave wait for an automated child until it reports Healthy', () => {
    expect(health(APPLICATION_HEALTH_LUA, { spec: automated })).toEqual({ status: 'Progressing', message: 'waiting for the Application to report its health' });
    expect(health(APPLICATION_HEALTH_LUA, { spec: automated, status: { health: { status: 'Progressing', message: 'rolling' } } })).toEqual({
      status: 'Progressing',
      message: 'rolling',
    });
    expect(health(APPLICATION_HEALTH_LUA, { spec: automated, status: { health: { status: 'Degraded' } } })).toEqual({ status: 'Degraded', message: '' });
    expect(health(APPLICATION_HEALTH_LUA, { spec: automated, status: { health: { status: 'Healthy' } } })).toEqual({ status: 'Healthy', message: '' });
  });

  it.each(['Missing', 'Progressing', 'Degraded', undefined])('never blocks on a child synced by hand (production) whose health is %s', (own) => {
    const obj = { spec: manual, ...(own ? { status: { health: { status: own } } } : {}) };
    expect(health(APPLICATION_HEALTH_LUA, obj)).toEqual({ status: 'Healthy', message: `synced by hand, not waited for (its own health: ${own ?? 'unknown'})` });
  });

  it('reads the rendered production Application as synced by hand, and development as automated', () => {
    const { project } = rendered();
    for (const environment of project.environments) {
      const app = find(`${environment.cluster}/argocd/${environment.name}.yaml`, 'Application', `${environment.cluster}-${environment.name}`);
      const result = health(APPLICATION_HEALTH_LUA, { spec: app.spec, status: { health: { status: 'Missing' } } });
      expect([environment.name, result.status]).toEqual([environment.name, environment.sync.automated ? 'Missing' : 'Healthy']);
    }
  });
});
