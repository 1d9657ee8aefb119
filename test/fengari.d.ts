/** fengari (a Lua 5.3 VM in JavaScript) ships no types; test/argocd-health.test.ts uses its C-like API untyped. */
declare module 'fengari';
