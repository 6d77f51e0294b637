import type { Route } from '../http/route';

/** Every route of the public API, by area. */
export const allRoutes: Route[] = [];
