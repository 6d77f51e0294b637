import type { Route } from '../http/route';
import { partnerRoutes } from './partner';

/** Every route of the public API, by area. */
export const allRoutes: Route[] = [...partnerRoutes];
